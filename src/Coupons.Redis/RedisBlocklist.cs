using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// The blocklist every node of the service shares: one hash of entries (field: the entry's key,
/// value: its text, which the API layer defines) and a version that every change increments in the
/// same transaction, so a node polls one small key and reloads only after a change.
/// </summary>
public sealed class RedisBlocklist
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _entries;
    private readonly RedisKey _version;

    public RedisBlocklist(IConnectionMultiplexer redis, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _redis = redis;
        // Both keys share a hash tag, so one transaction changes both on a cluster.
        _entries = keyPrefix + "{blocklist}";
        _version = keyPrefix + "{blocklist}:version";
    }

    public async Task<long> VersionAsync() => (long)await _redis.GetDatabase().StringGetAsync(_version).ConfigureAwait(false);

    /// <summary>Every entry, with the version they are at (or later: the version is read first).</summary>
    public async Task<(long Version, IReadOnlyList<string> Entries)> ReadAsync()
    {
        var db = _redis.GetDatabase();
        var version = (long)await db.StringGetAsync(_version).ConfigureAwait(false);
        var values = await db.HashValuesAsync(_entries).ConfigureAwait(false);
        return (version, [.. values.Select(v => (string)v!)]);
    }

    /// <summary>Adds or replaces the entry under <paramref name="key"/>; returns the new version.</summary>
    public async Task<long> SetAsync(string key, string entry)
    {
        var transaction = _redis.GetDatabase().CreateTransaction();
        _ = transaction.HashSetAsync(_entries, key, entry);
        var version = transaction.StringIncrementAsync(_version);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        return await version.ConfigureAwait(false);
    }

    /// <summary>Removes the entries under <paramref name="keys"/>; returns how many there were.</summary>
    public async Task<long> RemoveAsync(params RedisValue[] keys)
    {
        var transaction = _redis.GetDatabase().CreateTransaction();
        var removed = transaction.HashDeleteAsync(_entries, keys);
        _ = transaction.StringIncrementAsync(_version);
        await transaction.ExecuteAsync().ConfigureAwait(false);
        return await removed.ConfigureAwait(false);
    }
}
