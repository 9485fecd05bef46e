using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

/// <summary>
/// The store contract with every campaign's stock split into buckets of two units (up to eight
/// buckets, each in its own hash slot), on a 3-master Redis Cluster: users claim from their own
/// bucket and sold-out buckets borrow, and the contract must hold all the same.
/// </summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisBucketsConformance(RedisCluster cluster) : StoreConformance
{
    protected override async Task<ICouponStore> OpenAsync(FakeTimeProvider time) =>
        await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions
            {
                Configuration = cluster.Configuration,
                KeyPrefix = "b" + Guid.NewGuid().ToString("N")[..12] + ":",
                StockPerBucket = 2,
                MaxBuckets = 8,
            },
            time);

    protected override async Task<int> SweepAsync(ICouponStore store) => await ((RedisCouponStore)store).SweepAsync();

    protected override Task CloseAsync(ICouponStore store)
    {
        ((RedisCouponStore)store).Dispose();
        return Task.CompletedTask;
    }
}
