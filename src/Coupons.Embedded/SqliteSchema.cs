using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>
/// The database file: opened in WAL mode with <c>synchronous=FULL</c>, so a committed transaction
/// survives <c>kill -9</c> and power loss, and its tables created or checked against this build's
/// schema version. Two tables hold the latest state of each campaign and coupon (not an event log),
/// a third the append-only audit log.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>
    /// 2: codes (the codes table, campaigns' shared codes, coupons' own code hashes); 3: generated
    /// codes keyed by a job number (<see cref="SqliteCodeSchema"/>); 4: campaigns' checkout options
    /// (<c>checkout</c>, null for the defaults); 5: checkout orders (the <c>orders</c> table, and each
    /// coupon's <c>order_shipping</c> and <c>order_discount</c>, null for a lock or use stored before, priced
    /// from the terms). An older database is brought up at open.
    /// </summary>
    private const int Version = 5;

    /// <summary>The read-write connection the store recovers from and then writes through; created with the folder if missing.</summary>
    public static SqliteConnection OpenReadWrite(EmbeddedStoreOptions options)
    {
        Directory.CreateDirectory(options.DataDir);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Execute(connection, "PRAGMA synchronous=FULL;");
            // Another process holding the write lock is waited for, as ADO.NET's commands would, rather than failing the batch.
            Execute(connection, "PRAGMA busy_timeout=30000;");
            if (options.MaxPageCount is { } maxPages)
            {
                Execute(connection, string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count={maxPages};"));
            }

            CreateOrCheck(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>A connection that only reads (the audit queries): WAL lets it read while the writer writes.</summary>
    public static SqliteConnection OpenReadOnly(string databasePath)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void CreateOrCheck(SqliteConnection connection)
    {
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS campaigns (
                id BLOB PRIMARY KEY, name TEXT NOT NULL,
                discount_kind INTEGER NOT NULL, amount_off INTEGER NOT NULL, percent_off INTEGER NOT NULL,
                max_discount INTEGER, threshold INTEGER NOT NULL, min_order_amount INTEGER NOT NULL,
                per_user_limit INTEGER NOT NULL, claim_starts_at INTEGER, claim_ends_at INTEGER,
                valid_from INTEGER, valid_to INTEGER, valid_days INTEGER, lock_ttl_seconds INTEGER NOT NULL,
                status INTEGER NOT NULL, total_stock INTEGER NOT NULL, created_at INTEGER NOT NULL,
                released INTEGER NOT NULL DEFAULT 0, refunded INTEGER NOT NULL DEFAULT 0, rejected TEXT,
                code_hash BLOB, code_sealed TEXT, checkout TEXT
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS coupons (
                id BLOB PRIMARY KEY, campaign_id BLOB NOT NULL, user_id TEXT NOT NULL, claimed_at INTEGER NOT NULL,
                idempotency_key TEXT, status INTEGER NOT NULL, valid_from INTEGER NOT NULL, valid_to INTEGER NOT NULL,
                order_id TEXT, order_amount INTEGER NOT NULL, lock_expires_at INTEGER NOT NULL,
                used_at INTEGER NOT NULL, refunded_order_id TEXT, code_hash BLOB,
                order_shipping INTEGER NOT NULL DEFAULT 0, order_discount INTEGER
            ) WITHOUT ROWID;
            -- A checkout order: its lines are "couponId:discount" joined by commas, in the order taken.
            CREATE TABLE IF NOT EXISTS orders (
                id TEXT PRIMARY KEY, user_id TEXT NOT NULL, status INTEGER NOT NULL, items_amount INTEGER NOT NULL,
                shipping_amount INTEGER NOT NULL, lines TEXT NOT NULL, updated_at INTEGER NOT NULL
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
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(version) FROM schema_version";
        var version = command.ExecuteScalar();
        if (version is not (DBNull or null) && Convert.ToInt32(version, CultureInfo.InvariantCulture) > Version)
        {
            throw new InvalidOperationException($"the database has schema version {version}, newer than this build's {Version}");
        }

        SqliteCodeSchema.CreateOrUpgrade(connection);
        SqliteCodeSchema.AddColumnIfMissing(connection, "campaigns", "checkout", "TEXT");
        SqliteCodeSchema.AddColumnIfMissing(connection, "coupons", "order_shipping", "INTEGER NOT NULL DEFAULT 0");
        SqliteCodeSchema.AddColumnIfMissing(connection, "coupons", "order_discount", "INTEGER");
        if (version is DBNull or null || Convert.ToInt32(version, CultureInfo.InvariantCulture) < Version)
        {
            Execute(connection, string.Create(CultureInfo.InvariantCulture, $"DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ({Version});"));
        }
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
