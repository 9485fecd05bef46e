using System.Threading.RateLimiting;
using Coupons.Api.Protection;
using Coupons.Conformance;
using Coupons.Redis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Coupons.Api.Tests.Protection;

/// <summary>The shared limiter against a real redis-server: a refusal is remembered until a token is due, and only that long.</summary>
public sealed class SharedRateLimiterTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private ConnectionMultiplexer? _connection;
    private bool _redisStopped;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync($"{_redis.Configuration},abortConnect=false,asyncTimeout=500,connectTimeout=500");
    }

    public async Task DisposeAsync()
    {
        _connection?.Dispose();
        if (!_redisStopped)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_refused_client_is_refused_from_memory_until_its_token_is_due_while_others_still_ask_redis()
    {
        var options = new ProtectionOptions();
        options.Ip.Limit = 0;
        options.Device.Limit = 0;
        options.User.Limit = 1;
        options.User.Window = TimeSpan.FromSeconds(1);
        using var limiter = new SharedRateLimiter(new RateLimitRules(options), new RedisRateLimits(_connection!, "shared-limiter-tests:"), NullLogger<SharedRateLimiter>.Instance);

        Assert.True((await limiter.AcquireAsync(Request("alice"))).IsAcquired);
        var refused = await limiter.AcquireAsync(Request("alice"));
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero && wait <= TimeSpan.FromSeconds(1));

        // Redis goes away. Alice is still refused (from memory), without a round trip; Bob, whom
        // nothing is known about, is let through as the limiter does when Redis cannot answer.
        await _redis.DisposeAsync();
        _redisStopped = true;
        Assert.False(limiter.AttemptAcquire(Request("alice")).IsAcquired);
        Assert.False((await limiter.AcquireAsync(Request("alice"))).IsAcquired);
        Assert.True((await limiter.AcquireAsync(Request("bob"))).IsAcquired);

        // Once her token is due she is asked about again (and, Redis being gone, let through).
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        Assert.True((await limiter.AcquireAsync(Request("alice"))).IsAcquired);
    }

    private static DefaultHttpContext Request(string user)
    {
        var context = new DefaultHttpContext();
        context.Features.Set(new ClientFacts { User = user });
        return context;
    }
}
