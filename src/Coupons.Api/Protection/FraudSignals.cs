using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Coupons.Core;
using Coupons.Redis;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Protection;

/// <summary>An entity a fraud signal flagged: which signal, who, how many in the window, since when.</summary>
public sealed record FraudFlag(
    string Signal,
    string Kind,
    string Value,
    long Count,
    int Threshold,
    long WindowSeconds,
    DateTimeOffset FirstFlaggedAt,
    DateTimeOffset LastSeenAt,
    bool AutoBlocked)
{
    public const string DeviceAccounts = "device_accounts";
    public const string IpAccounts = "ip_accounts";
    public const string ClaimBurst = "claim_burst";
    public const string CodeGuessing = "code_guessing";

    /// <summary>Every signal, as the contract lists them.</summary>
    public static IReadOnlyList<string> Signals => [DeviceAccounts, IpAccounts, ClaimBurst, CodeGuessing];

    public string Key => KeyOf(Signal, Value);

    public static string KeyOf(string signal, string value) => signal + ":" + value;

    public static string? KindOf(string signal) => signal switch
    {
        DeviceAccounts => BlockEntry.Device,
        IpAccounts => BlockEntry.Ip,
        ClaimBurst => BlockEntry.User,
        CodeGuessing => BlockEntry.User,
        _ => null,
    };
}

/// <summary>Where the signals' windows and the flags live: this process (embedded store) or Redis (every node).</summary>
public interface ISignalStore
{
    /// <summary>Records <paramref name="member"/> in the window; returns the distinct members within it (at most <paramref name="most"/>).</summary>
    ValueTask<long> ObserveAsync(string signal, string entity, string member, TimeSpan window, int most);

    Task<FraudFlag?> GetFlagAsync(string key);

    Task SetFlagAsync(FraudFlag flag);

    Task<IReadOnlyList<FraudFlag>> FlagsAsync();

    Task<bool> RemoveFlagAsync(string key);

    Task<long> FlagCountAsync();
}

/// <summary>
/// The embedded mode's windows and flags, in memory: the signals describe the last minutes, so a
/// restart forgets them as it forgets rate limits. Blocks they lead to are kept on disk.
/// </summary>
public sealed class LocalSignalStore(TimeProvider time) : ISignalStore
{
    private const int SweepEvery = 4096;
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FraudFlag> _flags = new(StringComparer.Ordinal);
    private int _observed;

    public ValueTask<long> ObserveAsync(string signal, string entity, string member, TimeSpan window, int most)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowMs = (long)window.TotalMilliseconds;
        var count = _windows.GetOrAdd(signal + ":" + entity, static (_, ms) => new Window(ms), windowMs).Observe(member, now, most);
        if (Interlocked.Increment(ref _observed) % SweepEvery == 0)
        {
            // Windows nobody was seen in for a whole window (their own) go, so memory follows the active clients.
            foreach (var (key, idle) in _windows)
            {
                if (idle.IsIdle(now))
                {
                    _windows.TryRemove(key, out _);
                }
            }
        }

        return ValueTask.FromResult(count);
    }

    public Task<FraudFlag?> GetFlagAsync(string key) => Task.FromResult(_flags.TryGetValue(key, out var flag) ? flag : null);

    public Task SetFlagAsync(FraudFlag flag)
    {
        _flags[flag.Key] = flag;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<FraudFlag>> FlagsAsync() => Task.FromResult<IReadOnlyList<FraudFlag>>([.. _flags.Values]);

    public Task<bool> RemoveFlagAsync(string key) => Task.FromResult(_flags.TryRemove(key, out _));

    public Task<long> FlagCountAsync() => Task.FromResult((long)_flags.Count);

    /// <summary>
    /// Distinct members by when each was last seen, oldest first (a linked list beside a map), so
    /// that seeing a member and dropping the old or surplus ones cost O(1) each.
    /// </summary>
    private sealed class Window(long windowMs)
    {
        private readonly Dictionary<string, LinkedListNode<(string Member, long Seen)>> _nodes = new(StringComparer.Ordinal);
        private readonly LinkedList<(string Member, long Seen)> _byAge = new();

        public long Observe(string member, long now, int most)
        {
            lock (_nodes)
            {
                if (_nodes.TryGetValue(member, out var node))
                {
                    _byAge.Remove(node);
                    node.Value = (member, now);
                    _byAge.AddLast(node);
                }
                else
                {
                    _nodes[member] = _byAge.AddLast((member, now));
                }

                while (_byAge.First is { } oldest && (oldest.Value.Seen <= now - windowMs || _nodes.Count > most))
                {
                    _nodes.Remove(oldest.Value.Member);
                    _byAge.RemoveFirst();
                }

                return _nodes.Count;
            }
        }

        public bool IsIdle(long now)
        {
            lock (_nodes)
            {
                return _byAge.Last is not { } newest || now - newest.Value.Seen > windowMs;
            }
        }
    }
}

