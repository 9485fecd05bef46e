using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Coupons.Core;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Coupons.Embedded;

/// <summary>
/// The durable record: SQLite in WAL mode with <c>synchronous=FULL</c>, so a committed transaction
/// survives <c>kill -9</c> and power loss. Rows hold the latest state of each campaign and coupon;
/// recovery reads them back. Used by one thread at a time (recovery, then the group-commit writer).
/// </summary>
internal sealed class SqliteJournal : IDisposable
{
    private const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;
    private readonly NativeStatement _begin;
    private readonly NativeStatement _commit;
    private readonly NativeStatement _rollback;
    private readonly NativeStatement _upsertCoupon;
    private readonly NativeStatement _insertAudit;
    private readonly SqliteCommand _upsertCampaign;
    private readonly SqliteCommand _addCounters;
    private readonly SqliteCommand _setRejected;

    public SqliteJournal(EmbeddedStoreOptions options)
    {
        Directory.CreateDirectory(options.DataDir);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL;");
        Execute("PRAGMA synchronous=FULL;");
        // Another process holding the write lock is waited for, as ADO.NET's commands would, rather than failing the batch.
        Execute("PRAGMA busy_timeout=30000;");
        if (options.MaxPageCount is { } maxPages)
        {
            Execute(string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count={maxPages};"));
        }

        CreateSchema();
        _begin = new NativeStatement(_connection, "BEGIN IMMEDIATE");
        _commit = new NativeStatement(_connection, "COMMIT");
        _rollback = new NativeStatement(_connection, "ROLLBACK");
        _upsertCoupon = new NativeStatement(_connection, """
            INSERT INTO coupons (id, campaign_id, user_id, claimed_at, idempotency_key, status, valid_from, valid_to,
                                 order_id, order_amount, lock_expires_at, used_at, refunded_order_id)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, order_id = excluded.order_id,
                order_amount = excluded.order_amount, lock_expires_at = excluded.lock_expires_at,
                used_at = excluded.used_at, refunded_order_id = excluded.refunded_order_id
            """);
        _insertAudit = new NativeStatement(_connection, """
            INSERT INTO audit (at, actor_id, actor_role, actor_ip, action, subject, campaign_id, owner, order_id, before, after)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """);
        _upsertCampaign = Prepare("""
            INSERT INTO campaigns (id, name, discount_kind, amount_off, percent_off, max_discount, threshold,
                                   min_order_amount, per_user_limit, claim_starts_at, claim_ends_at,
                                   valid_from, valid_to, valid_days, lock_ttl_seconds, status, total_stock, created_at)
            VALUES ($id, $name, $discount_kind, $amount_off, $percent_off, $max_discount, $threshold,
                    $min_order_amount, $per_user_limit, $claim_starts_at, $claim_ends_at,
                    $valid_from, $valid_to, $valid_days, $lock_ttl_seconds, $status, $total_stock, $created_at)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, total_stock = excluded.total_stock
            """,
            "$id", "$name", "$discount_kind", "$amount_off", "$percent_off", "$max_discount", "$threshold",
            "$min_order_amount", "$per_user_limit", "$claim_starts_at", "$claim_ends_at",
            "$valid_from", "$valid_to", "$valid_days", "$lock_ttl_seconds", "$status", "$total_stock", "$created_at");
        _addCounters = Prepare(
            "UPDATE campaigns SET released = released + $released, refunded = refunded + $refunded WHERE id = $id",
            "$id", "$released", "$refunded");
        _setRejected = Prepare("UPDATE campaigns SET rejected = $rejected WHERE id = $id", "$id", "$rejected");
    }

    /// <summary>Writes one batch in one transaction; returns once it is committed to disk.</summary>
    /// <remarks>
    /// The transaction is begun and committed by prepared statements rather than an ADO.NET
    /// transaction object (which makes two commands per batch); the ADO.NET commands of the rarer
    /// rows run inside it all the same, the connection having no transaction object of its own.
    /// </remarks>
    public void WriteBatch(List<LogRecord> records, List<CampaignEntry> dirtyCounters)
    {
        _begin.Execute();
        try
        {
            Dictionary<Guid, (long Released, long Refunded)>? counterDeltas = null;
            foreach (var record in records)
            {
                if (record.Campaign is { } campaign)
                {
                    WriteCampaign(campaign);
                }
                else if (record.Coupon is not null)
                {
                    WriteCoupon(record);
                    AddCounterDeltas(ref counterDeltas, record);
                }

                if (record.Audit is { } audit)
                {
                    WriteAudit(audit);
                }
            }

            foreach (var (id, (released, refunded)) in counterDeltas ?? [])
            {
                _addCounters.Parameters[0].Value = ToBytes(id);
                _addCounters.Parameters[1].Value = released;
                _addCounters.Parameters[2].Value = refunded;
                _addCounters.ExecuteNonQuery();
            }

            foreach (var campaign in dirtyCounters)
            {
                _setRejected.Parameters[0].Value = ToBytes(campaign.Id);
                _setRejected.Parameters[1].Value = FormatRejected(campaign.RejectedByCode());
                _setRejected.ExecuteNonQuery();
            }

            _commit.Execute();
        }
        catch
        {
            // Nothing of the batch stays; the log is failed for good by its caller anyway.
            RollbackQuietly();
            throw;
        }
    }

    /// <summary>Reads every campaign with its stored counters (released, refunded, rejected).</summary>
    public void LoadCampaigns(Action<CampaignRow, long, long, string?> onCampaign)
    {
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = """
                SELECT id, name, discount_kind, amount_off, percent_off, max_discount, threshold, min_order_amount,
                       per_user_limit, claim_starts_at, claim_ends_at, valid_from, valid_to, valid_days,
                       lock_ttl_seconds, status, total_stock, created_at, released, refunded, rejected
                FROM campaigns ORDER BY id
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var definition = new CampaignDefinition
                {
                    Name = reader.GetString(1),
                    Discount = Discount.Restore(
                        (DiscountKind)reader.GetInt32(2), reader.GetInt64(3), reader.GetInt32(4),
                        NullableInt64(reader, 5), reader.GetInt64(6)),
                    MinOrderAmount = reader.GetInt64(7),
                    PerUserLimit = reader.GetInt32(8),
                    ClaimStartsAtMs = NullableInt64(reader, 9),
                    ClaimEndsAtMs = NullableInt64(reader, 10),
                    Validity = new Validity(NullableInt64(reader, 11), NullableInt64(reader, 12), reader.IsDBNull(13) ? null : reader.GetInt32(13)),
                    LockTtlSeconds = reader.GetInt32(14),
                };
                var row = new CampaignRow(ReadGuid(reader, 0), definition, (CampaignStatus)reader.GetInt32(15), reader.GetInt64(16), reader.GetInt64(17));
                onCampaign(row, reader.GetInt64(18), reader.GetInt64(19), reader.IsDBNull(20) ? null : reader.GetString(20));
            }
        }

    }

    /// <summary>
    /// Splits the coupons into about <paramref name="count"/> ranges of ids for
    /// <see cref="LoadCouponRange"/>: equal spans of the id space between the lowest and the highest
    /// id. Ids are version 7, time first, so a range is a stretch of claim time; more ranges than
    /// readers lets the readers even out stretches of busier and quieter times. Empty when there
    /// are no coupons.
    /// </summary>
    public List<CouponRange> SplitCoupons(int count)
    {
        var db = _connection.Handle!;
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
            "order_id, order_amount, lock_expires_at, used_at, refunded_order_id FROM coupons" +
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

    public static string FormatRejected(Dictionary<string, long> rejected)
    {
        var text = new StringBuilder();
        foreach (var (code, count) in rejected)
        {
            text.Append(code).Append('=').Append(count.ToString(CultureInfo.InvariantCulture)).Append(';');
        }

        return text.ToString();
    }

    public static IEnumerable<(Outcome Outcome, long Count)> ParseRejected(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }

        var byCode = OutcomeCodes.Refusals.ToDictionary(outcome => outcome.ToCode());
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0
                && byCode.TryGetValue(part[..equals], out var outcome)
                && long.TryParse(part.AsSpan(equals + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                yield return (outcome, count);
            }
        }
    }

    public void Dispose()
    {
        _begin.Dispose();
        _commit.Dispose();
        _rollback.Dispose();
        _upsertCoupon.Dispose();
        _upsertCampaign.Dispose();
        _addCounters.Dispose();
        _setRejected.Dispose();
        _connection.Dispose();
    }

    private void RollbackQuietly()
    {
        try
        {
            _rollback.Execute();
        }
        catch (SqliteException)
        {
            // SQLite may have rolled back already (a full disk does); the first failure is what counts.
        }
    }

    private void WriteCoupon(in LogRecord record)
    {
        var coupon = record.Coupon!;
        var state = record.State;
        var upsert = _upsertCoupon;
        upsert.Bind(1, coupon.Id);
        upsert.Bind(2, coupon.Campaign.Id);
        upsert.Bind(3, coupon.UserId);
        upsert.Bind(4, coupon.ClaimedAtMs);
        upsert.Bind(5, coupon.IdempotencyKey);
        upsert.Bind(6, (int)state.Status);
        upsert.Bind(7, state.ValidFromMs);
        upsert.Bind(8, state.ValidToMs);
        upsert.Bind(9, state.OrderId);
        upsert.Bind(10, state.OrderAmount);
        upsert.Bind(11, state.LockExpiresAtMs);
        upsert.Bind(12, state.UsedAtMs);
        upsert.Bind(13, state.RefundedOrderId);
        upsert.Execute();
    }

    private void WriteAudit(AuditNote note)
    {
        var insert = _insertAudit;
        insert.Bind(1, note.AtMs);
        insert.Bind(2, note.Actor.Id);
        insert.Bind(3, note.Actor.Role);
        insert.Bind(4, note.Actor.Ip);
        insert.Bind(5, note.Action);
        insert.Bind(6, note.Subject);
        if (note.CampaignId is { } campaignId)
        {
            insert.Bind(7, campaignId);
        }
        else
        {
            insert.Bind(7, (string?)null);
        }

        insert.Bind(8, note.Owner);
        insert.Bind(9, note.OrderId);
        insert.Bind(10, note.Before);
        insert.Bind(11, note.After);
        insert.Execute();
    }

    /// <summary>
    /// Reads audit entries, newest first, on a connection of its own (WAL lets it read while the
    /// writer writes). Every filter is optional. The subject filter uses its index; the owner filter
    /// uses the subject index with the ids of the owner's coupons (<paramref name="ownerCoupons"/>);
    /// the actor filter uses the index of entries by services, admins and the system, plus, for an
    /// end user, the subject index with their coupons' ids (<paramref name="actorCoupons"/>): an end
    /// user only ever changes their own coupons.
    /// </summary>
    public static List<AuditEntry> QueryAudit(string databasePath, AuditQuery query, long? beforeSequence, int limit, string? ownerCoupons, string? actorCoupons)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        var where = new List<string>();
        void Filter(string clause, string name, object? value)
        {
            if (value is not null)
            {
                where.Add(clause);
                command.Parameters.AddWithValue(name, value);
            }
        }

        Filter("subject = $subject", "$subject", query.Subject);
        if (query.ActorId is not null)
        {
            Filter(
                "seq IN (SELECT seq FROM audit WHERE actor_id = $actor AND actor_role <> 'user' UNION ALL "
                + "SELECT seq FROM audit WHERE subject IN (SELECT value FROM json_each($actorCoupons)) AND actor_id = $actor AND actor_role = 'user')",
                "$actor",
                query.ActorId);
            command.Parameters.AddWithValue("$actorCoupons", actorCoupons ?? "[]");
        }

        Filter("owner = $owner", "$owner", query.Owner);
        Filter("subject IN (SELECT value FROM json_each($ownerCoupons))", "$ownerCoupons", query.Owner is null ? null : ownerCoupons ?? "[]");
        Filter("campaign_id = $campaign", "$campaign", query.CampaignId is { } campaign ? ToBytes(campaign) : null);
        Filter("action = $action", "$action", query.Action);
        Filter("at >= $from", "$from", query.FromMs);
        Filter("at < $to", "$to", query.ToMs);
        Filter("seq < $before", "$before", beforeSequence);
        command.CommandText = "SELECT seq, at, actor_id, actor_role, actor_ip, action, subject, campaign_id, owner, order_id, before, after FROM audit"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : string.Empty)
            + " ORDER BY seq DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        var entries = new List<AuditEntry>(limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new AuditEntry(
                reader.GetInt64(0).ToString(CultureInfo.InvariantCulture), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), NullableString(reader, 4), reader.GetString(5), reader.GetString(6),
                reader.IsDBNull(7) ? null : ReadGuid(reader, 7), NullableString(reader, 8), NullableString(reader, 9), NullableString(reader, 10), NullableString(reader, 11)));
        }

        return entries;
    }

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private void WriteCampaign(CampaignRow row)
    {
        var d = row.Definition;
        var p = _upsertCampaign.Parameters;
        p[0].Value = ToBytes(row.Id);
        p[1].Value = d.Name;
        p[2].Value = (int)d.Discount.Kind;
        p[3].Value = d.Discount.AmountOff;
        p[4].Value = d.Discount.PercentOff;
        p[5].Value = (object?)d.Discount.MaxDiscount ?? DBNull.Value;
        p[6].Value = d.Discount.Threshold;
        p[7].Value = d.MinOrderAmount;
        p[8].Value = d.PerUserLimit;
        p[9].Value = (object?)d.ClaimStartsAtMs ?? DBNull.Value;
        p[10].Value = (object?)d.ClaimEndsAtMs ?? DBNull.Value;
        p[11].Value = (object?)d.Validity.FromMs ?? DBNull.Value;
        p[12].Value = (object?)d.Validity.ToMs ?? DBNull.Value;
        p[13].Value = (object?)d.Validity.Days ?? DBNull.Value;
        p[14].Value = d.LockTtlSeconds;
        p[15].Value = (int)row.Status;
        p[16].Value = row.TotalStock;
        p[17].Value = row.CreatedAtMs;
        _upsertCampaign.ExecuteNonQuery();
    }

    private static void AddCounterDeltas(ref Dictionary<Guid, (long Released, long Refunded)>? deltas, in LogRecord record)
    {
        // Only the event counters are stored; the status gauges are recounted from the coupon rows.
        var (released, refunded) = (record.Delta.Released, record.Delta.Refunded);
        if (released == 0 && refunded == 0)
        {
            return;
        }

        var id = record.Coupon!.Campaign.Id;
        deltas ??= [];
        deltas.TryGetValue(id, out var sum);
        deltas[id] = (sum.Released + released, sum.Refunded + refunded);
    }

    /// <summary>Ids are stored big-endian, so that the byte order of version-7 ids is their time order.</summary>
    private static byte[] ToBytes(Guid id) => id.ToByteArray(bigEndian: true);

    /// <remarks>Read as a whole value: <c>GetBytes</c> would open SQLite's incremental blob I/O for every call.</remarks>
    private static Guid ReadGuid(SqliteDataReader reader, int ordinal) => new(reader.GetFieldValue<byte[]>(ordinal), bigEndian: true);

    private static long? NullableInt64(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private void CreateSchema()
    {
        Execute("""
            CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS campaigns (
                id BLOB PRIMARY KEY, name TEXT NOT NULL,
                discount_kind INTEGER NOT NULL, amount_off INTEGER NOT NULL, percent_off INTEGER NOT NULL,
                max_discount INTEGER, threshold INTEGER NOT NULL, min_order_amount INTEGER NOT NULL,
                per_user_limit INTEGER NOT NULL, claim_starts_at INTEGER, claim_ends_at INTEGER,
                valid_from INTEGER, valid_to INTEGER, valid_days INTEGER, lock_ttl_seconds INTEGER NOT NULL,
                status INTEGER NOT NULL, total_stock INTEGER NOT NULL, created_at INTEGER NOT NULL,
                released INTEGER NOT NULL DEFAULT 0, refunded INTEGER NOT NULL DEFAULT 0, rejected TEXT
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS coupons (
                id BLOB PRIMARY KEY, campaign_id BLOB NOT NULL, user_id TEXT NOT NULL, claimed_at INTEGER NOT NULL,
                idempotency_key TEXT, status INTEGER NOT NULL, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,
                order_id TEXT, order_amount INTEGER NOT NULL, lock_expires_at INTEGER NOT NULL,
                used_at INTEGER NOT NULL, refunded_order_id TEXT
            ) WITHOUT ROWID;
            -- Append-only: rows are inserted with each change and never updated or deleted.
            CREATE TABLE IF NOT EXISTS audit (
                seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, actor_ip TEXT,
                action TEXT NOT NULL, subject TEXT NOT NULL, campaign_id BLOB, owner TEXT, order_id TEXT, before TEXT, after TEXT
            );
            -- Two indexes only, both cheap to keep: a coupon's entries are found by its id, and an end
            -- user's by the ids of their coupons (which the store holds in memory), so no index has a
            -- random key per claim but the subject's, whose version-7 ids mostly append.
            CREATE INDEX IF NOT EXISTS audit_by_subject ON audit (subject, seq);
            CREATE INDEX IF NOT EXISTS audit_by_actor ON audit (actor_id, seq) WHERE actor_role <> 'user';
            CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT MAX(version) FROM schema_version";
        var version = command.ExecuteScalar();
        if (version is DBNull or null)
        {
            Execute(string.Create(CultureInfo.InvariantCulture, $"INSERT INTO schema_version (version) VALUES ({SchemaVersion});"));
        }
        else if (Convert.ToInt32(version, CultureInfo.InvariantCulture) > SchemaVersion)
        {
            throw new InvalidOperationException($"the database has schema version {version}, newer than this build's {SchemaVersion}");
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }
}

/// <summary>Ids from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive), both stored big-endian; null for no bound.</summary>
internal sealed record CouponRange(byte[]? From, byte[]? To);

/// <summary>Takes the rows <see cref="SqliteJournal.LoadCouponRange"/> reads, one at a time.</summary>
internal interface ICouponRowSink
{
    void Add(in CouponRow row);
}

/// <summary>A coupon row as read back at recovery.</summary>
internal readonly record struct CouponRow(Guid Id, Guid CampaignId, string UserId, long ClaimedAtMs, string? IdempotencyKey, CouponState State);
