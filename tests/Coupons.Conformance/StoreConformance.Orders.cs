using System.Globalization;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Conformance;

/// <summary>Checkout orders (<see cref="IOrderStore"/>): all of an order's coupons or none, idempotent per order, on every store.</summary>
public abstract partial class StoreConformance
{
    private IOrderStore Orders => (IOrderStore)Store;

    /// <summary>A stackable campaign's coupon for <paramref name="user"/>: 500 off, or 10 % when <paramref name="percent"/>, with its own lock TTL.</summary>
    private async Task<Coupon> StackableAsync(string user = "alice", bool percent = false, int lockTtlSeconds = 60, Stacking stacking = Stacking.Stackable)
    {
        var terms = Terms(lockTtlSeconds: lockTtlSeconds) with
        {
            Discount = percent ? Discount.PercentOffOf(10) : Discount.AmountOffOf(500),
            Stacking = stacking,
        };
        return await ClaimOneAsync(terms, user);
    }

    private static OrderBody Body(long amount, params Coupon[] coupons) => new([.. coupons.Select(c => c.Id)], Cart.OfAmount(amount));

    private Task<OrderResult> OrderAsync(OrderCommand command, string orderId, OrderBody? body = null, string? owner = "alice") =>
        Orders.ChangeOrderAsync(command, orderId, owner, body).AsTask();

    [Fact]
    public async Task An_order_locks_every_coupon_at_its_line_and_all_its_locks_end_together()
    {
        var amount = await StackableAsync(lockTtlSeconds: 120);
        var percent = await StackableAsync(percent: true, lockTtlSeconds: 60);

        var locked = await OrderAsync(OrderCommand.Lock, "order-1", Body(10_000, percent, amount));

        Assert.Equal(Outcome.Ok, locked.Outcome);
        var order = locked.Order!;
        Assert.Equal((OrderStatus.Locked, "alice", 10_000L, 0L), (order.Status, order.UserId, order.ItemsAmount, order.ShippingAmount));
        // Amounts first (500), then the percentage of what is left (10 % of 9,500).
        Assert.Equal([new CouponLine(amount.Id, 500), new CouponLine(percent.Id, 950)], order.Lines);
        Assert.Equal((1_450L, 8_550L), (order.Discount, order.Payable));
        var expiry = Start.AddSeconds(60).ToUnixTimeMilliseconds();
        Assert.All(locked.Coupons, c => Assert.Equal((CouponStatus.Locked, "order-1", (long?)expiry), (c.Status, c.OrderId, c.LockExpiresAtMs)));
        Assert.Equal([500L, 950L], locked.Coupons.OrderBy(c => c.Id == percent.Id).Select(c => c.OrderDiscount!.Value));
        Assert.Equal(1, (await Store.GetStatsAsync(amount.CampaignId))!.Locked);

        var read = await Orders.GetOrderAsync("order-1", "alice");
        Assert.Equal((Outcome.Ok, order), (read.Outcome, read.Order));
        Assert.Equal(Outcome.OrderNotFound, (await Orders.GetOrderAsync("order-1", "bob")).Outcome);

        Time.Advance(TimeSpan.FromSeconds(61));
        var lapsed = await Orders.GetOrderAsync("order-1", null);
        Assert.All(lapsed.Coupons, c => Assert.Equal(CouponStatus.Unused, c.Status));
    }

    [Fact]
    public async Task Locking_again_is_a_replay_and_another_body_is_a_mismatch_while_the_order_holds_its_coupons()
    {
        var a = await StackableAsync();
        var b = await StackableAsync(percent: true);
        var first = await OrderAsync(OrderCommand.Lock, "order-1", Body(10_000, a, b));

        var again = await OrderAsync(OrderCommand.Lock, "order-1", Body(10_000, b, a));
        var otherAmount = await OrderAsync(OrderCommand.Lock, "order-1", Body(12_000, a, b));
        var otherCoupons = await OrderAsync(OrderCommand.Lock, "order-1", Body(10_000, a));
        var otherUser = await OrderAsync(OrderCommand.Lock, "order-1", Body(10_000, await StackableAsync("bob")), owner: "bob");

        Assert.Equal((Outcome.Replayed, first.Order), (again.Outcome, again.Order));
        Assert.Equal(Outcome.OrderMismatch, otherAmount.Outcome);
        Assert.Equal(Outcome.OrderMismatch, otherCoupons.Outcome);
        Assert.Equal(Outcome.OrderMismatch, otherUser.Outcome);
        Assert.Equal(1, (await Store.GetStatsAsync(a.CampaignId))!.Locked);
    }

