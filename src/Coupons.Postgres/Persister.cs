using System.Collections.Concurrent;
using Coupons.Core;
using Coupons.Redis.Layout;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres;

/// <summary>
/// Drains the Redis event streams into PostgreSQL. Each stream is read through one consumer group
/// shared by every persister; a batch is written to its shards, one transaction per shard
/// (<see cref="EventRows"/>), and acknowledged (and deleted) only after every transaction committed. Entries
/// another persister read and never acknowledged (it died) are taken over once idle for
/// <see cref="PersisterSettings.TakeOverAfter"/>.
/// </summary>
/// <remarks>
/// Every event carries its whole row and a version, and a row is only ever replaced by a higher
/// version. So an event stored twice (a persister died after commit, before acknowledging) or late
/// (taken over after a newer one was stored) changes nothing: nothing is lost, nothing doubled.
/// </remarks>
public sealed class Persister : IAsyncDisposable
{
    public const string Group = "persisters";

    /// <summary>How many streams one round reads, stores and acknowledges together.</summary>
    public const int StreamsPerRound = 128;

    private readonly IDatabase _redis;
    private readonly RedisKeys _keys;
    private readonly NpgsqlDataSource[] _shards;
    private readonly PersisterSettings _settings;
    // Rounds and the lag measured beside them (PersisterService) both make groups.
    private readonly ConcurrentDictionary<string, bool> _groupsMade = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Whether entries this persister read may be left unstored (it started, or a round failed): read again first.</summary>
    private bool _mineLeft = true;

    private long? _tookOverAt;

    /// <summary>Whether a read of this round, of its own entries or of others', filled a whole batch: more may be left.</summary>
    private bool _leftMore;

    /// <param name="redis">The Redis the store keeps its state in.</param>
    /// <param name="keys">The store's key layout (its prefix), where the streams are listed.</param>
    /// <param name="time">When to look for entries others left (<see cref="PersisterSettings.TakeOverAfter"/>); the system's clock by default.</param>
    public Persister(IConnectionMultiplexer redis, RedisKeys keys, PostgresOptions postgres, PersisterSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(postgres);
        ArgumentNullException.ThrowIfNull(settings);
        if (postgres.Shards.Count == 0)
        {
            throw new ArgumentException("Coupons:Postgres:Shards needs at least one connection string", nameof(postgres));
        }

        _redis = redis.GetDatabase();
        _keys = keys;
        _shards = [.. postgres.Shards.Select(s => NpgsqlDataSource.Create(s))];
        _settings = settings;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Rows written to PostgreSQL since this persister started (including rows a higher version had already passed).</summary>
    public long Stored { get; private set; }

    /// <summary>
    /// Reads, stores and acknowledges what is waiting in every stream, <see cref="StreamsPerRound"/>
    /// streams at a time: their reads in one pipeline, their events in one transaction per shard,
    /// their acknowledgements in one pipeline; returns the entries handled. Cancelling stops before
    /// the next streams are read; a batch stored is still acknowledged.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var handled = 0;
        var streams = (await _redis.SetMembersAsync(_keys.Streams).ConfigureAwait(false)).Select(s => (string)s!).ToList();
        var (mine, takeOver) = (_mineLeft, _tookOverAt is not { } at || _time.GetElapsedTime(at) >= _settings.TakeOverAfter / 4);
        (_mineLeft, _leftMore) = (true, false);
        foreach (var round in streams.Chunk(StreamsPerRound))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = await ReadAsync(round, mine, takeOver).ConfigureAwait(false);
            var events = read.SelectMany(r => r.Entries.Select(e => (r.Stream, Event: StreamEvent.Of(e)))).ToList();
            if (events.Count == 0)
            {
                continue;
            }

            using var span = PersisterTracing.StartRound(round.Length, events.Count);
            try
            {
                await StoreAsync(events, cancellationToken).ConfigureAwait(false);
                await IndexClaimsAsync(events.Select(e => e.Event)).ConfigureAwait(false);
                await AcknowledgeAsync(read).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Tracing.Failed(span, exception);
                throw;
            }

            handled += events.Count;
        }

