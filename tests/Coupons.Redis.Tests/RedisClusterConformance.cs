using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisCluster>
{
    public const string Name = "redis-cluster";
}

/// <summary>The store contract (<see cref="StoreConformance"/>) against the Redis store on a 3-master Redis Cluster.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterConformance(RedisCluster cluster) : StoreConformance
{
    protected override async Task<ICouponStore> OpenAsync(FakeTimeProvider time) =>
        await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Configuration = cluster.Configuration, KeyPrefix = "c" + Guid.NewGuid().ToString("N")[..12] + ":" }, time);

    protected override async Task<int> SweepAsync(ICouponStore store) => await ((RedisCouponStore)store).SweepAsync();

    protected override Task CloseAsync(ICouponStore store)
    {
        ((RedisCouponStore)store).Dispose();
        return Task.CompletedTask;
    }
}
