using System.Diagnostics;

namespace Coupons.Core;

/// <summary>
/// The rules of a coupon's life: pure functions on <see cref="CouponState"/>, time passed in.
/// A store calls them while it holds whatever makes the coupon's change atomic; each checks its
/// refusals in the order DESIGN.md gives and changes nothing when it refuses.
/// </summary>
public static class CouponRules
{
    /// <summary>The state of a coupon claimed now.</summary>
    public static CouponState NewCoupon(CampaignDefinition terms, long nowMs)
    {
        var (fromMs, toMs) = terms.Validity.WindowFor(nowMs);
        return new CouponState { Status = CouponStatus.Unused, ValidFromMs = fromMs, ValidToMs = toMs };
    }

    /// <summary>Whether a campaign hands out coupons now, the claim check after campaign_not_found.</summary>
    public static bool IsClaimable(CampaignStatus status, CampaignDefinition terms, long nowMs) =>
        status == CampaignStatus.Active
        && (terms.ClaimStartsAtMs is not { } start || nowMs >= start)
        && (terms.ClaimEndsAtMs is not { } end || nowMs < end)
        && (terms.Validity.ToMs is not { } validTo || nowMs < validTo);

    /// <summary>
    /// The claim decision after the campaign was found: campaign_not_active → limit_reached →
    /// sold_out. Stock is taken by the caller atomically after this says Ok.
    /// </summary>
    /// <remarks>
    /// The Redis store decides a claim inside claim.lua, where the status, the user's count and the
    /// bucket's stock are read and changed atomically, so the script re-states this order (the
    /// claim window and absolute validity are checked here, by <see cref="IsClaimable"/>, and passed
    /// to the script as one flag). The conformance suite's claim cases and the model test hold the
    /// script to this function.
    /// </remarks>
    public static Outcome DecideClaim(CampaignStatus status, CampaignDefinition terms, int claimedByUser, long remainingStock, long nowMs)
    {
        if (!IsClaimable(status, terms, nowMs))
        {
            return Outcome.CampaignNotActive;
        }

        if (claimedByUser >= terms.PerUserLimit)
        {
            return Outcome.LimitReached;
        }

        return remainingStock <= 0 ? Outcome.SoldOut : Outcome.Ok;
    }

    /// <summary>Applies what time alone changes: a lapsed lock, a passed validity.</summary>
    public static CouponEvents Normalize(ref CouponState state, long nowMs)
    {
        var events = CouponEvents.None;
        if (state.Status == CouponStatus.Locked && state.LockExpiresAtMs <= nowMs)
        {
            ClearOrder(ref state, CouponStatus.Unused);
            events |= CouponEvents.Lapsed;
        }

        if (state.Status is CouponStatus.Unused or CouponStatus.Locked && state.ValidToMs <= nowMs)
        {
            ClearOrder(ref state, CouponStatus.Expired);
            events |= CouponEvents.Expired;
        }

        return events;
    }

    /// <summary>
    /// Locks a coupon for an order given by its amount alone (<see cref="OrderPrice.ForAmount"/>),
    /// for the campaign's lock TTL: see <see cref="LockUntil"/>.
    /// </summary>
    public static Outcome Lock(ref CouponState state, CampaignDefinition terms, string orderId, long orderAmount, long nowMs, out DiscountQuote quote, out CouponEvents events)
    {
        Debug.Assert(Money.IsValidAmount(orderAmount));
        return LockUntil(ref state, terms, orderId, OrderPrice.ForAmount(terms, orderAmount), nowMs + (terms.LockTtlSeconds * 1000L), nowMs, out quote, out events);
    }

    /// <summary>Locks a coupon for an order priced as <paramref name="order"/>, for the campaign's lock TTL: see <see cref="LockUntil"/>.</summary>
    public static Outcome Lock(ref CouponState state, CampaignDefinition terms, string orderId, in OrderPrice order, long nowMs, out DiscountQuote quote, out CouponEvents events) =>
        LockUntil(ref state, terms, orderId, order, nowMs + (terms.LockTtlSeconds * 1000L), nowMs, out quote, out events);

