namespace Coupons.Core;

public enum CampaignStatus : byte
{
    Active = 1,
    Paused = 2,
    Ended = 3,
}

/// <summary>
/// How long a claimed coupon can be used: an absolute window (<see cref="FromMs"/> optional,
/// <see cref="ToMs"/> required) or a number of <see cref="Days"/> from the moment of the claim.
/// </summary>
public readonly record struct Validity(long? FromMs, long? ToMs, int? Days)
{
    public const int MaxDays = 3650;

    public static Validity Absolute(long? fromMs, long toMs) => new(fromMs, toMs, null);

    public static Validity Relative(int days) => new(null, null, days);

    public bool IsRelative => Days.HasValue;

    /// <summary>The window of a coupon claimed at <paramref name="claimedAtMs"/>.</summary>
    public (long FromMs, long ToMs) WindowFor(long claimedAtMs) => Days is { } days
        ? (claimedAtMs, claimedAtMs + (days * 86_400_000L))
        : (FromMs ?? claimedAtMs, ToMs!.Value);
}

/// <summary>What an admin sets when creating a campaign: everything but its status and stock counters.</summary>
public sealed record CampaignDefinition
{
    public const int MaxNameLength = 200;
    public const int MaxPerUserLimit = 1_000;
    public const long MaxStock = 1_000_000_000;
    public const int DefaultLockTtlSeconds = 900;
    public const int MaxLockTtlSeconds = 7 * 86_400;

    public required string Name { get; init; }
    public required Discount Discount { get; init; }
    public long MinOrderAmount { get; init; }
    public int PerUserLimit { get; init; } = 1;
    public long? ClaimStartsAtMs { get; init; }
    public long? ClaimEndsAtMs { get; init; }
    public required Validity Validity { get; init; }
    public int LockTtlSeconds { get; init; } = DefaultLockTtlSeconds;

    /// <summary>
    /// The campaign's shared code (<see cref="Codes.SharedCodes"/>), sealed: stores keep it and index
    /// it by its hash, unique across campaigns and generated codes, and never see it plain.
    /// </summary>
    public Codes.SealedCode? Code { get; init; }

    /// <summary>The items its discount applies to at checkout; null for the whole order (<see cref="Checkout.Scope"/>).</summary>
    public Checkout.Scope? Scope { get; init; }

    /// <summary>Whether its coupons go on an order alone (the default) or with other stackable ones.</summary>
    public Checkout.Stacking Stacking { get; init; } = Checkout.Stacking.Exclusive;

    /// <summary>What checkout needs of these terms (<see cref="Checkout.CheckoutRules"/>).</summary>
    public Checkout.CheckoutTerms ToCheckoutTerms() => new(Discount, MinOrderAmount, Scope, Stacking);

    /// <summary>
    /// Checks every field; returns the problems by field name (camelCase, as the API names them),
    /// empty when the definition is valid.
    /// </summary>
    public IReadOnlyDictionary<string, string> Validate(long initialStock)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors["name"] = "must not be empty";
        }
        else if (Name.Length > MaxNameLength)
        {
            errors["name"] = $"must be at most {MaxNameLength} characters";
        }
        else if (Name.Any(char.IsControl))
        {
            errors["name"] = "must not contain control characters";
        }

        if (!Money.IsValidAmount(MinOrderAmount))
        {
            errors["minOrderAmount"] = $"must be between 0 and {Money.MaxAmount}";
        }

        if (initialStock is < 0 or > MaxStock)
        {
            errors["totalStock"] = $"must be between 0 and {MaxStock}";
        }

        if (PerUserLimit is < 1 or > MaxPerUserLimit)
        {
            errors["perUserLimit"] = $"must be between 1 and {MaxPerUserLimit}";
        }

        if (ClaimStartsAtMs is { } start && ClaimEndsAtMs is { } end && end <= start)
        {
            errors["claimEndsAt"] = "must be after claimStartsAt";
        }

        if (LockTtlSeconds is < 1 or > MaxLockTtlSeconds)
        {
            errors["lockTtlSeconds"] = $"must be between 1 and {MaxLockTtlSeconds}";
        }

        if (!Enum.IsDefined(Stacking))
        {
            errors["stacking"] = "must be exclusive or stackable";
        }

        ValidateValidity(errors);
        return errors;
    }

    private void ValidateValidity(Dictionary<string, string> errors)
    {
        if (Validity.Days is { } days)
        {
            if (Validity.FromMs.HasValue || Validity.ToMs.HasValue)
            {
                errors["validity"] = "give either days or from/to, not both";
            }
            else if (days is < 1 or > Validity.MaxDays)
            {
                errors["validity.days"] = $"must be between 1 and {Validity.MaxDays}";
            }
        }
        else if (Validity.ToMs is not { } to)
        {
            errors["validity"] = "give days, or to (with an optional from)";
        }
        else if (Validity.FromMs is { } from && to <= from)
        {
            errors["validity.to"] = "must be after validity.from";
        }
    }
}

/// <summary>A campaign as it stands: its definition, status and stock.</summary>
public sealed record CampaignInfo(
    Guid Id,
    CampaignDefinition Definition,
    CampaignStatus Status,
    long TotalStock,
    long Issued,
    long CreatedAtMs)
{
    public long RemainingStock => TotalStock - Issued;
}

/// <summary>Live counts for one campaign.</summary>
public sealed record CampaignStats(
    Guid CampaignId,
    long TotalStock,
    long Issued,
    long Locked,
    long Used,
    long Released,
    long Refunded,
    long Expired,
    long Revoked,
    IReadOnlyDictionary<string, long> Rejected)
{
    public long RemainingStock => TotalStock - Issued;
}