    [Fact]
    public async Task A_refused_coupon_refuses_the_whole_order_and_is_named()
    {
        var a = await StackableAsync();
        var b = await StackableAsync(percent: true);
        Assert.Equal(Outcome.Ok, (await Store.LockAsync(b.Id, "alice", "elsewhere", 5_000)).Outcome);

        var refused = await OrderAsync(OrderCommand.Lock, "order-1", Body(10_000, a, b));

        Assert.Equal((Outcome.LockedByOtherOrder, (Guid?)b.Id), (refused.Outcome, refused.RefusedCouponId));
        Assert.Equal(CouponStatus.Unused, (await Store.GetCouponAsync(a.Id, null)).Coupon!.Status);
        Assert.Equal(Outcome.OrderNotFound, (await Orders.GetOrderAsync("order-1", null)).Outcome);
        Assert.Equal(0, (await Store.GetStatsAsync(a.CampaignId))!.Locked);
        Assert.Equal(1, (await Store.GetStatsAsync(b.CampaignId))!.Rejected["locked_by_other_order"]);
    }

    [Fact]
    public async Task An_order_refuses_what_its_coupons_or_their_combination_refuse()
    {
        var a = await StackableAsync();
        var exclusive = await StackableAsync(stacking: Stacking.Exclusive);
        var bobs = await StackableAsync("bob", percent: true);

        Assert.Equal(Outcome.NotCombinable, (await OrderAsync(OrderCommand.Lock, "o1", Body(10_000, a, exclusive))).Outcome);
        Assert.Equal(Outcome.NotCombinable, (await OrderAsync(OrderCommand.Lock, "o2", Body(10_000, a, a))).Outcome);
        Assert.Equal(Outcome.BelowMinimum, (await OrderAsync(OrderCommand.Lock, "o3", Body(999, a))).Outcome);
        var foreign = await OrderAsync(OrderCommand.Lock, "o4", Body(10_000, a, bobs));
        Assert.Equal((Outcome.CouponNotFound, (Guid?)bobs.Id), (foreign.Outcome, foreign.RefusedCouponId));
        var missing = Guid.CreateVersion7();
        Assert.Equal((Outcome.CouponNotFound, (Guid?)missing), ((await OrderAsync(OrderCommand.Lock, "o5", new OrderBody([missing], Cart.OfAmount(10_000)))) is var r ? (r.Outcome, r.RefusedCouponId) : default));

        Assert.All(new[] { a, exclusive }, c => Assert.Equal(CouponStatus.Unused, Store.GetCouponAsync(c.Id, null).AsTask().Result.Coupon!.Status));
        Assert.Equal(Outcome.OrderNotFound, (await OrderAsync(OrderCommand.Release, "o1")).Outcome);
        Assert.Equal(Outcome.OrderNotFound, (await OrderAsync(OrderCommand.Redeem, "o1")).Outcome);
        Assert.Equal(Outcome.OrderNotFound, (await OrderAsync(OrderCommand.Refund, "o1")).Outcome);
    }

