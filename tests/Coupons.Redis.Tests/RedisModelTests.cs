using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

/// <summary>
/// The model-based test (<see cref="StoreModelTests"/>) against the Redis store, each run on a key
/// prefix of its own. Reopening disposes the store and connects a new one to the same servers and
/// prefix: nothing cached (campaign terms, sold-out hints) survives, and it must show the same state.
/// The store has no timer of its own: the hosting runs its sweep, here only the test does.
/// </summary>
public abstract class RedisStoreModelTests : StoreModelTests
{
    private RedisStoreOptions? _options;

    /// <summary>The StackExchange.Redis configuration of the servers under test.</summary>
    protected abstract string Configuration { get; }

    /// <summary>Settings beyond the configuration and the key prefix.</summary>
    protected virtual void Configure(RedisStoreOptions options)
    {
    }

    protected override async Task<ICouponStore> OpenAsync(FakeTimeProvider time)
    {
        _options = new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = Configuration, KeyPrefix = "m" + Guid.NewGuid().ToString("N")[..12] + ":" };
        Configure(_options);
        return await RedisCouponStore.ConnectAsync(_options, time, TestCodes.Own);
    }

    protected override async Task<int> SweepAsync(ICouponStore store) => await ((RedisCouponStore)store).SweepAsync();

    protected override async Task<ICouponStore> ReopenAsync(ICouponStore store, FakeTimeProvider time)
    {
        ((RedisCouponStore)store).Dispose();
        return await RedisCouponStore.ConnectAsync(_options!, time, TestCodes.Own);
    }

    protected override Task CloseAsync(ICouponStore store)
    {
        ((RedisCouponStore)store).Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The model-based test on a single Redis node.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisModelTests(RedisServer server) : RedisStoreModelTests
{
    protected override string Configuration => server.Configuration;
}

/// <summary>The model-based test on a 3-master Redis Cluster.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterModelTests(RedisCluster cluster) : RedisStoreModelTests
{
    protected override string Configuration => cluster.Configuration;
}

/// <summary>
/// The model-based test with every campaign's stock split into buckets of two units (up to eight
/// buckets, each in its own hash slot), on a 3-master Redis Cluster: users claim from their own
/// bucket, sold-out buckets borrow from the others, and the model, which knows nothing of
/// buckets, must still be matched exactly.
/// </summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisBucketsModelTests(RedisCluster cluster) : RedisStoreModelTests
{
    protected override string Configuration => cluster.Configuration;

    protected override void Configure(RedisStoreOptions options)
    {
        options.StockPerBucket = 2;
        options.MaxBuckets = 8;
    }
}
