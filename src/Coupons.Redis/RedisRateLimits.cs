using System.Globalization;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Token buckets shared by every node of the service: one key per bucket (a rule and who it counts),
/// taken from by one script call, timed by Redis's clock. A bucket holds <c>limit</c> tokens and
/// gains them back evenly over <c>window</c>.
/// </summary>
public sealed class RedisRateLimits
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly RedisGuard? _guard;

    /// <summary>Buckets whose takes wait as long as the client lets them (the store's own buckets are <see cref="RedisCouponStore.RateLimits"/>).</summary>
    public RedisRateLimits(IConnectionMultiplexer redis, string keyPrefix)
        : this(redis, keyPrefix, null)
    {
    }

    /// <summary>Buckets whose takes go through <paramref name="guard"/>: bounded, and refused at once while its breaker is open.</summary>
    internal RedisRateLimits(IConnectionMultiplexer redis, string keyPrefix, RedisGuard? guard)
    {
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _redis = redis;
        // Like the store's keys, the prefix carries no braces: each bucket hashes to a slot of its own.
        _prefix = keyPrefix + "rate:";
        _guard = guard;
    }

    /// <summary>
    /// Takes a token from the bucket of <paramref name="rule"/> for <paramref name="key"/>:
    /// <see cref="TimeSpan.Zero"/> when one was there, else how long until one will be. Through the
    /// store's guard, a Redis that does not answer in time, or whose breaker is open, throws
    /// <see cref="Coupons.Core.StorageUnavailableException"/> (what was sent may still take its
    /// token when Redis comes back).
    /// </summary>
    public async Task<TimeSpan> TakeAsync(string rule, string key, int limit, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var microsecondsPerToken = Math.Max(1L, (long)(window.TotalMicroseconds / limit));
        Task<RedisResult> Take() => Script.RateLimit.RunAsync(
            _redis.GetDatabase(),
            [_prefix + rule + ":" + key],
            [microsecondsPerToken, (microsecondsPerToken * limit).ToString(CultureInfo.InvariantCulture)]);
        var result = _guard is null ? await Take().ConfigureAwait(false) : await _guard.RunDegradableAsync(Take).ConfigureAwait(false);
        var wait = (long)result;
        return wait <= 0 ? TimeSpan.Zero : TimeSpan.FromMicroseconds(wait);
    }
}
