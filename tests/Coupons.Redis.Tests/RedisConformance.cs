using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

/// <summary>The store contract (<see cref="StoreConformance"/>) against the Redis store; each test has a key prefix of its own.</summary>
public abstract class RedisStoreConformance : StoreConformance
{
    /// <summary>The StackExchange.Redis configuration of the servers under test.</summary>
    protected abstract string Configuration { get; }

    /// <summary>Settings beyond the configuration and the key prefix.</summary>
    protected virtual void Configure(RedisStoreOptions options)
    {
    }

    protected override async Task<ICouponStore> OpenAsync(FakeTimeProvider time)
    {
        var options = new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = Configuration, KeyPrefix = "c" + Guid.NewGuid().ToString("N")[..12] + ":" };
        Configure(options);
        return await RedisCouponStore.ConnectAsync(options, time, TestCodes.Own);
    }

    protected override async Task<int> SweepAsync(ICouponStore store) => await ((RedisCouponStore)store).SweepAsync();

    protected override Task CloseAsync(ICouponStore store)
    {
        ((RedisCouponStore)store).Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>The store contract on a single Redis node.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisConformance(RedisServer server) : RedisStoreConformance
{
    protected override string Configuration => server.Configuration;
}
