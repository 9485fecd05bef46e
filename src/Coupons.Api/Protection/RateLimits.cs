using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using Coupons.Api.Http;
using Coupons.Redis;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Protection;

/// <summary>One of the limits a request is counted against, and whom it counts.</summary>
internal readonly record struct LimitKey(RateLimitRule Rule, string Key);

/// <summary>Room for every limit a request can be counted against, without an allocation.</summary>
[System.Runtime.CompilerServices.InlineArray(RateLimitRules.Most)]
internal struct LimitKeys
{
    private LimitKey _first;
}

/// <summary>A limit: its name (in answers and metrics) and its bucket.</summary>
internal sealed class RateLimitRule(string name, TokenBucketSettings bucket)
{
    public string Name { get; } = name;

    public TokenBucketSettings Bucket { get; } = bucket;

    /// <summary>The limits that apply to a request, in the order they are checked: ip, device, user, campaign.</summary>
    public static int Collect(ClientFacts? facts, RateLimitRules rules, Span<LimitKey> keys)
    {
        if (facts is null || facts.Exempt)
        {
            return 0;
        }

        var count = 0;
        if (rules.Ip is { } ip && facts.IpText is { } address)
        {
            keys[count++] = new LimitKey(ip, address);
        }

        if (rules.Device is { } device && facts.Device is { } deviceId)
        {
            keys[count++] = new LimitKey(device, deviceId);
        }

        if (rules.User is { } user && facts.User is { } userId)
        {
            keys[count++] = new LimitKey(user, userId);
        }

        if (rules.Campaign is { } campaign && facts.ClaimCampaign is { } campaignId)
        {
            keys[count++] = new LimitKey(campaign, campaignId.ToString("N"));
        }

        return count;
    }
}

/// <summary>The limits switched on, from <see cref="ProtectionOptions"/>.</summary>
internal sealed class RateLimitRules(ProtectionOptions options)
{
    public const int Most = 4;

    public RateLimitRule? Ip { get; } = Rule("ip", options.Ip);
    public RateLimitRule? Device { get; } = Rule("device", options.Device);
    public RateLimitRule? User { get; } = Rule("user", options.User);
    public RateLimitRule? Campaign { get; } = Rule("campaign", options.CampaignClaims);

    public IEnumerable<RateLimitRule> All => new[] { Ip, Device, User, Campaign }.OfType<RateLimitRule>();

    // Limits and windows are checked with the other settings (ProtectionOptions.Validate).
    private static RateLimitRule? Rule(string name, TokenBucketSettings bucket) => bucket.Enabled ? new RateLimitRule(name, bucket) : null;
}

/// <summary>The answer of the limits: admitted, or refused by one rule with the time to wait.</summary>
internal sealed class Verdict : RateLimitLease
{
    public static readonly Verdict Admitted = new(true, null, TimeSpan.Zero);

    /// <summary>Not decided without a round trip: the middleware goes on to wait for the shared limits.</summary>
    public static readonly Verdict Undecided = new(false, null, TimeSpan.Zero);

    private static readonly string[] Names = [MetadataName.RetryAfter.Name];

    private Verdict(bool acquired, string? rule, TimeSpan retryAfter)
    {
        IsAcquired = acquired;
        Rule = rule;
        RetryAfter = retryAfter;
    }

    public static Verdict Refused(string rule, TimeSpan retryAfter) => new(false, rule, retryAfter);

    public override bool IsAcquired { get; }

    /// <summary>The limit that refused the request.</summary>
    public string? Rule { get; }

    public TimeSpan RetryAfter { get; }

    public override IEnumerable<string> MetadataNames => Rule is null ? [] : Names;

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = Rule is not null && metadataName == MetadataName.RetryAfter.Name ? RetryAfter : null;
        return metadata is not null;
    }
}

