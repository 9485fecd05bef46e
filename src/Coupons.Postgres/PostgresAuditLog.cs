using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Coupons.Core;
using Coupons.Redis.Layout;
using Npgsql;

namespace Coupons.Postgres;

/// <summary>
/// The scale-out audit log: entries travel with the changes' events through the Redis streams and
/// the persisters into an append-only table on the shards (a coupon's beside its row, the rest on
/// shard 0). Reads ask every shard and merge, newest first; an entry is readable once persisted.
/// Entries of changes kept outside the store (the blocklist, fraud flags) are appended to a stream
/// of their own (<see cref="AuditStream"/>) and travel the same way. A query is a request's call of
/// PostgreSQL, so it goes through <see cref="PostgresGuard"/>: bounded, behind a circuit breaker.
/// </summary>
public sealed class PostgresAuditLog : IAuditLog, IAsyncDisposable
{
    private readonly AuditStream _stream;
    private readonly NpgsqlDataSource[] _shards;
    private readonly PostgresGuard _guard;

    public PostgresAuditLog(AuditStream stream, PostgresOptions postgres)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(postgres);
        _stream = stream;
        _shards = [.. postgres.Shards.Select(s => NpgsqlDataSource.Create(PostgresGuard.Bounded(s, postgres.Timeout)))];
        _guard = new PostgresGuard(postgres);
    }

    public ValueTask AppendAsync(string action, string subject, string? before, string? after, CancellationToken cancellationToken = default) =>
        _stream.AppendAsync(action, subject, before, after, cancellationToken);

    public async ValueTask<(IReadOnlyList<AuditEntry> Items, string? NextCursor)> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (_shards.Length == 0)
        {
            throw new StorageUnavailableException("the audit log is kept in PostgreSQL, and no Coupons:Postgres:Shards are configured");
        }

        var after = ParseCursor(query.Cursor);
        var pages = await _guard.RunAsync(
            token => Task.WhenAll(_shards.Select(shard => QueryShardAsync(shard, query, after, token))),
            cancellationToken).ConfigureAwait(false);
        var merged = pages.SelectMany(p => p)
            .OrderByDescending(e => e.AtMs)
            .ThenByDescending(e => e.Id, StringComparer.Ordinal)
            .Take(query.Limit + 1)
            .ToList();
        var next = merged.Count > query.Limit ? FormatCursor(merged[query.Limit - 1]) : null;
        return (merged.Count > query.Limit ? merged[..query.Limit] : merged, next);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var shard in _shards)
        {
            await shard.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<List<AuditEntry>> QueryShardAsync(NpgsqlDataSource shard, AuditQuery query, (long At, string Id)? after, CancellationToken cancellationToken)
    {
        await using var command = shard.CreateCommand();
        var where = new List<string>();
        void Filter(string clause, object? value)
        {
            if (value is not null)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
                where.Add(clause.Replace("$", "$" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
            }
        }

        Filter("subject = $", query.Subject);
        Filter("actor_id = $", query.ActorId);
        Filter("owner = $", query.Owner);
        Filter("campaign_id = $", query.CampaignId);
        Filter("action = $", query.Action);
        Filter("at >= $", query.FromMs);
        Filter("at < $", query.ToMs);
        if (after is { } cursor)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = cursor.At });
            command.Parameters.Add(new NpgsqlParameter { Value = cursor.Id });
            where.Add(string.Create(CultureInfo.InvariantCulture, $"(at, id) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})"));
        }

        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit + 1 });
        command.CommandText = "SELECT id, at, actor_id, actor_role, actor_ip, action, subject, campaign_id, owner, order_id, before, after FROM audit"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty)
            + string.Create(CultureInfo.InvariantCulture, $" ORDER BY at DESC, id DESC LIMIT ${command.Parameters.Count}");
        var entries = new List<AuditEntry>();
        NpgsqlDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The persister applies the schema when it starts: until then nothing has been stored.
            return entries;
        }

        await using var _ = reader;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new AuditEntry(
                reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), StringOrNull(reader, 4), reader.GetString(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetGuid(7), StringOrNull(reader, 8), StringOrNull(reader, 9), StringOrNull(reader, 10), StringOrNull(reader, 11)));
        }

        return entries;
    }

    private static string? StringOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>The cursor is the time and id of the last entry given (opaque to clients).</summary>
    private static string FormatCursor(AuditEntry entry) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(entry.AtMs.ToString(CultureInfo.InvariantCulture) + "\n" + entry.Id));

    private static (long At, string Id)? ParseCursor(string? cursor)
    {
        if (cursor is null)
        {
            return null;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('\n', 2);
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
            {
                return (at, parts[1]);
            }
        }
        catch (FormatException)
        {
        }

        throw new ArgumentException("not a cursor of this audit log", nameof(cursor));
    }
}
