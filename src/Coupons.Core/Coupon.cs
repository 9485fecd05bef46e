namespace Coupons.Core;

/// <summary>What happened to a coupon during one operation, for counters and the durable record.</summary>
[Flags]
public enum CouponEvents : byte
{
    None = 0,

    /// <summary>A lock passed its lockTtlSeconds; the coupon became unused again.</summary>
    Lapsed = 1,

    /// <summary>The coupon's validity passed while it was unused or locked.</summary>
    Expired = 2,

    Locked = 4,
    Used = 8,
    Released = 16,
    Refunded = 32,

    /// <summary>An admin took the coupon back (<see cref="CouponRules.Revoke"/>); a lock it held was dropped.</summary>
    Revoked = 64,

    /// <summary>
    /// A change of an order that did not finish was taken back (the Redis store's order saga), or a
    /// coupon it had not reached yet was fenced off from it; the state is what it was before.
    /// </summary>
    Undone = 128,
}

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

    /// <summary>The order amount the lock or use was priced at (its items' total).</summary>
    public long OrderAmount;

    /// <summary>The order's shipping when the lock or use was priced (0 without).</summary>
    public long OrderShipping;

    /// <summary>
    /// What this coupon took off its order, as priced at the lock or use; null for one stored before
    /// orders were priced by checkout, whose discount follows from the terms and <see cref="OrderAmount"/>
    /// (<see cref="CouponRules.QuoteOf"/>).
    /// </summary>
    public long? OrderDiscount;

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
    /// <summary>The order's shipping when locked or used (null otherwise).</summary>
    public long? OrderShipping { get; init; }

    /// <summary>What the coupon takes off the order it is locked or used for (null otherwise).</summary>
    public long? OrderDiscount { get; init; }

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
            terms.MinOrderAmount)
        {
            OrderShipping = holdsOrder ? state.OrderShipping : null,
            OrderDiscount = holdsOrder ? CouponRules.QuoteOf(in state, terms).Discount : null,
        };
    }
}

/// <summary>A coupon together with what it comes to for the order it is locked or used for.</summary>
public readonly record struct Redemption(Outcome Outcome, Coupon? Coupon, DiscountQuote Quote);
