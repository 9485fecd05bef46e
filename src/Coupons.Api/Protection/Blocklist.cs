using Coupons.Core;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Protection;

/// <summary>
/// The blocklist this node matches requests against: a snapshot, replaced whole after every change
/// made here and, for changes made on other nodes, within <see cref="ProtectionOptions.BlocklistRefresh"/>.
/// </summary>
public sealed class Blocklist(IBlocklistStore store, IAuditLog audit, TimeProvider time, IOptions<ProtectionOptions> options)
{
    private readonly SemaphoreSlim _changes = new(1, 1);
    private BlockSet _current = BlockSet.Empty;
    private long _version = -1;

    public BlockSet Current => Volatile.Read(ref _current);

    /// <summary>Reads the list again when its version moved (or always, when <paramref name="force"/>).</summary>
    public async Task RefreshAsync(bool force = false)
    {
        if (!force && await store.VersionAsync().ConfigureAwait(false) == Volatile.Read(ref _version))
        {
            return;
        }

        var (version, entries) = await store.ReadAsync().ConfigureAwait(false);
        Volatile.Write(ref _current, new BlockSet(entries));
        Volatile.Write(ref _version, version);
    }

    /// <summary>Adds or replaces an entry; false when the list is full. Entries that have lapsed are dropped on the way.</summary>
    public async Task<(bool Added, bool Replaced)> SetAsync(BlockEntry entry)
    {
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            await RefreshAsync(force: true).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var lapsed = Current.Entries.Where(e => !e.IsLive(now)).Select(e => e.Key).ToList();
            if (lapsed.Count > 0)
            {
                await store.RemoveAsync(lapsed).ConfigureAwait(false);
            }

            var replaced = Current.Entries.Any(e => e.Key == entry.Key && e.IsLive(now));
            if (!replaced && Current.Entries.Count - lapsed.Count >= options.Value.MaxBlocklistEntries)
            {
                return (false, false);
            }

            var previous = Current.Entries.FirstOrDefault(e => e.Key == entry.Key && e.IsLive(now));
            await store.SetAsync(entry).ConfigureAwait(false);
            await RefreshAsync(force: true).ConfigureAwait(false);
            // After the change: an audit entry never tells of a block that was not made.
            await audit.AppendAsync(WireNames.Actions.BlocklistAdded, entry.Key, previous is null ? null : Describe(previous), Describe(entry)).ConfigureAwait(false);
            return (true, replaced);
        }
        finally
        {
            _changes.Release();
        }
    }

    private static string Describe(BlockEntry entry) =>
        "blocked" + (entry.ExpiresAt is { } until ? " until " + until.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : string.Empty)
        + (entry.Reason is { } reason ? ": " + reason : string.Empty);

    /// <summary>Removes an entry; false when there was none.</summary>
    public async Task<bool> RemoveAsync(string kind, string value)
    {
        await _changes.WaitAsync().ConfigureAwait(false);
        try
        {
            var key = BlockEntry.KeyOf(kind, value);
            var previous = Current.Entries.FirstOrDefault(e => e.Key == key);
            var removed = await store.RemoveAsync([key]).ConfigureAwait(false) > 0;
            await RefreshAsync(force: true).ConfigureAwait(false);
            if (removed)
            {
                await audit.AppendAsync(WireNames.Actions.BlocklistRemoved, key, previous is null ? "blocked" : Describe(previous), null).ConfigureAwait(false);
            }

            return removed;
        }
        finally
        {
            _changes.Release();
        }
    }
}

/// <summary>How an entry reads in the audit log.</summary>
/// <summary>Loads the blocklist at start and follows other nodes' changes.</summary>
internal sealed partial class BlocklistRefresher(Blocklist blocklist, IOptions<ProtectionOptions> options, TimeProvider time, ILogger<BlocklistRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.BlocklistRefresh, time);
        var failing = false;
        do
        {
            try
            {
                await blocklist.RefreshAsync().ConfigureAwait(false);
                failing = false;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever failed (an unreachable store, a bad entry): a refresher that threw would
                // stop the whole node; the last list read stays in force instead.
                if (!failing)
                {
                    LogRefreshFailed(logger, exception);
                }

                failing = true;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the blocklist failed; the last one read stays in force until it can be read again")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
