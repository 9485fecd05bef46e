using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Jobs;
using Coupons.Redis.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

/// <summary>
/// The job store contract (<see cref="JobStoreConformance"/>) against the Redis job store, beside
/// the Redis coupon store on the same connection; another node is a store on a connection of its
/// own with the same key prefix. Each test has a key prefix of its own.
/// </summary>
public abstract class RedisJobStoreConformance : JobStoreConformance
{
    private readonly List<RedisCouponStore> _stores = [];
    private RedisStoreOptions _options = null!;

    /// <summary>The StackExchange.Redis configuration of the servers under test.</summary>
    protected abstract string Configuration { get; }

    protected override async Task<(ICouponStore Coupons, IJobStore Jobs)> OpenAsync(FakeTimeProvider time)
    {
        _options = new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = Configuration, KeyPrefix = "j" + Guid.NewGuid().ToString("N")[..12] + ":" };
        var store = await ConnectAsync();
        return (store, new RedisJobStore(store.Connection, store.Keys, Time));
    }

    protected override async Task<IJobStore> OtherNodeAsync()
    {
        var store = await ConnectAsync();
        return new RedisJobStore(store.Connection, store.Keys, Time);
    }

    protected override Task CloseAsync()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        return Task.CompletedTask;
    }

    private async Task<RedisCouponStore> ConnectAsync()
    {
        var store = await RedisCouponStore.ConnectAsync(_options, Time, TestCodes.Own);
        _stores.Add(store);
        return store;
    }
}

/// <summary>The job store contract on a single Redis node.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisJobConformance(RedisServer server) : RedisJobStoreConformance
{
    protected override string Configuration => server.Configuration;
}

/// <summary>The job store contract on a 3-master Redis Cluster: every script must touch one slot.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterJobConformance(RedisCluster cluster) : RedisJobStoreConformance
{
    protected override string Configuration => cluster.Configuration;
}
