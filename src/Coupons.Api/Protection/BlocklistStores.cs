using System.Text.Json;
using Coupons.Core;
using Coupons.Redis;

namespace Coupons.Api.Protection;

/// <summary>Where the blocklist is kept: a file beside the embedded store's data, or Redis for every node.</summary>
public interface IBlocklistStore
{
    /// <summary>Every entry, and a version that changes with every change.</summary>
    Task<(long Version, IReadOnlyList<BlockEntry> Entries)> ReadAsync();

    /// <summary>The version alone, cheap enough to ask several times a second.</summary>
    Task<long> VersionAsync();

    Task SetAsync(BlockEntry entry);

    /// <summary>Removes the entries with these keys; returns how many there were.</summary>
    Task<long> RemoveAsync(IReadOnlyList<string> keys);
}

/// <summary>
/// The embedded mode's blocklist: a JSON file in the data dir, replaced whole on every change
/// (written beside, flushed to disk, renamed over), so a crash leaves the old list or the new one.
/// </summary>
public sealed class FileBlocklistStore(string dataDir) : IBlocklistStore
{
    public const string FileName = "blocklist.json";

    private readonly string _path = Path.Combine(dataDir, FileName);
    private readonly Lock _lock = new();
    private Dictionary<string, BlockEntry>? _entries;
    private long _version;

    public Task<(long Version, IReadOnlyList<BlockEntry> Entries)> ReadAsync()
    {
        lock (_lock)
        {
            return Task.FromResult<(long, IReadOnlyList<BlockEntry>)>((_version, [.. Loaded().Values]));
        }
    }

    public Task<long> VersionAsync() => Task.FromResult(Interlocked.Read(ref _version));

    public Task SetAsync(BlockEntry entry)
    {
        lock (_lock)
        {
            Save(new Dictionary<string, BlockEntry>(Loaded(), StringComparer.Ordinal) { [entry.Key] = entry });
        }

        return Task.CompletedTask;
    }

    public Task<long> RemoveAsync(IReadOnlyList<string> keys)
    {
        lock (_lock)
        {
            var next = new Dictionary<string, BlockEntry>(Loaded(), StringComparer.Ordinal);
            var removed = keys.Count(next.Remove);
            if (removed > 0)
            {
                Save(next);
            }

            return Task.FromResult<long>(removed);
        }
    }

    /// <summary>The entries, read from the file the first time they are needed (a data dir that cannot be read fails the call, not the start).</summary>
    private Dictionary<string, BlockEntry> Loaded()
    {
        if (_entries is not null)
        {
            return _entries;
        }

        try
        {
            _entries = File.Exists(_path)
                ? (JsonSerializer.Deserialize<List<BlockEntry>>(File.ReadAllBytes(_path), BlockEntryJson.Options) ?? []).ToDictionary(e => e.Key, StringComparer.Ordinal)
                : new Dictionary<string, BlockEntry>(StringComparer.Ordinal);
            return _entries;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new StorageUnavailableException($"the blocklist {_path} cannot be read: {exception.Message}", exception);
        }
    }

    private void Save(Dictionary<string, BlockEntry> next)
    {
        var temporary = _path + ".tmp";
        try
        {
            Directory.CreateDirectory(dataDir);
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, next.Values.ToList(), BlockEntryJson.Options);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException($"the blocklist {_path} cannot be written: {exception.Message}", exception);
        }

        _entries = next;
        Interlocked.Increment(ref _version);
    }
}

/// <summary>The Redis mode's blocklist: one hash every node reads (see <see cref="RedisBlocklist"/>).</summary>
public sealed class RedisBlocklistStore(RedisBlocklist redis) : IBlocklistStore
{
    public Task<(long Version, IReadOnlyList<BlockEntry> Entries)> ReadAsync() => Guard(async () =>
    {
        var (version, texts) = await redis.ReadAsync().ConfigureAwait(false);
        return (version, (IReadOnlyList<BlockEntry>)[.. texts.Select(t => JsonSerializer.Deserialize<BlockEntry>(t, BlockEntryJson.Options)!)]);
    });

    public Task<long> VersionAsync() => Guard(redis.VersionAsync);

    public Task SetAsync(BlockEntry entry) => Guard(() => redis.SetAsync(entry.Key, JsonSerializer.Serialize(entry, BlockEntryJson.Options)));

    public Task<long> RemoveAsync(IReadOnlyList<string> keys) => Guard(() => redis.RemoveAsync([.. keys.Select(k => (StackExchange.Redis.RedisValue)k)]));

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException)
        {
            throw new StorageUnavailableException("the blocklist cannot be reached in Redis: " + exception.Message, exception);
        }
    }
}
