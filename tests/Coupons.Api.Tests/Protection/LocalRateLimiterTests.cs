using System.Threading.RateLimiting;
using Coupons.Api.Protection;
using Microsoft.AspNetCore.Http;

namespace Coupons.Api.Tests.Protection;

/// <summary>The in-memory limiter on its own: any configured rate gives a working bucket of the same rate.</summary>
public sealed class LocalRateLimiterTests
{
    [Theory]
    [InlineData(100, 60_000)]
    [InlineData(20, 10_000)]
    [InlineData(1_000_000_000, 1_000)]
    [InlineData(1_000_000_000, 60_000)]
    [InlineData(3, 1)]
    public void Every_limit_makes_a_bucket_of_its_size_refilled_at_its_rate(int limit, int windowMs)
    {
        var bucket = new TokenBucketSettings { Limit = limit, Window = TimeSpan.FromMilliseconds(windowMs) };
        var options = LocalRateLimiter.Options(bucket);
        Assert.Equal(limit, options.TokenLimit);
        Assert.True(options.ReplenishmentPeriod >= TimeSpan.FromMilliseconds(1));
        var rate = options.TokensPerPeriod / options.ReplenishmentPeriod.TotalSeconds;
        var asked = limit / (windowMs / 1000.0);
        Assert.InRange(rate, asked * 0.5, asked * 1.5);

        using var limiter = new TokenBucketRateLimiter(options);
        using var lease = limiter.AttemptAcquire();
        Assert.True(lease.IsAcquired);
    }

    [Theory]
    [InlineData(1_000, 1_000)]
    [InlineData(1_000_000, 1_000)]
    [InlineData(20, 10_000)]
    public async Task A_bucket_refilled_by_a_heartbeat_gains_what_the_time_since_is_worth(int limit, int windowMs)
    {
        var bucket = new TokenBucketSettings { Limit = limit, Window = TimeSpan.FromMilliseconds(windowMs) };
        using var limiter = new TokenBucketRateLimiter(LocalRateLimiter.Options(bucket));
        using (var all = limiter.AttemptAcquire(limit))
        {
            Assert.True(all.IsAcquired);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.Delay(300);
        limiter.TryReplenish();
        var elapsed = watch.Elapsed;
        var expected = Math.Min(limit, limit * (elapsed / bucket.Window));
        var available = limiter.GetStatistics()!.CurrentAvailablePermits;

        // As much as the time was worth (the bucket's clock started a moment before this test's),
        // give or take a period's worth: never nothing, never the many times over a per-call refill
        // or a lost one would give.
        var slack = LocalRateLimiter.Options(bucket).TokensPerPeriod + (expected * 0.2);
        Assert.InRange(available, (long)(expected * 0.5) - 1, (long)Math.Ceiling(expected + slack) + 1);
    }

    [Fact]
    public void A_request_is_refused_by_the_first_full_limit_and_names_it()
    {
        var options = new ProtectionOptions();
        options.Ip.Limit = 1_000_000_000;
        options.User.Limit = 2;
        options.User.Window = TimeSpan.FromHours(1);
        using var limiter = new LocalRateLimiter(new RateLimitRules(options));
        var context = new DefaultHttpContext();
        context.Features.Set(new ClientFacts { Ip = System.Net.IPAddress.Loopback, User = "alice" });
        Assert.True(limiter.AttemptAcquire(context).IsAcquired);
        Assert.True(limiter.AttemptAcquire(context).IsAcquired);
        var refused = limiter.AttemptAcquire(context);
        Assert.False(refused.IsAcquired);
        Assert.Equal("user", ((Verdict)refused).Rule);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero);

        // Exempt callers and requests the protections did not see are not counted.
        context.Features.Set(new ClientFacts { Ip = System.Net.IPAddress.Loopback, User = "alice", Exempt = true });
        Assert.True(limiter.AttemptAcquire(context).IsAcquired);
        Assert.True(limiter.AttemptAcquire(new DefaultHttpContext()).IsAcquired);
    }
}
