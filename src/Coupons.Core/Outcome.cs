namespace Coupons.Core;

/// <summary>
/// The result of every store operation. Values are explicit and never reused; within one operation
/// the refusals are checked in the order DESIGN.md gives, which is the order of their values.
/// </summary>
public enum Outcome : byte
{
    /// <summary>The change was made.</summary>
    Ok = 0,

    /// <summary>The same request was made before; its earlier result is returned, nothing changed.</summary>
    Replayed = 1,

    CampaignNotFound = 10,
    CampaignNotActive = 11,
    LimitReached = 12,
    SoldOut = 13,

    CouponNotFound = 20,
    CouponExpired = 21,
    CouponNotYetValid = 22,
    AlreadyUsed = 23,
    LockedByOtherOrder = 24,
    OrderMismatch = 25,
    OrderAmountRequired = 26,
    BelowMinimum = 27,
    NotRedeemed = 28,

    /// <summary>
    /// An admin revoked the coupon: lock and redeem refuse it. Checked where coupon_expired is (a
    /// revoked coupon is neither expired, used nor locked, so it meets no other refusal first);
    /// values are never reused, so it took the next free one.
    /// </summary>
    CouponRevoked = 29,

    CampaignEnded = 30,

    /// <summary>Adding the stock would take the campaign's total past <see cref="CampaignDefinition.MaxStock"/>.</summary>
    StockCapExceeded = 31,

    /// <summary>
    /// No code is that: not well formed (a typo the check character catches), or no campaign's
    /// shared code, no generated code and no coupon's own code. A claim by code checks its code's
    /// refusals before the campaign's (values are never reused, so theirs came after).
    /// </summary>
    CodeNotFound = 32,

    /// <summary>A unique code someone else claimed.</summary>
    CodeAlreadyClaimed = 33,

    /// <summary>Another campaign has this shared code.</summary>
    CodeTaken = 34,

    /// <summary>
    /// Checkout: none of the order's items is in the coupon's scope (its SKUs and categories); an
    /// order given by its amount alone has no items. Checked where below_minimum is, just before it
    /// (values are never reused, so it took the next free one).
    /// </summary>
    OutOfScope = 35,

    /// <summary>Checkout: the coupons cannot go on one order together (an exclusive one among others, two of one campaign, more than five).</summary>
    NotCombinable = 36,

    /// <summary>Checkout: no order of that id (or not the caller's) for an operation that needs one (release, refund, redeem without a body).</summary>
    OrderNotFound = 37,

    /// <summary>Checkout: another operation on the order is under way (on the Redis store, whose order steps span hash slots); retry shortly.</summary>
    OrderBusy = 38,
}

public static class OutcomeCodes
{
    /// <summary>Number of distinct values an <see cref="Outcome"/> can index, for counters by outcome.</summary>
    public const int Capacity = 40;

    /// <summary>Every refusal code, for counters and documentation.</summary>
    public static readonly IReadOnlyList<Outcome> Refusals =
    [
        Outcome.CampaignNotFound, Outcome.CampaignNotActive, Outcome.LimitReached, Outcome.SoldOut,
        Outcome.CouponNotFound, Outcome.CouponExpired, Outcome.CouponNotYetValid, Outcome.AlreadyUsed,
        Outcome.LockedByOtherOrder, Outcome.OrderMismatch, Outcome.OrderAmountRequired, Outcome.BelowMinimum,
        Outcome.NotRedeemed, Outcome.CouponRevoked, Outcome.CampaignEnded, Outcome.StockCapExceeded,
        Outcome.CodeNotFound, Outcome.CodeAlreadyClaimed, Outcome.CodeTaken, Outcome.OutOfScope, Outcome.NotCombinable, Outcome.OrderNotFound, Outcome.OrderBusy,
    ];

    public static bool IsSuccess(this Outcome outcome) => outcome is Outcome.Ok or Outcome.Replayed;

    /// <summary>The stable snake_case code of an outcome, as the HTTP contract shows it.</summary>
    public static string ToCode(this Outcome outcome) => outcome switch
    {
        Outcome.Ok => "ok",
        Outcome.Replayed => "replayed",
        Outcome.CampaignNotFound => "campaign_not_found",
        Outcome.CampaignNotActive => "campaign_not_active",
        Outcome.LimitReached => "limit_reached",
        Outcome.SoldOut => "sold_out",
        Outcome.CouponNotFound => "coupon_not_found",
        Outcome.CouponExpired => "coupon_expired",
        Outcome.CouponNotYetValid => "coupon_not_yet_valid",
        Outcome.AlreadyUsed => "already_used",
        Outcome.LockedByOtherOrder => "locked_by_other_order",
        Outcome.OrderMismatch => "order_mismatch",
        Outcome.OrderAmountRequired => "order_amount_required",
        Outcome.BelowMinimum => "below_minimum",
        Outcome.NotRedeemed => "not_redeemed",
        Outcome.CouponRevoked => "coupon_revoked",
        Outcome.CampaignEnded => "campaign_ended",
        Outcome.StockCapExceeded => "stock_cap_exceeded",
        Outcome.CodeNotFound => "code_not_found",
        Outcome.CodeAlreadyClaimed => "code_already_claimed",
        Outcome.CodeTaken => "code_taken",
        Outcome.OutOfScope => "out_of_scope",
        Outcome.NotCombinable => "not_combinable",
        Outcome.OrderNotFound => "order_not_found",
        Outcome.OrderBusy => "order_busy",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "unknown outcome"),
    };
}