/// <summary>
/// The limits of one node, kept in memory with .NET's token buckets (<see cref="TokenBucketRateLimiter"/>
/// per client, idle ones dropped): the embedded store's mode, where one node is the service.
/// </summary>
internal sealed class LocalRateLimiter : PartitionedRateLimiter<HttpContext>
{
    private readonly RateLimitRules _rules;
    private readonly Dictionary<RateLimitRule, PartitionedRateLimiter<string>> _limiters;

    public LocalRateLimiter(RateLimitRules rules)
    {
        _rules = rules;
        _limiters = rules.All.ToDictionary(rule => rule, rule => PartitionedRateLimiter.Create<string, string>(key =>
            RateLimitPartition.GetTokenBucketLimiter(key, _ => Options(rule.Bucket))));
    }

    /// <summary>
    /// A token a period, or, for limits finer than a millisecond a token (a cap of a million claims
    /// a second), as many tokens a millisecond as give the same rate: .NET's buckets need a period.
    /// Buckets gain what the time since their last refill is worth, so the heartbeat's 100 ms steps
    /// keep the rate.
    /// </summary>
    internal static TokenBucketRateLimiterOptions Options(TokenBucketSettings bucket)
    {
        var period = bucket.PerToken >= MinPeriod ? bucket.PerToken : MinPeriod;
        var tokens = (int)Math.Clamp(Math.Round(bucket.Limit * (period / bucket.Window)), 1, bucket.Limit);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = bucket.Limit,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            // The partitioned limiter refills every bucket on its own 100 ms heartbeat; a bucket
            // refilling itself would run a timer of its own per client (a period a millisecond for
            // the finest limits): measured, that cost 8 % of a claim's CPU and tens of ms of p99.
            AutoReplenishment = false,
        };
    }

    private static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(1);

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var buffer = default(LimitKeys);
        Span<LimitKey> keys = buffer;
        var count = RateLimitRule.Collect(ClientFacts.Of(resource), _rules, keys);
        for (var i = 0; i < count; i++)
        {
            using var lease = _limiters[keys[i].Rule].AttemptAcquire(keys[i].Key);
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : keys[i].Rule.Bucket.PerToken;
                return Verdict.Refused(keys[i].Rule.Name, retryAfter);
            }
        }

        return Verdict.Admitted;
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var limiter in _limiters.Values)
            {
                limiter.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// The limits every node shares, as token buckets in Redis (the scale-out mode): a request's buckets
/// are taken from concurrently, one script call each, so the limits cost one round trip. When Redis
/// does not answer, requests are let through: the store they go on to is Redis too, and answers 503.
/// </summary>
/// <remarks>
/// A refused bucket is remembered on the node until the time Redis said a token would be back:
/// until then Redis would refuse it too (tokens only come back with time), so a client that keeps
/// knocking past its limit, which is what abuse looks like, is answered without a round trip.
/// </remarks>
internal sealed partial class SharedRateLimiter(RateLimitRules rules, RedisRateLimits buckets, ILogger<SharedRateLimiter> logger, TimeProvider? time = null) : PartitionedRateLimiter<HttpContext>
{
    /// <summary>Refused buckets remembered at most; past it the memory is dropped (it is only a shortcut).</summary>
    private const int MostRemembered = 100_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(RateLimitRule Rule, string Key), long> _refusedUntil = new();

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        var buffer = default(LimitKeys);
        Span<LimitKey> keys = buffer;
        var count = RateLimitRule.Collect(ClientFacts.Of(resource), rules, keys);
        return count == 0 ? Verdict.Admitted : RememberedRefusal(keys[..count]) ?? Verdict.Undecided;
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        var keys = new LimitKey[RateLimitRules.Most];
        var count = RateLimitRule.Collect(ClientFacts.Of(resource), rules, keys);
        if (count == 0)
        {
            return Verdict.Admitted;
        }

        if (RememberedRefusal(keys.AsSpan(0, count)) is { } remembered)
        {
            return remembered;
        }

        var waits = new Task<TimeSpan>[count];
        for (var i = 0; i < count; i++)
        {
            waits[i] = buckets.TakeAsync(keys[i].Rule.Name, keys[i].Key, keys[i].Rule.Bucket.Limit, keys[i].Rule.Bucket.Window);
        }

        try
        {
            await Task.WhenAll(waits).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException or Coupons.Core.StorageUnavailableException)
        {
            LogUnavailable(logger, exception);
            return Verdict.Admitted;
        }

        for (var i = 0; i < count; i++)
        {
            if (waits[i].Result > TimeSpan.Zero)
            {
                if (_refusedUntil.Count >= MostRemembered)
                {
                    _refusedUntil.Clear();
                }

                _refusedUntil[(keys[i].Rule, keys[i].Key)] = NowMs() + (long)waits[i].Result.TotalMilliseconds;
                return Verdict.Refused(keys[i].Rule.Name, waits[i].Result);
            }
        }

        return Verdict.Admitted;
    }

    /// <summary>Milliseconds on the monotonic clock of the <see cref="TimeProvider"/>, for how long a refusal is remembered.</summary>
    private long NowMs()
    {
        var clock = time ?? TimeProvider.System;
        return clock.GetTimestamp() / Math.Max(1, clock.TimestampFrequency / 1000);
    }

    /// <summary>The refusal still in force for one of these buckets, if any; lapsed ones are forgotten.</summary>
    private Verdict? RememberedRefusal(ReadOnlySpan<LimitKey> keys)
    {
        if (_refusedUntil.IsEmpty)
        {
            return null;
        }

        var now = NowMs();
        foreach (var key in keys)
        {
            if (_refusedUntil.TryGetValue((key.Rule, key.Key), out var until))
            {
                if (until > now)
                {
                    return Verdict.Refused(key.Rule.Name, TimeSpan.FromMilliseconds(until - now));
                }

                _refusedUntil.TryRemove((key.Rule, key.Key), out _);
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The shared rate limits could not be read from Redis; the request is let through")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}

internal static class RateLimitSetup
{
    /// <summary>
    /// ASP.NET Core's rate limiting middleware with one global limiter: in memory for the embedded
    /// store, shared through Redis for the Redis store. A refusal is a 429 problem (<c>rate_limited</c>)
    /// naming the limit, with <c>Retry-After</c> in whole seconds.
    /// </summary>
    public static IServiceCollection AddCouponsRateLimits(this IServiceCollection services, bool shared)
    {
        services.AddSingleton(sp => new RateLimitRules(sp.GetRequiredService<IOptions<ProtectionOptions>>().Value));
        services.AddSingleton<PartitionedRateLimiter<HttpContext>>(sp =>
        {
            var rules = sp.GetRequiredService<RateLimitRules>();
            if (!shared)
            {
                return new LocalRateLimiter(rules);
            }

            // Through the store's guard: a take past its timeout, or while its breaker is open, admits the request (the limits fail open).
            return new SharedRateLimiter(rules, sp.GetRequiredService<RedisCouponStore>().RateLimits(), sp.GetRequiredService<ILogger<SharedRateLimiter>>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<PartitionedRateLimiter<HttpContext>, ProtectionMetrics>((options, limiter, metrics) =>
        {
            options.GlobalLimiter = limiter;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) =>
            {
                var verdict = context.Lease as Verdict;
                var rule = verdict?.Rule ?? "unknown";
                var retryAfter = verdict?.RetryAfter ?? TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
                metrics.Refused(rule);
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return new ValueTask(TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests.",
                    detail: $"The {rule} limit is reached; retry after {seconds} s.",
                    extensions: new Dictionary<string, object?> { ["code"] = "rate_limited", ["limit"] = rule }).ExecuteAsync(context.HttpContext));
            };
        });
        return services;
    }
}

/// <summary>What the protections turned away, on the <c>Coupons</c> meter.</summary>
public sealed class ProtectionMetrics
{
    private readonly Counter<long> _refused;

    public ProtectionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Coupons");
        _refused = meter.CreateCounter<long>("coupons.protection.refused", "{request}", "Requests refused by a rate limit (reason: ip, device, user, campaign) or a blocklist (reason: blocked_user, blocked_ip, blocked_device)");
    }

    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
