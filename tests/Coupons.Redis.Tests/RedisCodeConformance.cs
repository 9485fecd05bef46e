using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

/// <summary>The codes contract (<see cref="CodeStoreConformance"/>) against the Redis store; each test has a key prefix of its own.</summary>
public abstract class RedisCodeStoreConformance : CodeStoreConformance
{
    protected abstract string Configuration { get; }

    protected override async Task<ICouponStore> OpenAsync(FakeTimeProvider time) =>
        await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = Configuration, KeyPrefix = "d" + Guid.NewGuid().ToString("N")[..12] + ":" }, time, TestCodes.Own);

    protected override Task CloseAsync(ICouponStore store)
    {
        ((RedisCouponStore)store).Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The codes contract on a single Redis node.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisCodeConformance(RedisServer server) : RedisCodeStoreConformance
{
    protected override string Configuration => server.Configuration;
}

/// <summary>The codes contract on a 3-master Redis Cluster.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterCodeConformance(RedisCluster cluster) : RedisCodeStoreConformance
{
    protected override string Configuration => cluster.Configuration;
}
