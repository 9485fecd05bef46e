using System.Globalization;
using Coupons.Core;
using Coupons.Redis;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres;

/// <summary>
/// Drains the Redis event streams into PostgreSQL. Each stream is read through one consumer group
/// shared by every persister; a batch is written to its shards, one transaction per shard, and
/// acknowledged only after every transaction committed. Entries another persister read and never
/// acknowledged (it died) are taken over once idle for <see cref="PersisterSettings.TakeOverAfter"/>.
/// </summary>
/// <remarks>
/// Every event carries its whole row and a version, and a row is only ever replaced by a higher
/// version. So an event stored twice (a persister died after commit, before acknowledging) or late
/// (taken over after a newer one was stored) changes nothing: nothing is lost, nothing doubled.
/// </remarks>
public sealed class Persister : IAsyncDisposable
{
    public const string Group = "persisters";

    private const string UpsertCoupon = """
        INSERT INTO coupons (id, campaign_id, user_id, claimed_at, idempotency_key, valid_from, valid_to, status,
                             order_id, order_amount, lock_expires_at, used_at, refunded_order_id, version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, order_id = excluded.order_id,
            order_amount = excluded.order_amount, lock_expires_at = excluded.lock_expires_at,
            used_at = excluded.used_at, refunded_order_id = excluded.refunded_order_id, version = excluded.version
        WHERE coupons.version < excluded.version
        """;

    private const string UpsertCampaign = """
        INSERT INTO campaigns (id, name, discount_kind, amount_off, percent_off, max_discount, threshold, min_order_amount,
                               per_user_limit, claim_starts_at, claim_ends_at, valid_from, valid_to, valid_days,
                               lock_ttl_seconds, created_at, status, total_stock, version)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, total_stock = excluded.total_stock, version = excluded.version
        WHERE campaigns.version < excluded.version
        """;

    private const string InsertAudit = """
        INSERT INTO audit (id, at, actor_id, actor_role, actor_ip, action, subject, campaign_id, owner, order_id, before, after)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (id) DO NOTHING
        """;

    private readonly IDatabase _redis;
    private readonly RedisKeys _keys;
    private readonly NpgsqlDataSource[] _shards;
    private readonly PersisterSettings _settings;
    private readonly HashSet<string> _groupsMade = new(StringComparer.Ordinal);

    public Persister(IConnectionMultiplexer redis, RedisStoreOptions redisOptions, PostgresOptions postgres, PersisterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(redisOptions);
        ArgumentNullException.ThrowIfNull(postgres);
        ArgumentNullException.ThrowIfNull(settings);
        if (postgres.Shards.Count == 0)
        {
            throw new ArgumentException("Coupons:Postgres:Shards needs at least one connection string", nameof(postgres));
        }

        _redis = redis.GetDatabase();
        _keys = new RedisKeys(redisOptions.KeyPrefix);
        _shards = [.. postgres.Shards.Select(s => NpgsqlDataSource.Create(s))];
        _settings = settings;
    }

    /// <summary>Rows written to PostgreSQL since this persister started (including rows a higher version had already passed).</summary>
    public long Stored { get; private set; }

    /// <summary>Reads, stores and acknowledges what is waiting in every stream, one batch per stream; returns the entries handled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var handled = 0;
        foreach (var stream in await _redis.SetMembersAsync(_keys.Streams).ConfigureAwait(false))
        {
            var key = (string)stream!;
            await EnsureGroupAsync(key).ConfigureAwait(false);
            // First what this persister read and could not store (PostgreSQL was down), then what
            // others read and left, then what nobody has read yet.
            var mine = await _redis.StreamReadGroupAsync(key, Group, _settings.Consumer, "0-0", _settings.BatchSize).ConfigureAwait(false);
            var taken = await _redis.StreamAutoClaimAsync(
                key, Group, _settings.Consumer, (long)_settings.TakeOverAfter.TotalMilliseconds, "0-0", _settings.BatchSize).ConfigureAwait(false);
            var fresh = await _redis.StreamReadGroupAsync(key, Group, _settings.Consumer, ">", _settings.BatchSize).ConfigureAwait(false);
            StreamEntry[] entries = [.. mine.Concat(taken.ClaimedEntries).Concat(fresh).Where(e => !e.IsNull).DistinctBy(e => e.Id)];
            if (entries.Length == 0)
            {
                continue;
            }

            await StoreAsync(key, entries, cancellationToken).ConfigureAwait(false);
            await IndexClaimsAsync(entries).ConfigureAwait(false);
            await _redis.StreamAcknowledgeAsync(key, Group, [.. entries.Select(e => e.Id)]).ConfigureAwait(false);
            handled += entries.Length;
        }