    /// <summary>
    /// Locks a coupon for an order priced as <paramref name="order"/> until <paramref name="lockExpiresAtMs"/>:
    /// coupon_expired / coupon_revoked → coupon_not_yet_valid → already_used → locked_by_other_order →
    /// order_mismatch → the price's own refusal (out_of_scope, below_minimum) → ok. The same order
    /// locking again at the same price gets its lock back (<see cref="Outcome.Replayed"/>).
    /// </summary>
    public static Outcome LockUntil(ref CouponState state, CampaignDefinition terms, string orderId, in OrderPrice order, long lockExpiresAtMs, long nowMs, out DiscountQuote quote, out CouponEvents events)
    {
        events = Normalize(ref state, nowMs);
        quote = default;
        var refusal = CheckUsable(in state, nowMs);
        if (refusal != Outcome.Ok)
        {
            return refusal;
        }

        if (state.Status == CouponStatus.Used)
        {
            return Outcome.AlreadyUsed;
        }

        if (state.Status == CouponStatus.Locked)
        {
            if (state.OrderId != orderId)
            {
                return Outcome.LockedByOtherOrder;
            }

            if (!Matches(in state, in order))
            {
                return Outcome.OrderMismatch;
            }

            quote = QuoteOf(in state, terms);
            return Outcome.Replayed;
        }

        if (order.Outcome != Outcome.Ok)
        {
            quote = order.Quote;
            return order.Outcome;
        }

        TakeOrder(ref state, orderId, in order);
        state.Status = CouponStatus.Locked;
        state.LockExpiresAtMs = lockExpiresAtMs;
        events |= CouponEvents.Locked;
        quote = order.Quote;
        return Outcome.Ok;
    }

    /// <summary>Redeem with an order given by its amount alone, or none: see <see cref="RedeemFor"/>.</summary>
    public static Outcome Redeem(ref CouponState state, CampaignDefinition terms, string orderId, long? orderAmount, long nowMs, out DiscountQuote quote, out CouponEvents events)
    {
        Debug.Assert(orderAmount is null || Money.IsValidAmount(orderAmount.Value));
        OrderPrice? order = orderAmount is { } amount ? OrderPrice.ForAmount(terms, amount) : null;
        return RedeemFor(ref state, terms, orderId, order, nowMs, out quote, out events);
    }

    /// <summary>
    /// Uses a coupon for an order: confirms the order's lock (at the price it was locked at), or locks
    /// and uses an unused coupon in one step (then <paramref name="order"/> is required). The same
    /// order redeeming again gets the same result (<see cref="Outcome.Replayed"/>); an order given
    /// again must come to the same price (else order_mismatch).
    /// </summary>
    public static Outcome RedeemFor(ref CouponState state, CampaignDefinition terms, string orderId, OrderPrice? order, long nowMs, out DiscountQuote quote, out CouponEvents events)
    {
        events = Normalize(ref state, nowMs);
        quote = default;

        // A used coupon never expires, so the replay of a redemption is answered before expiry is checked.
        if (state.Status == CouponStatus.Used && state.OrderId == orderId)
        {
            if (order is { } repeated && !Matches(in state, in repeated))
            {
                return Outcome.OrderMismatch;
            }

            quote = QuoteOf(in state, terms);
            return Outcome.Replayed;
        }

        var refusal = CheckUsable(in state, nowMs);
        if (refusal != Outcome.Ok)
        {
            return refusal;
        }

        if (state.Status == CouponStatus.Used)
        {
            return Outcome.AlreadyUsed;
        }

        if (state.Status == CouponStatus.Locked)
        {
            return ConfirmLock(ref state, terms, orderId, order, nowMs, out quote, ref events);
        }

        if (order is not { } priced)
        {
            return Outcome.OrderAmountRequired;
        }

        if (priced.Outcome != Outcome.Ok)
        {
            quote = priced.Quote;
            return priced.Outcome;
        }

        TakeOrder(ref state, orderId, in priced);
        MarkUsed(ref state, nowMs, ref events);
        quote = priced.Quote;
        return Outcome.Ok;
    }

