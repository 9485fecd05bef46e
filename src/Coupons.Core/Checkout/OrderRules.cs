namespace Coupons.Core.Checkout;

/// <summary>
/// The rules of an order of several coupons (DESIGN.md, Checkout: orders), pure: a store reads the
/// order's record and its coupons under whatever makes the change atomic, asks one of these, and
/// stores everything decided or nothing. Every coupon of an order changes, or none does.
/// <list type="bullet">
/// <item>Lock and redeem with a body price the cart with the coupons (<see cref="CheckoutRules"/>),
/// then take each coupon by <see cref="CouponRules"/>' own rules, in the order given, at its line
/// of the price: the first refusal refuses the order. Refusals: coupon_not_found (not the owner's,
/// or coupons of two users) → order_mismatch (the order holds other coupons or another price) → each
/// coupon's own (expired, revoked, not yet valid, used, locked by another order, out_of_scope,
/// below_minimum) → not_combinable.</item>
/// <item>All of an order's locks end at once: the shortest lock TTL of its campaigns from the lock,
/// so a lapsed lock lapses for the whole order.</item>
/// <item>Redeem without a body confirms the order's locks at their price (and takes again, all or
/// none, coupons whose lock lapsed); an order that let its coupons go needs the body again
/// (order_amount_required).</item>
/// <item>Release lets go of the coupons the order still holds (a lapsed one taken by another order
/// is no longer the order's): already_used if it used them. Refund returns every coupon it used:
/// not_redeemed or already_used otherwise.</item>
/// <item>An order that let its coupons go (released, refunded) may be locked again with another body.</item>
/// </list>
/// </summary>
public static class OrderRules
{
    /// <summary>
    /// Which coupons an operation reads: a body's, or the order's. order_not_found when the operation
    /// needs the order (release, refund, redeem without a body) and there is none, or it is not
    /// <paramref name="ownerId"/>'s (null: the caller may act for anyone).
    /// </summary>
    public static (Outcome Outcome, IReadOnlyList<Guid> CouponIds) CouponsToRead(OrderCommand command, string? ownerId, CheckoutOrder? existing, OrderBody? body)
    {
        if (body is not null && command is OrderCommand.Lock or OrderCommand.Redeem)
        {
            return (Outcome.Ok, body.CouponIds);
        }

        if (command == OrderCommand.Lock)
        {
            throw new ArgumentNullException(nameof(body), "a lock needs its body");
        }

        return existing is null || (ownerId is not null && existing.UserId != ownerId) ? (Outcome.OrderNotFound, []) : (Outcome.Ok, existing.CouponIds);
    }

    /// <summary>
    /// Decides <paramref name="command"/> on the order <paramref name="orderId"/> (<paramref name="existing"/>:
    /// its record, if any) and <paramref name="coupons"/>, read as <see cref="CouponsToRead"/> said.
    /// </summary>
    public static OrderDecision Decide(OrderCommand command, string orderId, string? ownerId, CheckoutOrder? existing, OrderBody? body, IReadOnlyList<OrderCoupon> coupons, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(coupons);
        if (body is not null && command is OrderCommand.Lock or OrderCommand.Redeem)
        {
            return Take(orderId, ownerId, existing, body, coupons, nowMs, command == OrderCommand.Lock ? OrderStatus.Locked : OrderStatus.Used);
        }

        ArgumentNullException.ThrowIfNull(existing);
        return command switch
        {
            OrderCommand.Redeem => Confirm(existing, coupons, nowMs),
            OrderCommand.Release => Release(existing, coupons, nowMs),
            OrderCommand.Refund => Refund(existing, coupons, nowMs),
            _ => throw new ArgumentNullException(nameof(body), "a lock needs its body"),
        };
    }

    /// <summary>Redeem without a body: the order's coupons used at the order's price.</summary>
    private static OrderDecision Confirm(CheckoutOrder existing, IReadOnlyList<OrderCoupon> coupons, long nowMs) => existing.Holds
        ? EachCoupon(existing, coupons, OrderStatus.Used, nowMs, (OrderCoupon coupon, ref CouponState state, out CouponEvents events) =>
            CouponRules.RedeemFor(ref state, coupon.Terms, existing.Id, new OrderPrice(existing.ItemsAmount, existing.ShippingAmount, Outcome.Ok, LineOf(existing, coupon.Id)), nowMs, out _, out events))
        : Refused(Outcome.OrderAmountRequired, null, coupons);

    /// <summary>Releases what the order still holds of its coupons: one no longer its (lapsed and taken by another order) is left alone.</summary>
    private static OrderDecision Release(CheckoutOrder existing, IReadOnlyList<OrderCoupon> coupons, long nowMs) =>
        EachCoupon(existing, coupons, OrderStatus.Released, nowMs, (OrderCoupon _, ref CouponState state, out CouponEvents events) =>
        {
            events = CouponEvents.None;
            return CouponRules.Observe(state, nowMs).OrderId == existing.Id ? CouponRules.Release(ref state, existing.Id, nowMs, out events) : Outcome.Replayed;
        });

    /// <summary>Refunds every coupon the order used.</summary>
    private static OrderDecision Refund(CheckoutOrder existing, IReadOnlyList<OrderCoupon> coupons, long nowMs) =>
        EachCoupon(existing, coupons, OrderStatus.Refunded, nowMs, (OrderCoupon _, ref CouponState state, out CouponEvents events) =>
            CouponRules.Refund(ref state, existing.Id, nowMs, out events));

