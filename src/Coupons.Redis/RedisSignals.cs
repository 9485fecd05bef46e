using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// What the fraud signals need from Redis, shared by every node: sliding windows of distinct members
/// (see window.lua) and the list of flagged entities (a hash of entries whose text the API layer defines).
/// </summary>
public sealed class RedisSignals
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _windows;
    private readonly RedisKey _flags;
    private readonly RedisGuard _guard;

    /// <summary>Signals whose counts go through <paramref name="guard"/>: bounded, and refused at once while its breaker is open (<see cref="RedisCouponStore.Signals"/>).</summary>
    internal RedisSignals(IConnectionMultiplexer redis, string keyPrefix, RedisGuard guard)
    {
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _redis = redis;
        _windows = keyPrefix + "signal:";
        _flags = keyPrefix + "{fraud}:flags";
        _guard = guard;
    }

    /// <summary>Records <paramref name="member"/> in the window of <paramref name="signal"/> for <paramref name="entity"/>; returns the distinct members within it (at most <paramref name="most"/>).</summary>
    public async Task<long> ObserveAsync(string signal, string entity, string member, TimeSpan window, int most)
    {
        var result = await _guard.RunDegradableAsync(() => Script.Window.RunAsync(
            _redis.GetDatabase(),
            [_windows + signal + ":" + entity],
            [member, (long)Math.Ceiling(window.TotalMilliseconds), most])).ConfigureAwait(false);
        return (long)result;
    }

    public Task SetFlagAsync(string key, string entry) => _redis.GetDatabase().HashSetAsync(_flags, key, entry);

    public async Task<string?> GetFlagAsync(string key) => await _redis.GetDatabase().HashGetAsync(_flags, key).ConfigureAwait(false);

    public async Task<IReadOnlyList<string>> FlagsAsync() => [.. (await _redis.GetDatabase().HashValuesAsync(_flags).ConfigureAwait(false)).Select(v => (string)v!)];

    public Task<bool> RemoveFlagAsync(string key) => _redis.GetDatabase().HashDeleteAsync(_flags, key);

    public Task<long> FlagCountAsync() => _redis.GetDatabase().HashLengthAsync(_flags);
}