    /// <summary>Redeem of a locked coupon: locked_by_other_order → order_mismatch → ok (used at the price it was locked at).</summary>
    private static Outcome ConfirmLock(ref CouponState state, CampaignDefinition terms, string orderId, OrderPrice? order, long nowMs, out DiscountQuote quote, ref CouponEvents events)
    {
        quote = default;
        if (state.OrderId != orderId)
        {
            return Outcome.LockedByOtherOrder;
        }

        if (order is { } confirmed && !Matches(in state, in confirmed))
        {
            return Outcome.OrderMismatch;
        }

        quote = QuoteOf(in state, terms);
        Debug.Assert(quote.Applicable, "a lock is only taken at an applicable price");
        MarkUsed(ref state, nowMs, ref events);
        return Outcome.Ok;
    }

    /// <summary>What the coupon takes off the order it is locked or used for, and what is left to pay.</summary>
    public static DiscountQuote QuoteOf(in CouponState state, CampaignDefinition terms) => state.OrderDiscount is { } discount
        ? new DiscountQuote(true, discount, state.OrderAmount + state.OrderShipping - discount)
        : terms.Discount.Quote(state.OrderAmount, terms.MinOrderAmount);

    /// <summary>Whether an order given again is the one the coupon holds: the same amounts, and the same discount where it was stored.</summary>
    private static bool Matches(in CouponState state, in OrderPrice order) =>
        state.OrderAmount == order.Amount && state.OrderShipping == order.Shipping && order.Outcome == Outcome.Ok
        && (state.OrderDiscount is not { } discount || discount == order.Discount);

    private static void TakeOrder(ref CouponState state, string orderId, in OrderPrice order)
    {
        state.OrderId = orderId;
        state.OrderAmount = order.Amount;
        state.OrderShipping = order.Shipping;
        state.OrderDiscount = order.Discount;
    }

    private static void MarkUsed(ref CouponState state, long nowMs, ref CouponEvents events)
    {
        state.Status = CouponStatus.Used;
        state.UsedAtMs = nowMs;
        state.LockExpiresAtMs = 0;
        events |= CouponEvents.Used;
    }

    /// <summary>
    /// Releases the order's lock: locked_by_other_order → already_used → ok. Releasing a coupon the
    /// order does not hold (already released, lapsed, never locked, dropped by a revoke) is a no-op
    /// success.
    /// </summary>
    public static Outcome Release(ref CouponState state, string orderId, long nowMs, out CouponEvents events)
    {
        events = Normalize(ref state, nowMs);
        switch (state.Status)
        {
            case CouponStatus.Locked when state.OrderId != orderId:
                return Outcome.LockedByOtherOrder;
            case CouponStatus.Locked:
                ClearOrder(ref state, CouponStatus.Unused);
                events |= CouponEvents.Released;
                return Outcome.Ok;
            case CouponStatus.Used:
                return Outcome.AlreadyUsed;
            default:
                return Outcome.Replayed;
        }
    }

    /// <summary>
    /// Returns a used coupon to its holder: unused again, or expired if its validity has passed.
    /// Repeating the refund of the last refunded order is a no-op success, even once another order
    /// uses the coupon; a coupon used by another order gives already_used, one not used at all
    /// (revoked ones too) not_redeemed. Only the last refunded order is remembered.
    /// </summary>
    public static Outcome Refund(ref CouponState state, string orderId, long nowMs, out CouponEvents events)
    {
        events = Normalize(ref state, nowMs);
        if (state.Status == CouponStatus.Used && state.OrderId == orderId)
        {
            var back = state.ValidToMs <= nowMs ? CouponStatus.Expired : CouponStatus.Unused;
            ClearOrder(ref state, back);
            state.RefundedOrderId = orderId;
            events |= CouponEvents.Refunded | (back == CouponStatus.Expired ? CouponEvents.Expired : CouponEvents.None);
            return Outcome.Ok;
        }

        if (state.RefundedOrderId == orderId)
        {
            return Outcome.Replayed;
        }

        return state.Status == CouponStatus.Used ? Outcome.AlreadyUsed : Outcome.NotRedeemed;
    }

