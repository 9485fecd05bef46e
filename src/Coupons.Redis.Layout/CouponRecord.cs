using Coupons.Core;

namespace Coupons.Redis.Layout;

/// <summary>
/// A coupon as Redis holds it: its hash (written by claim.lua, changed by transition.lua) and each
/// of its events, which carry the whole row with its version. Fields a coupon does not have yet
/// (order, lock, use, refund) are absent or empty.
/// </summary>
/// <param name="Version">1 at the claim, one more at every stored change; transition.lua stores a change only on the version it was decided on.</param>
public sealed record CouponRecord(
    Guid Id, Guid CampaignId, string UserId, long ClaimedAtMs, string? IdempotencyKey, CouponState State, long Version)
{
    /// <summary>The coupon of a hash, which holds every field but its id (that is in its key).</summary>
    public static CouponRecord FromHash(Guid id, StoredFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return Read(id, fields);
    }

    /// <summary>The coupon of a claim's or a change's event.</summary>
    public static CouponRecord FromEvent(StoredFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return Read(fields.Id(StreamEvent.Fields.Coupon), fields);
    }

    private static CouponRecord Read(Guid id, StoredFields fields) => new(
        id,
        fields.Id(Fields.Campaign),
        fields.Text(Fields.User),
        fields.Number(Fields.ClaimedAt),
        fields.OptionalText(Fields.IdempotencyKey),
        new CouponState
        {
            Status = WireNames.ParseCouponStatus(fields.Text(Fields.Status)),
            ValidFromMs = fields.Number(Fields.ValidFrom),
            ValidToMs = fields.Number(Fields.ValidTo),
            OrderId = fields.OptionalText(Fields.OrderId),
            OrderAmount = fields.OptionalNumber(Fields.OrderAmount) ?? 0,
            LockExpiresAtMs = fields.OptionalNumber(Fields.LockExpiresAt) ?? 0,
            UsedAtMs = fields.OptionalNumber(Fields.UsedAt) ?? 0,
            RefundedOrderId = fields.OptionalText(Fields.RefundedOrderId),
            OrderShipping = fields.OptionalNumber(Fields.OrderShipping) ?? 0,
            OrderDiscount = fields.OptionalNumber(Fields.OrderDiscount),
        },
        fields.Number(Fields.Version));

    /// <summary>The field names, in the hash and in the events alike (claim.lua and transition.lua write them).</summary>
    public static class Fields
    {
        public const string Campaign = "campaign";

        /// <summary>The bucket the coupon was claimed from: in the hash only, for its counters.</summary>
        public const string Bucket = "bucket";

        public const string User = "user";
        public const string ClaimedAt = "claimedAt";
        public const string IdempotencyKey = "idempotencyKey";
        public const string Status = "status";
        public const string ValidFrom = "validFrom";
        public const string ValidTo = "validTo";
        public const string OrderId = "orderId";
        public const string OrderAmount = "orderAmount";
        public const string LockExpiresAt = "lockExpiresAt";
        public const string UsedAt = "usedAt";
        public const string RefundedOrderId = "refundedOrderId";

        /// <summary>The order's shipping and what the coupon took off it, as priced at the lock or use (empty without one).</summary>
        public const string OrderShipping = "orderShipping";

        public const string OrderDiscount = "orderDiscount";
        public const string Version = "version";
    }
}