    [Fact]
    public async Task Redeem_confirms_the_locks_refund_returns_every_coupon_and_each_repeats_as_a_replay()
    {
        var a = await StackableAsync();
        var b = await StackableAsync(percent: true);
        await OrderAsync(OrderCommand.Lock, "order-1", Body(10_000, a, b));

        var used = await OrderAsync(OrderCommand.Redeem, "order-1");
        var usedAgain = await OrderAsync(OrderCommand.Redeem, "order-1");
        var release = await OrderAsync(OrderCommand.Release, "order-1");
        var refunded = await OrderAsync(OrderCommand.Refund, "order-1", owner: null);
        var refundedAgain = await OrderAsync(OrderCommand.Refund, "order-1", owner: null);

        Assert.Equal((Outcome.Ok, OrderStatus.Used), (used.Outcome, used.Order!.Status));
        Assert.All(used.Coupons, c => Assert.Equal((CouponStatus.Used, "order-1"), (c.Status, c.OrderId)));
        Assert.Equal(used.Order.Lines, used.Coupons.Select(c => new CouponLine(c.Id, c.OrderDiscount!.Value)).OrderBy(l => l.CouponId == b.Id));
        Assert.Equal(Outcome.Replayed, usedAgain.Outcome);
        Assert.Equal(Outcome.AlreadyUsed, release.Outcome);
        Assert.Equal((Outcome.Ok, OrderStatus.Refunded), (refunded.Outcome, refunded.Order!.Status));
        Assert.All(refunded.Coupons, c => Assert.Equal(CouponStatus.Unused, c.Status));
        Assert.Equal(Outcome.Replayed, refundedAgain.Outcome);
        var stats = (await Store.GetStatsAsync(b.CampaignId))!;
        Assert.Equal((0L, 0L, 1L), (stats.Locked, stats.Used, stats.Refunded));
    }

    [Fact]
    public async Task Redeem_with_a_body_locks_and_uses_in_one_step_and_release_lets_go_for_a_new_body()
    {
        var a = await StackableAsync();
        var b = await StackableAsync(percent: true);

        var oneStep = await OrderAsync(OrderCommand.Redeem, "order-1", Body(10_000, a, b));
        Assert.Equal((Outcome.Ok, OrderStatus.Used), (oneStep.Outcome, oneStep.Order!.Status));
        Assert.Equal(Outcome.OrderMismatch, (await OrderAsync(OrderCommand.Redeem, "order-1", Body(20_000, a, b))).Outcome);
        Assert.Equal(Outcome.Replayed, (await OrderAsync(OrderCommand.Redeem, "order-1", Body(10_000, a, b))).Outcome);

        await OrderAsync(OrderCommand.Lock, "order-2", Body(3_000, await StackableAsync()));
        var released = await OrderAsync(OrderCommand.Release, "order-2");
        Assert.Equal((Outcome.Ok, OrderStatus.Released), (released.Outcome, released.Order!.Status));
        Assert.All(released.Coupons, c => Assert.Equal(CouponStatus.Unused, c.Status));
        Assert.Equal(Outcome.Replayed, (await OrderAsync(OrderCommand.Release, "order-2")).Outcome);
        Assert.Equal(Outcome.OrderAmountRequired, (await OrderAsync(OrderCommand.Redeem, "order-2")).Outcome);
        var relocked = await OrderAsync(OrderCommand.Lock, "order-2", Body(4_000, released.Coupons[0]));
        Assert.Equal((Outcome.Ok, 4_000L), (relocked.Outcome, relocked.Order!.ItemsAmount));
    }

    [Fact]
    public async Task After_a_lapse_redeem_takes_every_coupon_again_or_none()
    {
        var a = await StackableAsync();
        var b = await StackableAsync(percent: true);
        await OrderAsync(OrderCommand.Lock, "order-1", Body(10_000, a, b));
        Time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(Outcome.Ok, (await Store.LockAsync(b.Id, "alice", "order-2", 5_000)).Outcome);

        var refused = await OrderAsync(OrderCommand.Redeem, "order-1");
        Assert.Equal((Outcome.LockedByOtherOrder, (Guid?)b.Id), (refused.Outcome, refused.RefusedCouponId));
        Assert.Equal(CouponStatus.Unused, (await Store.GetCouponAsync(a.Id, null)).Coupon!.Status);

        Assert.Equal(Outcome.Ok, (await Store.ReleaseAsync(b.Id, null, "order-2")).Outcome);
        var used = await OrderAsync(OrderCommand.Redeem, "order-1");
        Assert.Equal(Outcome.Ok, used.Outcome);
        Assert.All(used.Coupons, c => Assert.Equal(CouponStatus.Used, c.Status));
    }