    /// <summary>
    /// An admin takes an unused or locked coupon back: it becomes revoked for good, a lock held by
    /// an order is dropped (that order's redeem then gets coupon_revoked, its release a no-op
    /// success), and the stock it took is not returned. Refusals, after what time alone changed:
    /// coupon_expired → already_used → ok; revoking a revoked coupon again is
    /// <see cref="Outcome.Replayed"/> (nothing changes, the first reason stands).
    /// </summary>
    /// <remarks>
    /// An expired coupon is refused rather than revoked: it can no longer be used, so there is
    /// nothing to take back, and revoking it would only move it from the expired count to the
    /// revoked one and rewrite why it ended. A used coupon has done its work; refund it first.
    /// A coupon not valid yet may be revoked.
    /// </remarks>
    public static Outcome Revoke(ref CouponState state, long nowMs, out CouponEvents events)
    {
        events = Normalize(ref state, nowMs);
        switch (state.Status)
        {
            case CouponStatus.Revoked:
                return Outcome.Replayed;
            case CouponStatus.Expired:
                return Outcome.CouponExpired;
            case CouponStatus.Used:
                return Outcome.AlreadyUsed;
            default:
                Debug.Assert(state.Status is CouponStatus.Unused or CouponStatus.Locked);
                ClearOrder(ref state, CouponStatus.Revoked);
                events |= CouponEvents.Revoked;
                return Outcome.Ok;
        }
    }

    /// <summary>The state a reader sees at <paramref name="nowMs"/>, without changing the stored one.</summary>
    public static CouponState Observe(CouponState state, long nowMs)
    {
        Normalize(ref state, nowMs);
        return state;
    }

    /// <summary>
    /// Whether <paramref name="coupon"/> (as a reader saw it) can go on a new order at <paramref name="nowMs"/>:
    /// a quote's candidate. Refusals in the order a lock checks them: coupon_expired → coupon_revoked →
    /// coupon_not_yet_valid → already_used → locked_by_other_order → ok.
    /// </summary>
    public static Outcome CheckNewOrder(Coupon coupon, long nowMs)
    {
        var state = Observe(new CouponState
        {
            Status = coupon.Status,
            ValidFromMs = coupon.ValidFromMs,
            ValidToMs = coupon.ValidToMs,
            OrderId = coupon.OrderId,
            LockExpiresAtMs = coupon.LockExpiresAtMs ?? 0,
        }, nowMs);
        var refusal = CheckUsable(in state, nowMs);
        return refusal != Outcome.Ok ? refusal
            : state.Status == CouponStatus.Used ? Outcome.AlreadyUsed
            : state.Status == CouponStatus.Locked ? Outcome.LockedByOtherOrder
            : Outcome.Ok;
    }

    private static Outcome CheckUsable(in CouponState state, long nowMs)
    {
        if (state.Status == CouponStatus.Expired)
        {
            return Outcome.CouponExpired;
        }

        // An admin took it back: still shown to its owner, so answered as revoked, not as missing.
        if (state.Status == CouponStatus.Revoked)
        {
            return Outcome.CouponRevoked;
        }

        return state.Status == CouponStatus.Unused && nowMs < state.ValidFromMs ? Outcome.CouponNotYetValid : Outcome.Ok;
    }

    private static void ClearOrder(ref CouponState state, CouponStatus status)
    {
        state.Status = status;
        state.OrderId = null;
        state.OrderAmount = 0;
        state.OrderShipping = 0;
        state.OrderDiscount = null;
        state.LockExpiresAtMs = 0;
        state.UsedAtMs = 0;
    }
}