        // Every stream's entries this persister read were stored: none of its own is left to read
        // again, and none of others' older than the last look, unless a batch was full.
        _mineLeft = _leftMore && mine;
        _tookOverAt = takeOver && !_leftMore ? _time.GetTimestamp() : _tookOverAt;
        return handled;
    }

    /// <summary>
    /// Acknowledges the entries stored and deletes them from their streams, in one pipeline: the
    /// group is the streams' only reader, so an entry in PostgreSQL needs no memory in Redis (a
    /// million generated codes are a hundred megabytes of entries until then).
    /// </summary>
    private async Task AcknowledgeAsync(List<(string Stream, StreamEntry[] Entries)> read)
    {
        var batch = _redis.CreateBatch();
        var done = read.Where(r => r.Entries.Length > 0).SelectMany(r =>
        {
            RedisValue[] ids = [.. r.Entries.Select(e => e.Id)];
            return new Task[] { batch.StreamAcknowledgeAsync(r.Stream, Group, ids), batch.StreamDeleteAsync(r.Stream, ids) };
        }).ToList();
        batch.Execute();
        await Task.WhenAll(done).ConfigureAwait(false);
    }

    /// <summary>Entries not yet stored: those no persister has read, and those read but not acknowledged.</summary>
    public async Task<long> LagAsync(CancellationToken cancellationToken = default)
    {
        long lag = 0;
        var streams = (await _redis.SetMembersAsync(_keys.Streams).ConfigureAwait(false)).Select(s => (string)s!).ToList();
        foreach (var round in streams.Chunk(StreamsPerRound))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await EnsureGroupsAsync(round).ConfigureAwait(false);
            var batch = _redis.CreateBatch();
            var infos = round.Select(key => (Key: key, Groups: batch.StreamGroupInfoAsync(key))).ToList();
            batch.Execute();
            foreach (var (key, groups) in infos)
            {
                var group = (await groups.ConfigureAwait(false)).Single(g => g.Name == Group);
                // Redis 7 gives the unread count as "lag"; it is null when Redis cannot tell (entries
                // deleted), and then the stream's length is the lag: only stored entries are deleted.
                lag += group.Lag is { } unread ? group.PendingMessageCount + unread : await _redis.StreamLengthAsync(key).ConfigureAwait(false);
            }
        }

        return lag;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var shard in _shards)
        {
            await shard.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// For each stream, first what this persister read and could not store (PostgreSQL was down:
    /// only after a round failed, or at start), then what others read and left (every quarter of
    /// <see cref="PersisterSettings.TakeOverAfter"/>), then what nobody has read yet: every stream's
    /// reads in one pipeline (a node runs each stream's in order).
    /// </summary>
    private async Task<List<(string Stream, StreamEntry[] Entries)>> ReadAsync(string[] streams, bool mine, bool takeOver)
    {
        await EnsureGroupsAsync(streams).ConfigureAwait(false);
        var batch = _redis.CreateBatch();
        var none = Task.FromResult(Array.Empty<StreamEntry>());
        var reads = streams.Select(key => (
            Key: key,
            Mine: mine ? batch.StreamReadGroupAsync(key, Group, _settings.Consumer, "0-0", _settings.BatchSize) : none,
            Taken: takeOver ? batch.StreamAutoClaimAsync(key, Group, _settings.Consumer, (long)_settings.TakeOverAfter.TotalMilliseconds, "0-0", _settings.BatchSize) : null,
            Fresh: batch.StreamReadGroupAsync(key, Group, _settings.Consumer, ">", _settings.BatchSize))).ToList();
        batch.Execute();
        var result = new List<(string Stream, StreamEntry[] Entries)>(reads.Count);
        foreach (var (key, own, taken, fresh) in reads)
        {
            var (left, takenOver) = (await own.ConfigureAwait(false), taken is null ? [] : (await taken.ConfigureAwait(false)).ClaimedEntries);
            _leftMore |= left.Length >= _settings.BatchSize || takenOver.Length >= _settings.BatchSize;
            var entries = left.Concat(takenOver).Concat(await fresh.ConfigureAwait(false));
            result.Add((key, [.. entries.Where(e => !e.IsNull).DistinctBy(e => e.Id)]));
        }

        return result;
    }

    private async Task EnsureGroupsAsync(string[] streams)
    {
        foreach (var key in streams.Where(k => !_groupsMade.ContainsKey(k)))
        {
            try
            {
                await _redis.StreamCreateConsumerGroupAsync(key, Group, "0-0", createStream: true).ConfigureAwait(false);
            }
            catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
            {
                // Made by another persister: the group is shared.
            }

            _groupsMade[key] = true;
        }
    }

    /// <summary>
    /// Puts every claimed coupon in its owner's list again. The node that made the claim wrote it
    /// there before answering, but a node that died between the claim's script and that write left
    /// it out; the list lives in the user's own slot, so the script itself cannot write it.
    /// </summary>
    private async Task IndexClaimsAsync(IEnumerable<StreamEvent> events)
    {
        var claims = events.Where(e => e.Kind == EventKind.CouponClaimed).ToList();
        if (claims.Count == 0)
        {
            return;
        }

        var batch = _redis.CreateBatch();
        var writes = claims.Select(e => batch.SortedSetAddAsync(
            _keys.UserCoupons(e.Values.Text(CouponRecord.Fields.User)), e.Values.Text(StreamEvent.Fields.Coupon), 0)).ToList();
        batch.Execute();
        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    private async Task StoreAsync(List<(string Stream, StreamEvent Event)> events, CancellationToken cancellationToken)
    {
        var byShard = events.GroupBy(e => EventRows.ShardOf(e.Event, _shards.Length)).OrderBy(g => g.Key);
        foreach (var shard in byShard)
        {
            try
            {
                await StoreAsync(shard.Key, shard, copyCodes: true, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A code copied in was stored already (its event delivered again): the same rows, passing over those.
                await StoreAsync(shard.Key, shard, copyCodes: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One shard's events in one transaction: generated codes first (copied in, or inserted), then every other row.</summary>
    private async Task StoreAsync(int shard, IEnumerable<(string Stream, StreamEvent Event)> events, bool copyCodes, CancellationToken cancellationToken)
    {
        var commands = new ShardCommands();
        var count = 0;
        foreach (var (stream, change) in events)
        {
            // The change's audit entry goes in the same transaction as its row.
            EventRows.AddTo(commands, stream, change);
            count++;
        }

        using var span = PersisterTracing.StartBatch(shard, count);
        try
        {
            await StoreAsync(_shards[shard], commands, copyCodes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Tracing.Failed(span, exception);
            throw;
        }
    }

    private async Task StoreAsync(NpgsqlDataSource shard, ShardCommands commands, bool copyCodes, CancellationToken cancellationToken)
    {
        await using var connection = await shard.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var copied = copyCodes && commands.Codes.Count > 0;
        if (copied)
        {
            await CodeRows.CopyAsync(connection, commands.Codes, cancellationToken).ConfigureAwait(false);
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in commands.Finish(copied))
        {
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Stored += batch.BatchCommands.Count + (copied ? commands.Codes.Count : 0);
    }
}