    private delegate Outcome CouponStep(OrderCoupon coupon, ref CouponState state, out CouponEvents events);

    /// <summary>One rule on each of the order's coupons, all or none; the order then has <paramref name="status"/>.</summary>
    private static OrderDecision EachCoupon(CheckoutOrder existing, IReadOnlyList<OrderCoupon> coupons, OrderStatus status, long nowMs, CouponStep step)
    {
        var (states, events) = Copy(coupons);
        var replayed = true;
        for (var i = 0; i < coupons.Count; i++)
        {
            var outcome = step(coupons[i], ref states[i], out events[i]);
            if (!outcome.IsSuccess())
            {
                return Refused(outcome, coupons[i].Id, coupons);
            }

            replayed &= outcome == Outcome.Replayed;
        }

        return Decided(replayed, existing, existing with { Status = status, UpdatedAtMs = nowMs }, states, events);
    }

    /// <summary>When an order's locks end: the shortest lock TTL of its coupons' campaigns from now.</summary>
    public static long LockExpiry(IReadOnlyList<OrderCoupon> coupons, long nowMs) =>
        nowMs + (coupons.Min(coupon => coupon.Terms.LockTtlSeconds) * 1000L);

    /// <summary>Lock or redeem with a body: see the class's rules.</summary>
    private static OrderDecision Take(string orderId, string? ownerId, CheckoutOrder? existing, OrderBody body, IReadOnlyList<OrderCoupon> coupons, long nowMs, OrderStatus status)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(coupons.Count, body.CouponIds.Count, nameof(coupons));
        var owner = ownerId ?? (coupons.Count > 0 ? coupons[0].UserId : string.Empty);
        foreach (var coupon in coupons)
        {
            if (coupon.UserId != owner)
            {
                return Refused(Outcome.CouponNotFound, coupon.Id, coupons);
            }
        }

        var cart = body.Cart;
        var offers = coupons.Select(c => new Offer(c.Id, c.CampaignId, c.State.ValidToMs, c.Terms.ToCheckoutTerms())).ToList();
        var (priced, price) = CheckoutRules.Price(cart, offers);
        var order = new CheckoutOrder(orderId, owner, status, cart.ItemsAmount, cart.ShippingAmount, price?.Lines ?? [], nowMs);
        if (existing is not null && (existing.UserId != owner || (existing.Holds && (price is null || !existing.SamePrice(order)))))
        {
            return Refused(Outcome.OrderMismatch, null, coupons);
        }

        // Each coupon's own refusals come first; a price refused for the order as a whole (not_combinable) after them.
        var assessed = price is null ? CheckoutRules.Assess(cart, offers) : null;
        var expiry = LockExpiry(coupons, nowMs);
        var (states, events) = Copy(coupons);
        var replayed = true;
        for (var i = 0; i < coupons.Count; i++)
        {
            var share = new OrderPrice(cart.ItemsAmount, cart.ShippingAmount, assessed?[i].Outcome ?? Outcome.Ok, price is null ? 0 : LineOf(order, coupons[i].Id));
            var outcome = status == OrderStatus.Locked
                ? CouponRules.LockUntil(ref states[i], coupons[i].Terms, orderId, share, expiry, nowMs, out _, out events[i])
                : CouponRules.RedeemFor(ref states[i], coupons[i].Terms, orderId, share, nowMs, out _, out events[i]);
            if (!outcome.IsSuccess())
            {
                return Refused(outcome, outcome == Outcome.OrderMismatch ? null : coupons[i].Id, coupons);
            }

            replayed &= outcome == Outcome.Replayed;
        }

        return price is null ? Refused(priced, null, coupons) : Decided(replayed, existing, order, states, events);
    }

    private static long LineOf(CheckoutOrder order, Guid couponId) =>
        order.IndexOf(couponId) is >= 0 and var index ? order.Lines[index].Discount : throw new ArgumentException("the coupon is not one of the order's", nameof(couponId));

    private static (CouponState[] States, CouponEvents[] Events) Copy(IReadOnlyList<OrderCoupon> coupons)
    {
        var states = new CouponState[coupons.Count];
        for (var i = 0; i < states.Length; i++)
        {
            states[i] = coupons[i].State;
        }

        return (states, new CouponEvents[coupons.Count]);
    }

    private static OrderDecision Refused(Outcome outcome, Guid? couponId, IReadOnlyList<OrderCoupon> coupons)
    {
        var (states, events) = Copy(coupons);
        return new OrderDecision(outcome, couponId, null, states, events);
    }

    /// <summary>
    /// Every coupon taken: replayed when no coupon changed and the record says the same already
    /// (then nothing is stored but what time alone changed), else ok with the record.
    /// </summary>
    private static OrderDecision Decided(bool couponsReplayed, CheckoutOrder? existing, CheckoutOrder order, CouponState[] states, CouponEvents[] events)
    {
        var same = couponsReplayed && existing is not null && existing.Status == order.Status && existing.SamePrice(order);
        return new OrderDecision(same ? Outcome.Replayed : Outcome.Ok, null, same ? null : order, states, events);
    }
}