    [Fact]
    public async Task Orders_racing_for_a_coupon_take_it_whole_or_not_at_all()
    {
        const int rounds = 20;
        for (var round = 0; round < rounds; round++)
        {
            var user = "racer-" + round.ToString(CultureInfo.InvariantCulture);
            var shared = await StackableAsync(user);
            var mine = await StackableAsync(user, percent: true);
            var theirs = await StackableAsync(user, stacking: Stacking.Stackable);

            var first = Task.Run(() => OrderAsync(OrderCommand.Lock, user + "-a", Body(10_000, shared, mine), owner: user));
            var second = Task.Run(() => OrderAsync(OrderCommand.Redeem, user + "-b", Body(10_000, theirs, shared), owner: user));
            var results = await Task.WhenAll(first, second);

            Assert.Single(results, r => r.Outcome == Outcome.Ok);
            var winner = results.Single(r => r.Outcome == Outcome.Ok).Order!;
            var loser = results.Single(r => r.Outcome != Outcome.Ok);
            Assert.Contains(loser.Outcome, new[] { Outcome.LockedByOtherOrder, Outcome.AlreadyUsed });
            foreach (var coupon in new[] { shared, mine, theirs })
            {
                var now = (await Store.GetCouponAsync(coupon.Id, null)).Coupon!;
                var inWinner = winner.CouponIds.Contains(coupon.Id);
                Assert.Equal(inWinner ? winner.Id : null, now.OrderId);
                Assert.Equal(inWinner, now.Status is CouponStatus.Locked or CouponStatus.Used);
            }
        }
    }

    [Fact]
    public async Task A_single_coupon_locked_with_items_keeps_the_price_of_its_scope_and_shipping()
    {
        Assert.Empty(Scope.Create(null, ["socks"], out var socks));
        var coupon = await ClaimOneAsync(Terms(minOrderAmount: 0) with { Discount = Discount.PercentOffOf(50), Scope = socks });
        Assert.Empty(Cart.Create([new OrderItem("shoe-1", "shoes", 1, 8_000), new OrderItem("sock-1", "socks", 4, 500)], null, 700, out var cart));
        Assert.Empty(Cart.Create([new OrderItem("shoe-1", "shoes", 1, 9_000), new OrderItem("sock-1", "socks", 2, 500)], null, 700, out var sameTotal));

        var locked = await Store.LockForCartAsync(coupon.Id, "alice", "order-1", cart!);
        var replay = await Store.LockForCartAsync(coupon.Id, "alice", "order-1", cart!);
        var otherCart = await Store.LockForCartAsync(coupon.Id, "alice", "order-1", sameTotal!);
        var used = await Store.RedeemAsync(coupon.Id, "alice", "order-1", null);

        // Half of the socks' 2,000; the shipping is paid.
        Assert.Equal((Outcome.Ok, new DiscountQuote(true, 1_000, 9_700)), (locked.Outcome, locked.Quote));
        Assert.Equal((10_000L, 700L, 1_000L), (locked.Coupon!.OrderAmount!.Value, locked.Coupon.OrderShipping!.Value, locked.Coupon.OrderDiscount!.Value));
        Assert.Equal((Outcome.Replayed, locked.Quote), (replay.Outcome, replay.Quote));
        Assert.Equal(Outcome.OrderMismatch, otherCart.Outcome);
        Assert.Equal((Outcome.Ok, locked.Quote), (used.Outcome, used.Quote));
        Assert.Equal(Outcome.Replayed, (await Store.RedeemForCartAsync(coupon.Id, "alice", "order-1", cart!)).Outcome);
        Assert.Equal(Outcome.OutOfScope, (await Store.LockAsync((await ClaimOneAsync(Terms() with { Scope = socks })).Id, "alice", "order-2", 5_000)).Outcome);
    }

    [Fact]
    public async Task Free_shipping_redeemed_in_one_step_takes_the_shipping_off()
    {
        var coupon = await ClaimOneAsync(Terms(minOrderAmount: 0) with { Discount = Discount.FreeShippingOf(500) });

        var used = await Store.RedeemForCartAsync(coupon.Id, "alice", "order-1", Cart.OfAmount(3_000, 700));

        Assert.Equal((Outcome.Ok, new DiscountQuote(true, 500, 3_200)), (used.Outcome, used.Quote));
        Assert.Equal(new DiscountQuote(true, 500, 3_200), (await Store.RedeemAsync(coupon.Id, null, "order-1", null)).Quote);
    }
}
