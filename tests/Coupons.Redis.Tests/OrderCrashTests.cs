using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>
/// An order's coupons are in different hash slots, so the Redis store changes them one by one under
/// a plan in the order's record (<see cref="RedisOrders"/>). Here a node stops in the middle of an
/// order (its operation throws after a step, as a process killed there would leave it) or stalls
/// there, and another node (same Redis, same keys) finds the plan and takes it back: nothing of the
/// order stays, nothing is counted twice, and the stalled node's late steps fail. The Redis here is
/// a single one, where orders are stored in one script unless told otherwise: these nodes are told
/// to keep plans, as on a cluster.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OrderCrashTests(RedisServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _prefix = "o" + Guid.NewGuid().ToString("N")[..12] + ":";
    private RedisCouponStore _dying = null!;
    private RedisCouponStore _survivor = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        var options = new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = _prefix, OrderPlanTimeout = TimeSpan.FromSeconds(5), OrdersInOneScript = false };
        _dying = await RedisCouponStore.ConnectAsync(options, _time, TestCodes.Own);
        _survivor = await RedisCouponStore.ConnectAsync(options, _time, TestCodes.Own);
        _redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
    }

    public Task DisposeAsync()
    {
        _dying.Dispose();
        _survivor.Dispose();
        _redis.Dispose();
        return Task.CompletedTask;
    }

    private async Task<Coupon> ReadAsync(Guid id) => (await _survivor.GetCouponAsync(id, null)).Coupon!;

    private async Task<long> PendingAsync() =>
        (await Task.WhenAll(RedisKeys.OrderSlots.Select(slot => _redis.GetDatabase().SortedSetLengthAsync(new RedisKeys(_prefix).PendingOrders(slot))))).Sum();

    [Fact]
    public async Task A_node_that_dies_in_the_middle_of_a_lock_leaves_a_plan_that_another_node_takes_back()
    {
        var coupons = await StackableCoupons.ClaimAsync(_survivor, "alice", 3);
        _dying.Orders.AfterStep = done => done == 2 ? throw new InvalidOperationException("the node died here") : Task.CompletedTask;

        await Assert.ThrowsAsync<InvalidOperationException>(() => _dying.ChangeOrderAsync(OrderCommand.Lock, "order-1", "alice", StackableCoupons.Body(coupons)).AsTask());

        var locked = (await Task.WhenAll(coupons.Select(c => ReadAsync(c.Id)))).Count(c => c.Status == CouponStatus.Locked);
        Assert.Equal(2, locked);
        Assert.Equal(Outcome.OrderBusy, (await _survivor.ChangeOrderAsync(OrderCommand.Lock, "order-1", "alice", StackableCoupons.Body(coupons))).Outcome);
        Assert.Equal(0, await _survivor.SweepAsync());

        _time.Advance(TimeSpan.FromSeconds(6));
        await _survivor.SweepAsync();

        Assert.All(await Task.WhenAll(coupons.Select(c => ReadAsync(c.Id))), c => Assert.Equal((CouponStatus.Unused, (string?)null), (c.Status, c.OrderId)));
        Assert.All(coupons, c => Assert.Equal(0, _survivor.GetStatsAsync(c.CampaignId).AsTask().Result!.Locked));
        Assert.Equal(0, await PendingAsync());
        Assert.Equal(Outcome.OrderNotFound, (await _survivor.GetOrderAsync("order-1", null)).Outcome);
        var again = await _survivor.ChangeOrderAsync(OrderCommand.Lock, "order-1", "alice", StackableCoupons.Body(coupons));
        Assert.Equal(Outcome.Ok, again.Outcome);
        Assert.All(again.Coupons, c => Assert.Equal(CouponStatus.Locked, c.Status));
    }

    [Fact]
    public async Task A_redeem_cut_short_is_taken_back_to_the_orders_locks_by_its_next_request()
    {
        var coupons = await StackableCoupons.ClaimAsync(_survivor, "alice", 2);
        Assert.Equal(Outcome.Ok, (await _survivor.ChangeOrderAsync(OrderCommand.Lock, "order-1", "alice", StackableCoupons.Body(coupons))).Outcome);
        _dying.Orders.AfterStep = _ => throw new InvalidOperationException("the node died here");

        await Assert.ThrowsAsync<InvalidOperationException>(() => _dying.ChangeOrderAsync(OrderCommand.Redeem, "order-1", "alice", null).AsTask());
        Assert.Single(await Task.WhenAll(coupons.Select(c => ReadAsync(c.Id))), c => c.Status == CouponStatus.Used);

        _time.Advance(TimeSpan.FromSeconds(6));
        var redeemed = await _survivor.ChangeOrderAsync(OrderCommand.Redeem, "order-1", "alice", null);

        Assert.Equal((Outcome.Ok, OrderStatus.Used), (redeemed.Outcome, redeemed.Order!.Status));
        Assert.All(await Task.WhenAll(coupons.Select(c => ReadAsync(c.Id))), c => Assert.Equal((CouponStatus.Used, "order-1"), (c.Status, c.OrderId)));
        Assert.All(coupons, c => Assert.Equal((0L, 1L), _survivor.GetStatsAsync(c.CampaignId).AsTask().Result is { } s ? (s.Locked, s.Used) : default));
        Assert.Equal(0, await PendingAsync());
    }

    [Fact]
    public async Task A_node_stalled_past_its_deadline_finds_its_plan_taken_back_and_its_late_steps_fenced_off()
    {
        var coupons = await StackableCoupons.ClaimAsync(_survivor, "alice", 2);
        var stalled = new TaskCompletionSource();
        var reached = new TaskCompletionSource();
        _dying.Orders.AfterStep = async done =>
        {
            if (done == 1 && !reached.Task.IsCompleted)
            {
                reached.SetResult();
                await stalled.Task;
            }
        };

        var slow = _dying.ChangeOrderAsync(OrderCommand.Lock, "order-1", "alice", StackableCoupons.Body(coupons)).AsTask();
        await reached.Task;
        _time.Advance(TimeSpan.FromSeconds(6));
        await _survivor.SweepAsync();
        Assert.All(await Task.WhenAll(coupons.Select(c => ReadAsync(c.Id))), c => Assert.Equal(CouponStatus.Unused, c.Status));

        stalled.SetResult();
        var answer = await slow;

        // Its second step found the coupon fenced; it started again from what it read then, and took both.
        Assert.Equal(Outcome.Ok, answer.Outcome);
        Assert.All(await Task.WhenAll(coupons.Select(c => ReadAsync(c.Id))), c => Assert.Equal((CouponStatus.Locked, "order-1"), (c.Status, c.OrderId)));
        Assert.All(coupons, c => Assert.Equal(1, _survivor.GetStatsAsync(c.CampaignId).AsTask().Result!.Locked));
        Assert.Equal(0, await PendingAsync());
    }
}