/// <summary>The Redis mode's windows and flags, shared by every node (see <see cref="RedisSignals"/>).</summary>
public sealed class RedisSignalStore(RedisSignals redis) : ISignalStore
{
    public async ValueTask<long> ObserveAsync(string signal, string entity, string member, TimeSpan window, int most) =>
        await redis.ObserveAsync(signal, entity, member, window, most).ConfigureAwait(false);

    public async Task<FraudFlag?> GetFlagAsync(string key) =>
        await redis.GetFlagAsync(key).ConfigureAwait(false) is { } text ? JsonSerializer.Deserialize<FraudFlag>(text, BlockEntryJson.Options) : null;

    public Task SetFlagAsync(FraudFlag flag) => redis.SetFlagAsync(flag.Key, JsonSerializer.Serialize(flag, BlockEntryJson.Options));

    public async Task<IReadOnlyList<FraudFlag>> FlagsAsync() =>
        [.. (await redis.FlagsAsync().ConfigureAwait(false)).Select(t => JsonSerializer.Deserialize<FraudFlag>(t, BlockEntryJson.Options)!)];

    public Task<bool> RemoveFlagAsync(string key) => redis.RemoveFlagAsync(key);

    public Task<long> FlagCountAsync() => redis.FlagCountAsync();
}

/// <summary>
/// Counts the fraud signals on every claim by an end user, flags an entity whose count reaches its
/// threshold, and (when <see cref="FraudOptions.AutoBlock"/> is on) blocks it for a while. Observing
/// never holds a claim up: on Redis it runs beside the request, and its failures are logged, not answered.
/// </summary>
public sealed partial class FraudSignals
{
    /// <summary>A flag already stored is written again (count, last seen) at most this often per node.</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    private readonly ISignalStore _store;
    private readonly Blocklist _blocklist;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly FraudOptions _options;
    private readonly ILogger<FraudSignals> _logger;
    private readonly Counter<long> _flagged;
    private readonly ConcurrentDictionary<string, long> _written = new(StringComparer.Ordinal);
    private readonly string _node = Guid.NewGuid().ToString("N")[..8];
    private long _sequence;

    public FraudSignals(ISignalStore store, Blocklist blocklist, IAuditLog audit, TimeProvider time, IOptions<ProtectionOptions> options, IMeterFactory meters, ILogger<FraudSignals> logger)
    {
        _store = store;
        _blocklist = blocklist;
        _audit = audit;
        _time = time;
        _options = options.Value.Fraud;
        _logger = logger;
        _flagged = meters.Create("Coupons").CreateCounter<long>("coupons.fraud.flagged", "{entity}", "Entities newly flagged by a fraud signal (signal: " + string.Join(", ", FraudFlag.Signals) + ")");
    }

    public ISignalStore Store => _store;

