using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Coupons.Embedded;

/// <summary>
/// Reads the stored state back at start, before the store takes requests: every campaign with its
/// counters, then the coupons in ranges of ids that <see cref="Recovery"/> reads on several threads.
/// </summary>
internal static class SqliteRecoveryReader
{
    /// <summary>Reads every campaign with its stored counters (released, refunded, rejected).</summary>
    public static void LoadCampaigns(SqliteConnection connection, Action<CampaignRow, long, long, string?> onCampaign)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, name, discount_kind, amount_off, percent_off, max_discount, threshold, min_order_amount,
                   per_user_limit, claim_starts_at, claim_ends_at, valid_from, valid_to, valid_days,
                   lock_ttl_seconds, status, total_stock, created_at, released, refunded, rejected, code_hash, code_sealed, checkout
            FROM campaigns ORDER BY id
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (scope, stacking) = CheckoutText.Read(reader.IsDBNull(23) ? null : reader.GetString(23));
            var definition = new CampaignDefinition
            {
                Name = reader.GetString(1),
                Discount = Discount.Restore(
                    (DiscountKind)reader.GetInt32(2), reader.GetInt64(3), reader.GetInt32(4),
                    SqliteValues.NullableInt64(reader, 5), reader.GetInt64(6)),
                MinOrderAmount = reader.GetInt64(7),
                PerUserLimit = reader.GetInt32(8),
                ClaimStartsAtMs = SqliteValues.NullableInt64(reader, 9),
                ClaimEndsAtMs = SqliteValues.NullableInt64(reader, 10),
                Validity = new Validity(SqliteValues.NullableInt64(reader, 11), SqliteValues.NullableInt64(reader, 12), reader.IsDBNull(13) ? null : reader.GetInt32(13)),
                LockTtlSeconds = reader.GetInt32(14),
                Code = reader.IsDBNull(21) ? null : new SealedCode(CodeHash.Read(reader.GetFieldValue<byte[]>(21)), reader.GetString(22)),
                Scope = scope,
                Stacking = stacking,
            };
            var row = new CampaignRow(SqliteValues.ReadGuid(reader, 0), definition, (CampaignStatus)reader.GetInt32(15), reader.GetInt64(16), reader.GetInt64(17));
            onCampaign(row, reader.GetInt64(18), reader.GetInt64(19), reader.IsDBNull(20) ? null : reader.GetString(20));
        }
    }

    /// <summary>
    /// Splits the coupons into about <paramref name="count"/> ranges of ids for
    /// <see cref="LoadCouponRange"/>: equal spans of the id space between the lowest and the highest
    /// id. Ids are version 7, time first, so a range is a stretch of claim time; more ranges than
    /// readers lets the readers even out stretches of busier and quieter times. Empty when there
    /// are no coupons.
    /// </summary>
    public static List<CouponRange> SplitCoupons(SqliteConnection connection, int count)
    {
        var db = connection.Handle!;
        if (FirstId(db, "SELECT id FROM coupons ORDER BY id LIMIT 1") is not { } lowest
            || FirstId(db, "SELECT id FROM coupons ORDER BY id DESC LIMIT 1") is not { } highest)
        {
            return [];
        }

        var low = BinaryPrimitives.ReadUInt128BigEndian(lowest);
        var step = ((BinaryPrimitives.ReadUInt128BigEndian(highest) - low) / (UInt128)count) + UInt128.One;
        var ranges = new List<CouponRange>(count);
        byte[]? from = null;
        for (var i = 1; i < count; i++)
        {
            var to = new byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(to, low + (step * (UInt128)(uint)i));
            ranges.Add(new CouponRange(from, to));
            from = to;
        }

        ranges.Add(new CouponRange(from, null));
        return ranges;
    }

    /// <summary>
    /// Reads the coupons of one range in id order (which is claim order) on a read-only connection
    /// of its own, so that several ranges can be read at once. Uses SQLite's own API rather than
    /// ADO.NET: recovery time is time the service is not ready, and the ADO.NET reader's per-column
    /// calls cost several times more.
    /// </summary>
    public static void LoadCouponRange(string databasePath, CouponRange range, ICouponRowSink sink)
    {
        // Opened without SQLite's connection mutex: this connection is used by this thread only, and
        // the mutex taken on every column read was a tenth of the time.
        var opened = raw.sqlite3_open_v2(databasePath, out var db, raw.SQLITE_OPEN_READONLY | raw.SQLITE_OPEN_NOMUTEX, null);
        using var closing = db;
        Check(opened, db);
        // Pages read through a memory map are not copied into SQLite's cache: a tenth less time.
        Check(raw.sqlite3_exec(db, "PRAGMA mmap_size=" + new FileInfo(databasePath).Length.ToString(CultureInfo.InvariantCulture)), db);
        var sql = "SELECT id, campaign_id, user_id, claimed_at, idempotency_key, status, valid_from, valid_to, " +
            "order_id, order_amount, lock_expires_at, used_at, refunded_order_id, order_shipping, order_discount FROM coupons" +
            (range.From, range.To) switch
            {
                (null, null) => "",
                (null, _) => " WHERE id < ?1",
                (_, null) => " WHERE id >= ?1",
                _ => " WHERE id >= ?1 AND id < ?2",
            } + " ORDER BY id";
        Check(raw.sqlite3_prepare_v2(db, sql, out var statement), db);
        using (statement)
        {
            var parameter = 1;
            foreach (var bound in (ReadOnlySpan<byte[]?>)[range.From, range.To])
            {
                if (bound is not null)
                {
                    Check(raw.sqlite3_bind_blob(statement, parameter++, bound), db);
                }
            }

            var added = false;
            statement.DangerousAddRef(ref added);
            try
            {
                ReadRows(statement.DangerousGetHandle(), sink, db);
            }
            finally
            {
                if (added)
                {
                    statement.DangerousRelease();
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadRows(IntPtr statement, ICouponRowSink sink, sqlite3 db)
    {
        int step;
        while ((step = SqliteNative.sqlite3_step(statement)) == raw.SQLITE_ROW)
        {
            var state = new CouponState
            {
                Status = (CouponStatus)SqliteNative.sqlite3_column_int(statement, 5),
                ValidFromMs = SqliteNative.sqlite3_column_int64(statement, 6),
                ValidToMs = SqliteNative.sqlite3_column_int64(statement, 7),
                OrderId = NullableText(statement, 8),
                OrderAmount = SqliteNative.sqlite3_column_int64(statement, 9),
                LockExpiresAtMs = SqliteNative.sqlite3_column_int64(statement, 10),
                UsedAtMs = SqliteNative.sqlite3_column_int64(statement, 11),
                RefundedOrderId = NullableText(statement, 12),
                OrderShipping = SqliteNative.sqlite3_column_int64(statement, 13),
                OrderDiscount = SqliteNative.sqlite3_column_type(statement, 14) == raw.SQLITE_NULL ? null : SqliteNative.sqlite3_column_int64(statement, 14),
            };

            sink.Add(new CouponRow(
                Id(statement, 0), Id(statement, 1), Encoding.UTF8.GetString(SqliteNative.Blob(statement, 2)),
                SqliteNative.sqlite3_column_int64(statement, 3), NullableText(statement, 4), state));
        }

        if (step != raw.SQLITE_DONE)
        {
            Check(step, db);
        }
    }

    private static Guid Id(IntPtr statement, int column)
    {
        var bytes = SqliteNative.Blob(statement, column);
        return bytes.Length == 16
            ? new Guid(bytes, bigEndian: true)
            : throw new InvalidDataException($"a stored id has {bytes.Length} bytes, not 16");
    }

    private static string? NullableText(IntPtr statement, int column) =>
        SqliteNative.sqlite3_column_type(statement, column) == raw.SQLITE_NULL ? null : Encoding.UTF8.GetString(SqliteNative.Blob(statement, column));

    private static byte[]? FirstId(sqlite3 db, string sql)
    {
        Check(raw.sqlite3_prepare_v2(db, sql, out var statement), db);
        using (statement)
        {
            var step = raw.sqlite3_step(statement);
            if (step == raw.SQLITE_ROW)
            {
                return raw.sqlite3_column_blob(statement, 0).ToArray();
            }

            if (step != raw.SQLITE_DONE)
            {
                Check(step, db);
            }

            return null;
        }
    }

    private static void Check(int result, sqlite3 db)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), result);
        }
    }
}

/// <summary>Ids from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive), both stored big-endian; null for no bound.</summary>
internal sealed record CouponRange(byte[]? From, byte[]? To);

/// <summary>Takes the rows <see cref="SqliteRecoveryReader.LoadCouponRange"/> reads, one at a time.</summary>
internal interface ICouponRowSink
{
    void Add(in CouponRow row);
}

/// <summary>A coupon row as read back at recovery.</summary>
internal readonly record struct CouponRow(Guid Id, Guid CampaignId, string UserId, long ClaimedAtMs, string? IdempotencyKey, CouponState State);
