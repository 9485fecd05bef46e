using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using StackExchange.Redis;

namespace Coupons.Redis.Layout;

/// <summary>
/// A campaign as Redis holds it: its hash (made by create.lua, its status and total changed by
/// status.lua and stock.lua) and each of its events, which carry the whole hash with its version.
/// The definition never changes once created.
/// </summary>
/// <param name="TotalStock">The campaign's whole stock, over all its buckets.</param>
/// <param name="Buckets">How many buckets, each in its own hash slot, the stock is split into (1 when the hash does not say).</param>
public sealed record CampaignRecord(
    Guid Id, CampaignDefinition Definition, CampaignStatus Status, long TotalStock, long CreatedAtMs, int Buckets, long Version)
{
    /// <summary>The campaign of a hash, which holds every field but its id (that is in its key).</summary>
    public static CampaignRecord FromHash(Guid id, StoredFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return Read(id, fields);
    }

    /// <summary>The campaign of its creation's, a status change's or a stock change's event.</summary>
    public static CampaignRecord FromEvent(StoredFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return Read(fields.Id(StreamEvent.Fields.Campaign), fields);
    }

    /// <summary>The definition as field, value pairs, as create.lua stores them in the campaign's hash.</summary>
    public static RedisValue[] DefinitionFields(CampaignDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var discount = definition.Discount;
        return
        [
            Fields.Name, definition.Name,
            Fields.DiscountKind, (int)discount.Kind,
            Fields.AmountOff, discount.AmountOff,
            Fields.PercentOff, discount.PercentOff,
            Fields.MaxDiscount, OrEmpty(discount.MaxDiscount),
            Fields.Threshold, discount.Threshold,
            Fields.MinOrderAmount, definition.MinOrderAmount,
            Fields.PerUserLimit, definition.PerUserLimit,
            Fields.ClaimStartsAt, OrEmpty(definition.ClaimStartsAtMs),
            Fields.ClaimEndsAt, OrEmpty(definition.ClaimEndsAtMs),
            Fields.ValidFrom, OrEmpty(definition.Validity.FromMs),
            Fields.ValidTo, OrEmpty(definition.Validity.ToMs),
            Fields.ValidDays, OrEmpty(definition.Validity.Days),
            Fields.LockTtlSeconds, definition.LockTtlSeconds,
            Fields.CodeHash, definition.Code is { } code ? code.Hash.ToText() : RedisValue.EmptyString,
            Fields.CodeSealed, definition.Code?.Sealed ?? RedisValue.EmptyString,
            Fields.Checkout, CheckoutText.Write(definition.Scope, definition.Stacking) ?? RedisValue.EmptyString,
        ];
    }

    private static CampaignRecord Read(Guid id, StoredFields fields) => new(
        id,
        ReadDefinition(fields),
        WireNames.ParseCampaignStatus(fields.Text(Fields.Status)),
        fields.Number(Fields.Total),
        fields.Number(Fields.CreatedAt),
        (int)(fields.OptionalNumber(Fields.Buckets) ?? 1),
        fields.Number(Fields.Version));

    private static CampaignDefinition ReadDefinition(StoredFields fields)
    {
        var (scope, stacking) = CheckoutText.Read(fields.OptionalText(Fields.Checkout));
        return new()
        {
            Name = fields.Text(Fields.Name),
            Discount = Discount.Restore(
            (DiscountKind)fields.Number(Fields.DiscountKind),
            fields.Number(Fields.AmountOff),
            (int)fields.Number(Fields.PercentOff),
            fields.OptionalNumber(Fields.MaxDiscount),
            fields.Number(Fields.Threshold)),
            MinOrderAmount = fields.Number(Fields.MinOrderAmount),
            PerUserLimit = (int)fields.Number(Fields.PerUserLimit),
            ClaimStartsAtMs = fields.OptionalNumber(Fields.ClaimStartsAt),
            ClaimEndsAtMs = fields.OptionalNumber(Fields.ClaimEndsAt),
            Validity = new Validity(fields.OptionalNumber(Fields.ValidFrom), fields.OptionalNumber(Fields.ValidTo), (int?)fields.OptionalNumber(Fields.ValidDays)),
            LockTtlSeconds = (int)fields.Number(Fields.LockTtlSeconds),
            Code = fields.OptionalText(Fields.CodeHash) is { } hash ? new SealedCode(CodeHash.ParseText(hash), fields.Text(Fields.CodeSealed)) : null,
            Scope = scope,
            Stacking = stacking,
        };
    }

    private static RedisValue OrEmpty(long? value) => value is { } number ? number : RedisValue.EmptyString;

    /// <summary>The field names, in the hash and in the events alike.</summary>
    public static class Fields
    {
        public const string Status = "status";
        public const string Total = "total";
        public const string CreatedAt = "createdAt";
        public const string Buckets = "buckets";
        public const string Version = "version";
        public const string Name = "name";
        public const string DiscountKind = "discountKind";
        public const string AmountOff = "amountOff";
        public const string PercentOff = "percentOff";
        public const string MaxDiscount = "maxDiscount";
        public const string Threshold = "threshold";
        public const string MinOrderAmount = "minOrderAmount";

        /// <summary>Scope and stacking (<see cref="CheckoutText"/>); empty or missing for the defaults.</summary>
        public const string Checkout = "checkout";
        public const string PerUserLimit = "perUserLimit";
        public const string ClaimStartsAt = "claimStartsAt";
        public const string ClaimEndsAt = "claimEndsAt";
        public const string ValidFrom = "validFrom";
        public const string ValidTo = "validTo";
        public const string ValidDays = "validDays";
        public const string LockTtlSeconds = "lockTtlSeconds";

        /// <summary>The shared code's lookup hash and sealed form; empty for a campaign without one.</summary>
        public const string CodeHash = "codeHash";
        public const string CodeSealed = "codeSealed";
    }
}