    /// <summary>Counts a claim of <paramref name="facts"/>; returns when counted (at once in memory).</summary>
    public async Task ObserveClaimAsync(ClientFacts facts)
    {
        if (facts.User is not { } user)
        {
            return;
        }

        // One after another: in memory each is done at once; on Redis this runs beside the request.
        if (_options.DeviceAccounts.Enabled && facts.Device is { } device)
        {
            await CountAsync(FraudFlag.DeviceAccounts, _options.DeviceAccounts, device, user).ConfigureAwait(false);
        }

        if (_options.IpAccounts.Enabled && facts.IpText is { } ip)
        {
            await CountAsync(FraudFlag.IpAccounts, _options.IpAccounts, ip, user).ConfigureAwait(false);
        }

        if (_options.ClaimBurst.Enabled)
        {
            await CountAsync(FraudFlag.ClaimBurst, _options.ClaimBurst, user, _node + ":" + Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }
    }

    /// <summary>Counts a failed code attempt of an end user (<see cref="FraudFlag.CodeGuessing"/>).</summary>
    public async Task ObserveCodeFailureAsync(ClientFacts facts)
    {
        if (_options.CodeGuessing.Enabled && facts.User is { } user)
        {
            await CountAsync(FraudFlag.CodeGuessing, _options.CodeGuessing, user, _node + ":" + Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        }
    }

    /// <summary>Counts a claim without waiting for the count; failures are logged.</summary>
    public void ObserveClaim(ClientFacts facts)
    {
        var observing = ObserveClaimAsync(facts);
        if (!observing.IsCompletedSuccessfully)
        {
            _ = observing.ContinueWith(
                static (task, state) => LogObserveFailed(((FraudSignals)state!)._logger, task.Exception!.GetBaseException()),
                this,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task CountAsync(string signal, SignalSettings settings, string entity, string member)
    {
        // An entity flagged in the last few seconds needs no counting until its flag is due to be
        // written again: the hot entities of an attack are exactly the flagged ones.
        if (_written.TryGetValue(FraudFlag.KeyOf(signal, entity), out var written)
            && _time.GetUtcNow().ToUnixTimeMilliseconds() - written < Refresh.TotalMilliseconds)
        {
            return;
        }

        var most = Math.Clamp(settings.Threshold * 2, 64, 4096);
        var count = await _store.ObserveAsync(signal, entity, member, settings.Window, most).ConfigureAwait(false);
        if (count >= settings.Threshold)
        {
            await FlagAsync(signal, settings, entity, count).ConfigureAwait(false);
        }
    }

    private async Task FlagAsync(string signal, SignalSettings settings, string value, long count)
    {
        var key = FraudFlag.KeyOf(signal, value);
        var now = _time.GetUtcNow();
        if (_written.TryGetValue(key, out var last) && now.ToUnixTimeMilliseconds() - last < Refresh.TotalMilliseconds)
        {
            return;
        }

        _written[key] = now.ToUnixTimeMilliseconds();
        if (_written.Count > _options.MaxFlags * 2)
        {
            _written.Clear();
        }

        var existing = await _store.GetFlagAsync(key).ConfigureAwait(false);
        if (existing is null && await _store.FlagCountAsync().ConfigureAwait(false) >= _options.MaxFlags)
        {
            _flagged.Add(1, new KeyValuePair<string, object?>("signal", signal));
            return;
        }

        var kind = FraudFlag.KindOf(signal)!;
        var autoBlocked = existing?.AutoBlocked ?? false;
        if (_options.AutoBlock && !autoBlocked)
        {
            // The block is the policy's doing, not the claimant's: audited as such.
            AuditScope.Set(new AuditActor("fraud-policy", "system", null));
            var reason = $"automatic: {signal} reached {count} in {settings.Window}";
            await _blocklist.SetAsync(new BlockEntry(kind, value, reason, now, "fraud-policy", now + _options.AutoBlockFor)).ConfigureAwait(false);
            autoBlocked = true;
            LogAutoBlocked(_logger, kind, signal, count);
        }

        await _store.SetFlagAsync(new FraudFlag(
            signal, kind, value, Math.Max(count, existing?.Count ?? 0), settings.Threshold, (long)settings.Window.TotalSeconds,
            existing?.FirstFlaggedAt ?? now, now, autoBlocked)).ConfigureAwait(false);
        if (existing is null)
        {
            _flagged.Add(1, new KeyValuePair<string, object?>("signal", signal));
        }
    }

    /// <summary>Forgets a flag (an admin looked and dismissed it); the entity can be flagged again.</summary>
    public async Task<bool> DismissAsync(string signal, string value)
    {
        var key = FraudFlag.KeyOf(signal, value);
        _written.TryRemove(key, out _);
        var flag = await _store.GetFlagAsync(key).ConfigureAwait(false);
        if (!await _store.RemoveFlagAsync(key).ConfigureAwait(false))
        {
            return false;
        }

        await _audit.AppendAsync(WireNames.Actions.FraudFlagDismissed, key, flag is null ? "flagged" : $"flagged: {flag.Count} in {flag.WindowSeconds} s", null).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting a fraud signal failed; the claim went on")]
    private static partial void LogObserveFailed(ILogger logger, Exception exception);

    // The value (an account, address or device) is not logged: the flag list has it, for admins.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Blocked a {Kind} automatically: {Signal} reached {Count}")]
    private static partial void LogAutoBlocked(ILogger logger, string kind, string signal, long count);
}
