using Coupons.Core.Checkout;

namespace Coupons.Core.Tests.Checkout;

/// <summary>The rules of an order of coupons, pure: what each operation reads, decides and refuses, all or none.</summary>
public sealed class OrderRulesTests
{
    private const long Now = 1_000_000;

    private static readonly Cart TenThousand = Cart.OfAmount(10_000);

    private static CampaignDefinition Stackable(Discount discount, int lockTtlSeconds = 60, Scope? scope = null) => new()
    {
        Name = "Stackable",
        Discount = discount,
        LockTtlSeconds = lockTtlSeconds,
        Validity = Validity.Relative(30),
        Stacking = Stacking.Stackable,
        Scope = scope,
    };

    private static OrderCoupon Coupon(CampaignDefinition terms, string user = "alice", CouponState? state = null) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), user, terms, state ?? new CouponState { Status = CouponStatus.Unused, ValidToMs = Now + 86_400_000 });

    private static OrderDecision Decide(OrderCommand command, CheckoutOrder? existing, OrderBody? body, params OrderCoupon[] coupons) =>
        OrderRules.Decide(command, "order-1", "alice", existing, body, coupons, Now);

    private static OrderBody Body(Cart cart, params OrderCoupon[] coupons) => new([.. coupons.Select(c => c.Id)], cart);

    /// <summary>The coupons as the decision left them.</summary>
    private static OrderCoupon[] After(OrderDecision decision, OrderCoupon[] coupons) =>
        [.. coupons.Select((c, i) => c with { State = decision.States[i] })];

    [Fact]
    public void A_lock_takes_every_coupon_at_its_line_until_the_shortest_lock_of_its_campaigns()
    {
        OrderCoupon[] coupons = [Coupon(Stackable(Discount.PercentOffOf(10), lockTtlSeconds: 60)), Coupon(Stackable(Discount.AmountOffOf(500), lockTtlSeconds: 600))];

        var decision = Decide(OrderCommand.Lock, null, Body(TenThousand, coupons), coupons);

        Assert.Equal(Outcome.Ok, decision.Outcome);
        Assert.Equal(new CheckoutOrder("order-1", "alice", OrderStatus.Locked, 10_000, 0, [new(coupons[1].Id, 500), new(coupons[0].Id, 950)], Now), decision.Order);
        Assert.All(decision.States, s => Assert.Equal((CouponStatus.Locked, "order-1", Now + 60_000), (s.Status, s.OrderId, s.LockExpiresAtMs)));
        Assert.Equal([950L, 500L], decision.States.Select(s => s.OrderDiscount!.Value));
        Assert.All(decision.Events, e => Assert.Equal(CouponEvents.Locked, e));
    }

    [Fact]
    public void The_same_lock_again_is_a_replay_that_stores_nothing_and_another_price_is_a_mismatch()
    {
        OrderCoupon[] coupons = [Coupon(Stackable(Discount.PercentOffOf(10))), Coupon(Stackable(Discount.AmountOffOf(500)))];
        var first = Decide(OrderCommand.Lock, null, Body(TenThousand, coupons), coupons);
        var locked = After(first, coupons);

        var again = Decide(OrderCommand.Lock, first.Order, Body(TenThousand, locked.Reverse().ToArray()), [.. locked.Reverse()]);
        var otherAmount = Decide(OrderCommand.Lock, first.Order, Body(Cart.OfAmount(9_000), locked), locked);
        var otherUser = OrderRules.Decide(OrderCommand.Lock, "order-1", "bob", first.Order, Body(TenThousand, locked), locked, Now);

        Assert.Equal((Outcome.Replayed, (CheckoutOrder?)null), (again.Outcome, again.Order));
        Assert.All(again.Events, e => Assert.Equal(CouponEvents.None, e));
        Assert.Equal((Outcome.OrderMismatch, (Guid?)null), (otherAmount.Outcome, otherAmount.RefusedCouponId));
        Assert.Equal(Outcome.CouponNotFound, otherUser.Outcome);
    }

    [Fact]
    public void Refusals_come_in_order_each_naming_its_coupon_and_nothing_is_taken()
    {
        Assert.Empty(Scope.Create(["hat-1"], null, out var hats));
        var fine = Coupon(Stackable(Discount.AmountOffOf(500)));
        var bobs = Coupon(Stackable(Discount.AmountOffOf(500)), user: "bob");
        var expired = Coupon(Stackable(Discount.AmountOffOf(500)), state: new CouponState { Status = CouponStatus.Unused, ValidToMs = Now - 1 });
        var taken = Coupon(Stackable(Discount.AmountOffOf(500)), state: new CouponState { Status = CouponStatus.Locked, OrderId = "other", LockExpiresAtMs = Now + 1, ValidToMs = Now + 86_400_000 });
        var hatsOnly = Coupon(Stackable(Discount.AmountOffOf(500), scope: hats));
        var exclusive = Coupon(Stackable(Discount.AmountOffOf(500)) with { Stacking = Stacking.Exclusive });

        Assert.Equal((Outcome.CouponNotFound, (Guid?)bobs.Id), Refusal(expired, bobs));
        Assert.Equal((Outcome.CouponExpired, (Guid?)expired.Id), Refusal(fine, expired, hatsOnly));
        Assert.Equal((Outcome.LockedByOtherOrder, (Guid?)taken.Id), Refusal(fine, taken));
        Assert.Equal((Outcome.OutOfScope, (Guid?)hatsOnly.Id), Refusal(fine, hatsOnly, exclusive));
        Assert.Equal((Outcome.NotCombinable, (Guid?)null), Refusal(fine, exclusive));

        static (Outcome, Guid?) Refusal(params OrderCoupon[] coupons)
        {
            var decision = Decide(OrderCommand.Lock, null, Body(TenThousand, coupons), coupons);
            Assert.Null(decision.Order);
            Assert.Equal(coupons.Select(c => c.State), decision.States);
            return (decision.Outcome, decision.RefusedCouponId);
        }
    }

    [Fact]
    public void Redeem_without_a_body_uses_the_orders_price_and_takes_lapsed_coupons_again()
    {
        OrderCoupon[] coupons = [Coupon(Stackable(Discount.PercentOffOf(10))), Coupon(Stackable(Discount.AmountOffOf(500)))];
        var locked = Decide(OrderCommand.Lock, null, Body(TenThousand, coupons), coupons);
        var lapsed = After(locked, coupons).Select(c => c with { State = c.State with { LockExpiresAtMs = Now - 1 } }).ToArray();

        var used = Decide(OrderCommand.Redeem, locked.Order, null, lapsed);

        Assert.Equal((Outcome.Ok, OrderStatus.Used), (used.Outcome, used.Order!.Status));
        Assert.Equal([950L, 500L], used.States.Select(s => s.OrderDiscount!.Value));
        Assert.All(used.States, s => Assert.Equal((CouponStatus.Used, "order-1"), (s.Status, s.OrderId)));
        Assert.All(used.Events, e => Assert.Equal(CouponEvents.Lapsed | CouponEvents.Used, e));
        Assert.Equal(Outcome.OrderAmountRequired, Decide(OrderCommand.Redeem, locked.Order! with { Status = OrderStatus.Released }, null, coupons).Outcome);
    }

    [Fact]
    public void Release_leaves_a_coupon_another_order_took_and_refuses_an_order_that_used_its_coupons()
    {
        OrderCoupon[] coupons = [Coupon(Stackable(Discount.PercentOffOf(10))), Coupon(Stackable(Discount.AmountOffOf(500)))];
        var locked = Decide(OrderCommand.Lock, null, Body(TenThousand, coupons), coupons);
        var held = After(locked, coupons);
        var takenMeanwhile = held[1] with { State = held[1].State with { OrderId = "other" } };

        var released = Decide(OrderCommand.Release, locked.Order, null, held[0], takenMeanwhile);
        var used = After(Decide(OrderCommand.Redeem, locked.Order, null, held), held);
        var refused = Decide(OrderCommand.Release, locked.Order, null, used);

        Assert.Equal((Outcome.Ok, OrderStatus.Released), (released.Outcome, released.Order!.Status));
        Assert.Equal((CouponStatus.Unused, CouponEvents.Released), (released.States[0].Status, released.Events[0]));
        Assert.Equal((takenMeanwhile.State, CouponEvents.None), (released.States[1], released.Events[1]));
        Assert.Equal((Outcome.AlreadyUsed, (Guid?)used[0].Id), (refused.Outcome, refused.RefusedCouponId));
        Assert.Equal(Outcome.Replayed, Decide(OrderCommand.Release, released.Order, null, After(released, [held[0], takenMeanwhile])).Outcome);
    }

    [Fact]
    public void Refund_returns_every_used_coupon_or_none()
    {
        OrderCoupon[] coupons = [Coupon(Stackable(Discount.PercentOffOf(10))), Coupon(Stackable(Discount.AmountOffOf(500)))];
        var locked = Decide(OrderCommand.Lock, null, Body(TenThousand, coupons), coupons);
        Assert.Equal((Outcome.NotRedeemed, (Guid?)coupons[0].Id), Decide(OrderCommand.Refund, locked.Order, null, After(locked, coupons)) is var r ? (r.Outcome, r.RefusedCouponId) : default);

        var usedDecision = Decide(OrderCommand.Redeem, locked.Order, null, After(locked, coupons));
        var refunded = Decide(OrderCommand.Refund, usedDecision.Order, null, After(usedDecision, coupons));

        Assert.Equal((Outcome.Ok, OrderStatus.Refunded), (refunded.Outcome, refunded.Order!.Status));
        Assert.All(refunded.States, s => Assert.Equal((CouponStatus.Unused, "order-1"), (s.Status, s.RefundedOrderId)));
        Assert.Equal(Outcome.Replayed, Decide(OrderCommand.Refund, refunded.Order, null, After(refunded, coupons)).Outcome);
    }

    [Fact]
    public void An_operation_without_a_body_reads_the_orders_coupons_and_only_its_owners()
    {
        var order = new CheckoutOrder("order-1", "alice", OrderStatus.Locked, 10_000, 0, [new(Guid.CreateVersion7(), 500)], Now);
        var body = new OrderBody([Guid.CreateVersion7()], TenThousand);

        Assert.Equal([Outcome.Ok, Outcome.Ok], new[] { Read(OrderCommand.Release, "alice", body: null), Read(OrderCommand.Refund, null, body) }.Select(r => r.Outcome));
        Assert.Equal(order.CouponIds, Read(OrderCommand.Release, "alice", body: null).CouponIds);
        Assert.Equal(order.CouponIds, Read(OrderCommand.Refund, null, body).CouponIds);
        Assert.Equal(body.CouponIds, Read(OrderCommand.Redeem, "alice", body).CouponIds);
        Assert.Equal(Outcome.OrderNotFound, OrderRules.CouponsToRead(OrderCommand.Release, "bob", order, null).Outcome);
        Assert.Equal(Outcome.OrderNotFound, OrderRules.CouponsToRead(OrderCommand.Redeem, null, null, null).Outcome);
        Assert.Throws<ArgumentNullException>(() => OrderRules.CouponsToRead(OrderCommand.Lock, null, order, null));

        (Outcome Outcome, IReadOnlyList<Guid> CouponIds) Read(OrderCommand command, string? owner, OrderBody? body) => OrderRules.CouponsToRead(command, owner, order, body);
    }
}
