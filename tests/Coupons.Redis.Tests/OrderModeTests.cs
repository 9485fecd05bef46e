using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>
/// How an order's changes are stored: in one script on a single Redis (orderapply.lua), under a plan
/// on a cluster (<see cref="RedisOrders"/>). The two ways meet on the same versions, so nodes told
/// differently may share a Redis: two orders racing for the same coupons, one from each kind of
/// node, never split them.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class OrderModeTests(RedisServer server) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 15, 0, 0, 0, TimeSpan.Zero));
    private readonly string _prefix = "m" + Guid.NewGuid().ToString("N")[..12] + ":";
    private RedisCouponStore _oneScript = null!;
    private RedisCouponStore _planned = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _oneScript = await RedisCouponStore.ConnectAsync(new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = _prefix }, _time, TestCodes.Own);
        _planned = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = _prefix, OrdersInOneScript = false }, _time, TestCodes.Own);
        _redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
    }

    public Task DisposeAsync()
    {
        _oneScript.Dispose();
        _planned.Dispose();
        _redis.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task On_a_single_Redis_an_order_is_stored_in_one_script_and_leaves_no_plan_on_the_way()
    {
        var coupons = await StackableCoupons.ClaimAsync(_planned, "alice", 3);
        var steps = 0;
        _oneScript.Orders.AfterStep = _ => Task.FromResult(Interlocked.Increment(ref steps));

        var locked = await _oneScript.ChangeOrderAsync(OrderCommand.Lock, "order-1", "alice", StackableCoupons.Body(coupons));
        var redeemed = await _oneScript.ChangeOrderAsync(OrderCommand.Redeem, "order-1", "alice", null);

        Assert.True(_oneScript.Orders.InOneScript);
        Assert.False(_planned.Orders.InOneScript);
        Assert.Equal((Outcome.Ok, Outcome.Ok, OrderStatus.Used), (locked.Outcome, redeemed.Outcome, redeemed.Order!.Status));
        Assert.Equal(0, steps);
        Assert.All(await Task.WhenAll(coupons.Select(c => ReadAsync(c.Id))), c => Assert.Equal((CouponStatus.Used, "order-1"), (c.Status, c.OrderId)));
        Assert.All(coupons, c => Assert.Equal((0L, 1L), _planned.GetStatsAsync(c.CampaignId).AsTask().Result is { } s ? (s.Locked, s.Used) : default));
        var record = await _redis.GetDatabase().HashGetAllAsync(new RedisKeys(_prefix).Order("order-1"));
        Assert.DoesNotContain(record, field => field.Name == OrderRecord.Fields.Pending);
    }

    [Fact]
    public async Task Orders_racing_for_the_same_coupons_from_a_one_script_node_and_a_planning_node_never_split_them()
    {
        for (var round = 0; round < 20; round++)
        {
            var user = "user-" + round;
            var coupons = await StackableCoupons.ClaimAsync(_planned, user, 2);
            var first = _oneScript.ChangeOrderAsync(OrderCommand.Lock, "a-" + round, user, StackableCoupons.Body(coupons)).AsTask();
            var second = _planned.ChangeOrderAsync(OrderCommand.Lock, "b-" + round, user, StackableCoupons.Body(coupons)).AsTask();
            var answers = await Task.WhenAll(first, second);

            var winners = answers.Where(a => a.Outcome == Outcome.Ok).ToList();
            var winner = Assert.Single(winners);
            Assert.Contains(answers, a => a.Outcome == Outcome.LockedByOtherOrder);
            var read = await Task.WhenAll(coupons.Select(c => ReadAsync(c.Id)));
            Assert.All(read, c => Assert.Equal((CouponStatus.Locked, winner.Order!.Id), (c.Status, c.OrderId)));
            Assert.All(coupons, c => Assert.Equal(1L, _planned.GetStatsAsync(c.CampaignId).AsTask().Result!.Locked));
        }
    }

    private async Task<Coupon> ReadAsync(Guid id) => (await _planned.GetCouponAsync(id, null)).Coupon!;
}

/// <summary>On a cluster a script touches one slot: orders keep their plans.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class ClusterOrderModeTests(RedisCluster cluster)
{
    [Fact]
    public async Task On_a_cluster_an_orders_changes_go_under_a_plan()
    {
        using var store = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = cluster.Configuration, KeyPrefix = "k" + Guid.NewGuid().ToString("N")[..12] + ":" }, TimeProvider.System, TestCodes.Own);

        Assert.False(store.Orders.InOneScript);
    }
}
