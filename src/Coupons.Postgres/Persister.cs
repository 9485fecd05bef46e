using Coupons.Core;
using Coupons.Redis.Layout;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres;

/// <summary>
/// Drains the Redis event streams into PostgreSQL. Each stream is read through one consumer group
/// shared by every persister; a batch is written to its shards, one transaction per shard
/// (<see cref="EventRows"/>), and acknowledged only after every transaction committed. Entries
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

    private readonly IDatabase _redis;
    private readonly RedisKeys _keys;
    private readonly NpgsqlDataSource[] _shards;
    private readonly PersisterSettings _settings;
    private readonly HashSet<string> _groupsMade = new(StringComparer.Ordinal);

    /// <param name="redis">The Redis the store keeps its state in.</param>
    /// <param name="keys">The store's key layout (its prefix), where the streams are listed.</param>
    public Persister(IConnectionMultiplexer redis, RedisKeys keys, PostgresOptions postgres, PersisterSettings settings)
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
    }

    /// <summary>Rows written to PostgreSQL since this persister started (including rows a higher version had already passed).</summary>
    public long Stored { get; private set; }

    /// <summary>
    /// Reads, stores and acknowledges what is waiting in every stream, one batch per stream; returns
    /// the entries handled. Cancelling stops before the next stream is read; a batch stored is
    /// still acknowledged.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var handled = 0;
        foreach (var stream in await _redis.SetMembersAsync(_keys.Streams).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = (string)stream!;
            var entries = await ReadAsync(key).ConfigureAwait(false);
            if (entries.Length == 0)
            {
                continue;
            }

            var events = entries.Select(StreamEvent.Of).ToArray();
            await StoreAsync(key, events, cancellationToken).ConfigureAwait(false);
            await IndexClaimsAsync(events).ConfigureAwait(false);
            await _redis.StreamAcknowledgeAsync(key, Group, [.. entries.Select(e => e.Id)]).ConfigureAwait(false);
            handled += entries.Length;
        }

        return handled;
    }

    /// <summary>Entries not yet stored: those no persister has read, and those read but not acknowledged.</summary>
    public async Task<long> LagAsync(CancellationToken cancellationToken = default)
    {
        long lag = 0;
        foreach (var stream in await _redis.SetMembersAsync(_keys.Streams).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = (string)stream!;
            await EnsureGroupAsync(key).ConfigureAwait(false);
            var groups = await _redis.StreamGroupInfoAsync(key).ConfigureAwait(false);
            var group = groups.Single(g => g.Name == Group);
            // Redis 7 gives the unread count as "lag"; it is null when Redis cannot tell (entries deleted).
            lag += group.PendingMessageCount + (group.Lag ?? await _redis.StreamLengthAsync(key).ConfigureAwait(false));
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
    /// First what this persister read and could not store (PostgreSQL was down), then what others
    /// read and left, then what nobody has read yet.
    /// </summary>
    private async Task<StreamEntry[]> ReadAsync(string key)
    {
        await EnsureGroupAsync(key).ConfigureAwait(false);
        var mine = await _redis.StreamReadGroupAsync(key, Group, _settings.Consumer, "0-0", _settings.BatchSize).ConfigureAwait(false);
        var taken = await _redis.StreamAutoClaimAsync(
            key, Group, _settings.Consumer, (long)_settings.TakeOverAfter.TotalMilliseconds, "0-0", _settings.BatchSize).ConfigureAwait(false);
        var fresh = await _redis.StreamReadGroupAsync(key, Group, _settings.Consumer, ">", _settings.BatchSize).ConfigureAwait(false);
        return [.. mine.Concat(taken.ClaimedEntries).Concat(fresh).Where(e => !e.IsNull).DistinctBy(e => e.Id)];
    }

    private async Task EnsureGroupAsync(string key)
    {
        if (_groupsMade.Contains(key))
        {
            return;
        }

        try
        {
            await _redis.StreamCreateConsumerGroupAsync(key, Group, "0-0", createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Made by another persister: the group is shared.
        }

        _groupsMade.Add(key);
    }

    /// <summary>
    /// Puts every claimed coupon in its owner's list again. The node that made the claim wrote it
    /// there before answering, but a node that died between the claim's script and that write left
    /// it out; the list lives in the user's own slot, so the script itself cannot write it.
    /// </summary>
    private async Task IndexClaimsAsync(StreamEvent[] events)
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

    private async Task StoreAsync(string stream, StreamEvent[] events, CancellationToken cancellationToken)
    {
        var byShard = new List<NpgsqlBatchCommand>?[_shards.Length];
        foreach (var change in events)
        {
            // The change's audit entry goes in the same transaction as its row.
            EventRows.AddTo(byShard[EventRows.ShardOf(change, _shards.Length)] ??= [], stream, change);
        }

        for (var shard = 0; shard < _shards.Length; shard++)
        {
            if (byShard[shard] is not { } commands)
            {
                continue;
            }

            await using var connection = await _shards[shard].OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var command in commands)
            {
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            Stored += commands.Count;
        }
    }
}
