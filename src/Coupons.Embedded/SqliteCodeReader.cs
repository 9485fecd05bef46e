using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>
/// Reads codes from disk for what memory does not hold: a campaign's codes with their sealed forms
/// (listing), on one read-only connection, opened on first use and used under a lock: WAL lets it
/// read while the writer writes, and it sees every committed change, so everything answered before
/// is there. And every coupon's own code once at open (<see cref="ScanOwnCodes"/>).
/// </summary>
internal sealed class SqliteCodeReader(string databasePath) : IDisposable
{
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;

    /// <summary>Up to <paramref name="limit"/> of a campaign's codes after <paramref name="after"/>, by job then index.</summary>
    public List<CodeEntry> List(Guid campaignId, CodeStatus? status, CodeCursor? after, int limit)
    {
        lock (_gate)
        {
            using var command = Connection().CreateCommand();
            // Jobs in id order, each one's codes in index order; after a cursor, its job's codes from
            // past its index and later jobs' from their start (a bound on each job's key range, not a filter).
            command.CommandText = "SELECT j.job_id, c.idx, c.hash, c.sealed, c.user_id, c.coupon_id, c.claimed_at FROM code_jobs j JOIN codes c ON c.job = j.number"
                + (after is null ? " WHERE" : " AND c.idx > (CASE WHEN j.job_id = $job THEN $idx ELSE -1 END) WHERE j.job_id >= $job AND")
                + " j.campaign_id = $campaign"
                + status switch
                {
                    CodeStatus.Available => " AND c.coupon_id IS NULL",
                    CodeStatus.Claimed => " AND c.coupon_id IS NOT NULL",
                    _ => string.Empty,
                }
                + " ORDER BY j.job_id, c.idx LIMIT $limit";
            command.Parameters.AddWithValue("$campaign", SqliteValues.ToBytes(campaignId));
            if (after is { } cursor)
            {
                command.Parameters.AddWithValue("$job", SqliteValues.ToBytes(cursor.JobId));
                command.Parameters.AddWithValue("$idx", cursor.Index);
            }

            command.Parameters.AddWithValue("$limit", limit);
            var entries = new List<CodeEntry>(limit);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                entries.Add(new CodeEntry(
                    SqliteValues.ReadGuid(reader, 0), reader.GetInt64(1), CodeHash.Read(reader.GetFieldValue<byte[]>(2)), reader.GetFieldValue<byte[]>(3),
                    SqliteValues.NullableString(reader, 4), reader.IsDBNull(5) ? null : SqliteValues.ReadGuid(reader, 5), SqliteValues.NullableInt64(reader, 6)));
            }

            return entries;
        }
    }

    /// <summary>
    /// Reads every coupon's own code's hash with its id, on a connection of its own (WAL: it reads
    /// a snapshot while the writer goes on), for <see cref="OwnCodeIndex.Load"/>; returns how many.
    /// </summary>
    public static int ScanOwnCodes(string databasePath, Action<CodeHash, Guid> add)
    {
        ArgumentNullException.ThrowIfNull(add);
        using var connection = SqliteSchema.OpenReadOnly(databasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, code_hash FROM coupons WHERE code_hash IS NOT NULL";
        using var reader = command.ExecuteReader();
        var read = 0;
        for (; reader.Read(); read++)
        {
            add(CodeHash.Read(reader.GetFieldValue<byte[]>(1)), SqliteValues.ReadGuid(reader, 0));
        }

        return read;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }

    private SqliteConnection Connection() => _connection ??= SqliteSchema.OpenReadOnly(databasePath);
}