        return handled;
    }

    /// <summary>Entries not yet stored: those no persister has read, and those read but not acknowledged.</summary>
    public async Task<long> LagAsync()
    {
        long lag = 0;
        foreach (var stream in await _redis.SetMembersAsync(_keys.Streams).ConfigureAwait(false))
        {
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
    private async Task IndexClaimsAsync(StreamEntry[] entries)
    {
        var claims = entries.Where(e => e["event"] == WireNames.Claimed).ToList();
        if (claims.Count == 0)
        {
            return;
        }

        var batch = _redis.CreateBatch();
        var writes = claims.Select(e => batch.SortedSetAddAsync(_keys.UserCoupons((string)e["user"]!), e["coupon"], 0)).ToList();
        batch.Execute();
        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    private async Task StoreAsync(string stream, StreamEntry[] entries, CancellationToken cancellationToken)
    {
        var byShard = new List<NpgsqlBatchCommand>?[_shards.Length];
        foreach (var entry in entries)
        {
            var fields = entry.Values.ToDictionary(v => (string)v.Name!, v => v.Value, StringComparer.Ordinal);
            var kind = (string)fields["event"]!;
            var (shard, command) = kind switch
            {
                "campaign" or "status" or "stock" => (0, CampaignCommand(fields)),
                "audit" => (0, null),
                _ => (Shards.For((string)fields["user"]!, _shards.Length), CouponCommand(fields)),
            };
            var commands = byShard[shard] ??= [];
            if (command is not null)
            {
                commands.Add(command);
            }

            // The change's audit entry goes in the same transaction as its row.
            if (Text(fields, AuditField.Name) is { } audit)
            {
                commands.Add(AuditCommand(stream + "/" + entry.Id, kind, fields, AuditField.Decode(audit)));
            }
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

    private static NpgsqlBatchCommand CouponCommand(Dictionary<string, RedisValue> f)
    {
        var command = new NpgsqlBatchCommand(UpsertCoupon);
        Add(command, Id(f, "coupon"), Id(f, "campaign"), (string)f["user"]!, (long)f["claimedAt"], Text(f, "idempotencyKey"),
            (long)f["validFrom"], (long)f["validTo"], (string)f["status"]!, Text(f, "orderId"), Number(f, "orderAmount") ?? 0,
            Number(f, "lockExpiresAt") ?? 0, Number(f, "usedAt") ?? 0, Text(f, "refundedOrderId"), (long)f["version"]);
        return command;
    }

    private static NpgsqlBatchCommand CampaignCommand(Dictionary<string, RedisValue> f)
    {
        var command = new NpgsqlBatchCommand(UpsertCampaign);
        Add(command, Id(f, "campaign"), (string)f["name"]!, (short)(int)f["discountKind"], (long)f["amountOff"], (int)f["percentOff"],
            Number(f, "maxDiscount"), (long)f["threshold"], (long)f["minOrderAmount"], (int)f["perUserLimit"],
            Number(f, "claimStartsAt"), Number(f, "claimEndsAt"), Number(f, "validFrom"), Number(f, "validTo"),
            (int?)Number(f, "validDays"), (int)f["lockTtlSeconds"], (long)f["createdAt"], (string)f["status"]!, (long)f["total"],
            (long)f["version"]);
        return command;
    }

    private static NpgsqlBatchCommand AuditCommand(string id, string kind, Dictionary<string, RedisValue> f, AuditField.Decoded audit)
    {
        string action, subject;
        string? before = audit.Before, after;
        Guid? campaign = f.ContainsKey("campaign") ? Id(f, "campaign") : null;
        string? owner = null;
        switch (kind)
        {
            case "audit":
                (action, subject, before, after) = ((string)f["action"]!, (string)f["subject"]!, Text(f, "before"), Text(f, "after"));
                break;
            case "campaign" or "status" or "stock":
                var status = WireNames.ParseCampaignStatus((string)f["status"]!);
                var total = (long)f["total"];
                (action, before) = kind switch
                {
                    "campaign" => (WireNames.Actions.CampaignCreated, null),
                    "status" => (WireNames.Actions.OfStatusChange(status), AuditText.CampaignState(WireNames.ParseCampaignStatus((string)f["beforeStatus"]!), total)),
                    _ => (WireNames.Actions.CampaignStockAdded, AuditText.CampaignState(status, (long)f["beforeTotal"])),
                };
                subject = campaign!.Value.ToString();
                after = AuditText.CampaignState(status, total);
                break;
            default:
                action = WireNames.Actions.OfCoupon(kind == WireNames.Claimed ? CouponEvents.None : WireNames.ParseEventList(kind));
                subject = Id(f, "coupon").ToString();
                owner = (string)f["user"]!;
                after = AuditText.CouponState(WireNames.ParseCouponStatus((string)f["status"]!), Text(f, "orderId"));
                break;
        }

        var command = new NpgsqlBatchCommand(InsertAudit);
        Add(command, id, audit.AtMs, audit.Actor, audit.Role, audit.Ip, action, subject, campaign, owner, audit.OrderId ?? Text(f, "orderId"), before, after);
        return command;
    }

    private static void Add(NpgsqlBatchCommand command, params object?[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
    }

    private static Guid Id(Dictionary<string, RedisValue> f, string name) => Guid.ParseExact((string)f[name]!, "N");

    private static string? Text(Dictionary<string, RedisValue> f, string name) =>
        f.TryGetValue(name, out var value) && !value.IsNullOrEmpty ? (string?)value : null;

    private static long? Number(Dictionary<string, RedisValue> f, string name) =>
        f.TryGetValue(name, out var value) && !value.IsNullOrEmpty ? long.Parse((string)value!, CultureInfo.InvariantCulture) : null;
}

/// <summary>How a persister reads: its consumer name (unique per persister), batch size, and when it takes over another's entries.</summary>
public sealed class PersisterSettings
{
    public string Consumer { get; set; } = Environment.MachineName + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    public int BatchSize { get; set; } = 512;

    public TimeSpan TakeOverAfter { get; set; } = TimeSpan.FromSeconds(30);
}
