namespace Coupons.Core;

public enum CouponStatus : byte
{
    Unused = 1,
    Locked = 2,
    Used = 3,
    Expired = 4,
    Revoked = 5,
}

/// <summary>
/// The mutable part of a coupon, the part the rules in <see cref="CouponRules"/> change.
/// A struct so a store can keep it inline and copy it as a snapshot without allocating.
/// </summary>
public struct CouponState
{
    public CouponStatus Status;
    public long ValidFromMs;
    public long ValidToMs;

    /// <summary>The order holding or having used the coupon; null when unused.</summary>
    public string? OrderId;

    /// <summary>The order amount the lock or use was priced at.</summary>
    public long OrderAmount;

    public long LockExpiresAtMs;
    public long UsedAtMs;

    /// <summary>The last order whose use was refunded, so a repeated refund is a no-op success.</summary>
    public string? RefundedOrderId;
}

/// <summary>A coupon as a reader sees it at one moment (a lapsed lock shows as unused, a passed validity as expired).</summary>
public sealed record Coupon(
    Guid Id,
    Guid CampaignId,
    string UserId,
    CouponStatus Status,
    long ClaimedAtMs,
    long ValidFromMs,
    long ValidToMs,
    string? OrderId,
    long? OrderAmount,
    long? LockExpiresAtMs,
    long? UsedAtMs,
    Discount Discount,
    long MinOrderAmount)
{
    public static Coupon From(Guid id, Guid campaignId, string userId, long claimedAtMs, in CouponState state, CampaignDefinition terms)
    {
        var holdsOrder = state.Status is CouponStatus.Locked or CouponStatus.Used;
        return new Coupon(
            id,
            campaignId,
            userId,
            state.Status,
            claimedAtMs,
            state.ValidFromMs,
            state.ValidToMs,
            holdsOrder ? state.OrderId : null,
            holdsOrder ? state.OrderAmount : null,
            state.Status == CouponStatus.Locked ? state.LockExpiresAtMs : null,
            state.Status == CouponStatus.Used ? state.UsedAtMs : null,
            terms.Discount,
            terms.MinOrderAmount);
    }
}

/// <summary>A coupon together with what it comes to for the order it is locked or used for.</summary>
public readonly record struct Redemption(Outcome Outcome, Coupon? Coupon, DiscountQuote Quote);
