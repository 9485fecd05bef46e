using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Coupons.Embedded;

/// <summary>
/// Where codes live in the database. Only lookup hashes and sealed forms are stored, never a plain code:
/// <list type="bullet">
/// <item><c>code_jobs</c>: a small number for each (campaign, generation job) with codes, given by
/// the store (<see cref="CodeIndex.JobNumberOf"/>) and written with each of the job's steps.</item>
/// <item><c>codes</c>: generated codes, keyed by (job number, index) — a step's codes are appended
/// in key order, so storing a million costs sequential pages, not a random page each as a hash key
/// would, and a row carries two small integers rather than two 16-byte ids (schema 3; a schema-2
/// table keyed by campaign and job ids is rewritten at open). Uniqueness by hash is kept in memory
/// (<see cref="CodeIndex"/>). A claim fills user, coupon and time in the coupon's transaction.</item>
/// <item><c>campaigns.code_hash</c>, <c>code_sealed</c>: a campaign's shared code.</item>
/// <item><c>coupons.code_hash</c>: the lookup hash of the coupon's own code (the code itself is
/// derived, never stored), read once at open into memory (<see cref="OwnCodeIndex"/>), where
/// lookups find it. Not indexed on disk: a B-tree keyed by random hashes dirtied a page for nearly
/// every coupon a commit added. Only the rows still without one are (<c>coupons_without_code</c>,
/// empty once <see cref="FillOwnCodes"/> has run, so a claim never writes to it).</item>
/// </list>
/// </summary>
internal static class SqliteCodeSchema
{
    private const string JobsTable = "(number INTEGER PRIMARY KEY, campaign_id BLOB NOT NULL, job_id BLOB NOT NULL, UNIQUE (campaign_id, job_id))";

    private const string CodesTable = """
        (
            job INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, sealed BLOB NOT NULL,
            user_id TEXT, coupon_id BLOB, claimed_at INTEGER,
            PRIMARY KEY (job, idx)
        ) WITHOUT ROWID
        """;

    /// <summary>Creates the codes tables and indexes, adding the code columns to a database from before codes and numbering a schema-2 database's jobs.</summary>
    public static void CreateOrUpgrade(SqliteConnection connection)
    {
        AddColumnIfMissing(connection, "campaigns", "code_hash", "BLOB");
        AddColumnIfMissing(connection, "campaigns", "code_sealed", "TEXT");
        AddColumnIfMissing(connection, "coupons", "code_hash", "BLOB");
        if (HasColumn(connection, "codes", "campaign_id"))
        {
            NumberJobs(connection);
        }

        SqliteSchema.Execute(connection, $"""
            CREATE TABLE IF NOT EXISTS code_jobs {JobsTable};
            CREATE TABLE IF NOT EXISTS codes {CodesTable};
            CREATE UNIQUE INDEX IF NOT EXISTS campaigns_by_code ON campaigns (code_hash) WHERE code_hash IS NOT NULL;
            DROP INDEX IF EXISTS coupons_by_code;
            CREATE INDEX IF NOT EXISTS coupons_without_code ON coupons (id) WHERE code_hash IS NULL;
            """);
    }

    /// <summary>
    /// Schema 2 → 3: the codes table keyed by (campaign id, job id, index) becomes one keyed by (job
    /// number, index), the numbers given in job id order (creation order). One transaction: a crash
    /// midway leaves schema 2, done again at the next open.
    /// </summary>
    private static void NumberJobs(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            CREATE TABLE code_jobs {JobsTable};
            INSERT INTO code_jobs (campaign_id, job_id) SELECT campaign_id, job_id FROM codes GROUP BY campaign_id, job_id ORDER BY job_id, campaign_id;
            CREATE TABLE codes_numbered {CodesTable};
            INSERT INTO codes_numbered (job, idx, hash, sealed, user_id, coupon_id, claimed_at)
                SELECT j.number, c.idx, c.hash, c.sealed, c.user_id, c.coupon_id, c.claimed_at
                FROM codes c JOIN code_jobs j ON j.campaign_id = c.campaign_id AND j.job_id = c.job_id ORDER BY j.number, c.idx;
            DROP TABLE codes;
            ALTER TABLE codes_numbered RENAME TO codes;
            """;
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>
    /// Stores the own code's hash of every coupon that has none (claimed before codes existed), in
    /// transactions of a few thousand; returns how many. Needs the code keys, hence at open, not at
    /// schema creation.
    /// </summary>
    public static int FillOwnCodes(SqliteConnection connection, CouponOwnCodes ownCodes)
    {
        var filled = 0;
        while (true)
        {
            var missing = new List<byte[]>();
            using (var select = connection.CreateCommand())
            {
                select.CommandText = "SELECT id FROM coupons WHERE code_hash IS NULL LIMIT 10000";
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    missing.Add(reader.GetFieldValue<byte[]>(0));
                }
            }

            if (missing.Count == 0)
            {
                return filled;
            }

            using var transaction = connection.BeginTransaction();
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE coupons SET code_hash = $hash WHERE id = $id";
            var hash = update.Parameters.Add("$hash", SqliteType.Blob);
            var id = update.Parameters.Add("$id", SqliteType.Blob);
            foreach (var bytes in missing)
            {
                hash.Value = ownCodes.KeyOf(new Guid(bytes, bigEndian: true)).Hash.ToBytes();
                id.Value = bytes;
                update.ExecuteNonQuery();
            }

            transaction.Commit();
            filled += missing.Count;
        }
    }

    /// <summary>Reads every job with codes: its number, campaign and id.</summary>
    public static void LoadJobs(SqliteConnection connection, Action<int, Guid, Guid> onJob)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT number, campaign_id, job_id FROM code_jobs ORDER BY number";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            onJob(reader.GetInt32(0), SqliteValues.ReadGuid(reader, 1), SqliteValues.ReadGuid(reader, 2));
        }
    }

    /// <summary>Reads every generated code (job number, index, hash, coupon if claimed), in key order, through SQLite's own API.</summary>
    public static void LoadCodes(SqliteConnection connection, Action<int, long, UInt128, Guid?> onCode)
    {
        var db = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(db, "SELECT job, idx, hash, coupon_id FROM codes ORDER BY job, idx", out var statement), db);
        using (statement)
        {
            var added = false;
            statement.DangerousAddRef(ref added);
            try
            {
                var handle = statement.DangerousGetHandle();
                int step;
                while ((step = SqliteNative.sqlite3_step(handle)) == raw.SQLITE_ROW)
                {
                    var coupon = SqliteNative.sqlite3_column_type(handle, 3) == raw.SQLITE_NULL ? (Guid?)null : new Guid(SqliteNative.Blob(handle, 3), bigEndian: true);
                    onCode((int)SqliteNative.sqlite3_column_int64(handle, 0), SqliteNative.sqlite3_column_int64(handle, 1), CodeHash.Read(SqliteNative.Blob(handle, 2)).Value, coupon);
                }

                if (step != raw.SQLITE_DONE)
                {
                    Check(step, db);
                }
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

    private static bool HasColumn(SqliteConnection connection, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    internal static void AddColumnIfMissing(SqliteConnection connection, string table, string column, string type)
    {
        if (!HasColumn(connection, table, column))
        {
            SqliteSchema.Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {type};");
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
