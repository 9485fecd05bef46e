using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

/// <summary>The store contract (<see cref="StoreConformance"/>) against the Redis store on a single node.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisConformance(RedisServer server) : StoreConformance
{
    protected override async Task<ICouponStore> OpenAsync(FakeTimeProvider time) =>
        await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Configuration = server.Configuration, KeyPrefix = "c" + Guid.NewGuid().ToString("N")[..12] + ":" }, time);

    protected override async Task<int> SweepAsync(ICouponStore store) => await ((RedisCouponStore)store).SweepAsync();

    protected override Task CloseAsync(ICouponStore store)
    {
        ((RedisCouponStore)store).Dispose();
        return Task.CompletedTask;
    }
}
