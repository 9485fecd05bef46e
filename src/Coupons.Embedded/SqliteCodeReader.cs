using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>
/// Reads codes from disk for the few operations that need what memory does not hold: a campaign's
/// codes with their sealed forms (listing), and a coupon by its own code's hash (lookup). One
/// read-only connection, opened on first use and used under a lock: WAL lets it read while the
/// writer writes, and it sees every committed change, so everything answered before is there.
/// </summary>
internal sealed class SqliteCodeReader(string databasePath) : IDisposable
{
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;
    private SqliteCommand? _findCoupon;

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

    /// <summary>The ids of the coupons whose own code has <paramref name="hash"/> (one, but for a one-in-2⁵⁹ chance).</summary>
    public List<Guid> FindCoupons(CodeHash hash)
    {
        lock (_gate)
        {
            if (_findCoupon is null)
            {
                _findCoupon = Connection().CreateCommand();
                _findCoupon.CommandText = "SELECT id FROM coupons WHERE code_hash = $hash";
                _findCoupon.Parameters.Add("$hash", SqliteType.Blob);
            }

            _findCoupon.Parameters[0].Value = hash.ToBytes();
            var ids = new List<Guid>(1);
            using var reader = _findCoupon.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(SqliteValues.ReadGuid(reader, 0));
            }

            return ids;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _findCoupon?.Dispose();
            _connection?.Dispose();
            _findCoupon = null;
            _connection = null;
        }
    }

    private SqliteConnection Connection() => _connection ??= SqliteSchema.OpenReadOnly(databasePath);
}
