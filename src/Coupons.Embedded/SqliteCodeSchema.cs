using Coupons.Core.Codes;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Coupons.Embedded;

/// <summary>
/// Where codes live in the database. Only lookup hashes and sealed forms are stored, never a plain code:
/// <list type="bullet">
/// <item><c>codes</c>: generated codes, keyed by (campaign, job, index) — a step's codes are appended
/// in key order, so storing a million costs sequential pages, not a random page each as a hash key
/// would; uniqueness by hash is kept in memory (<see cref="CodeIndex"/>). A claim fills user,
/// coupon and time in the coupon's transaction.</item>
/// <item><c>campaigns.code_hash</c>, <c>code_sealed</c>: a campaign's shared code.</item>
/// <item><c>coupons.code_hash</c>: the lookup hash of the coupon's own code (the code itself is
/// derived, never stored), indexed for lookups, which read it from disk rather than memory.</item>
/// </list>
/// </summary>
internal static class SqliteCodeSchema
{
    /// <summary>Creates the codes table and indexes, adding the code columns to a database from before codes.</summary>
    public static void CreateOrUpgrade(SqliteConnection connection)
    {
        AddColumnIfMissing(connection, "campaigns", "code_hash", "BLOB");
        AddColumnIfMissing(connection, "campaigns", "code_sealed", "TEXT");
        AddColumnIfMissing(connection, "coupons", "code_hash", "BLOB");
        SqliteSchema.Execute(connection, """
            CREATE TABLE IF NOT EXISTS codes (
                campaign_id BLOB NOT NULL, job_id BLOB NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, sealed BLOB NOT NULL,
                user_id TEXT, coupon_id BLOB, claimed_at INTEGER,
                PRIMARY KEY (campaign_id, job_id, idx)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX IF NOT EXISTS campaigns_by_code ON campaigns (code_hash) WHERE code_hash IS NOT NULL;
            CREATE INDEX IF NOT EXISTS coupons_by_code ON coupons (code_hash);
            """);
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

    /// <summary>Reads every generated code (campaign, job, index, hash, coupon if claimed), in key order, through SQLite's own API.</summary>
    public static void LoadCodes(SqliteConnection connection, Action<Guid, Guid, long, UInt128, Guid?> onCode)
    {
        var db = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(db, "SELECT campaign_id, job_id, idx, hash, coupon_id FROM codes ORDER BY campaign_id, job_id, idx", out var statement), db);
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
                    var coupon = SqliteNative.sqlite3_column_type(handle, 4) == raw.SQLITE_NULL ? (Guid?)null : new Guid(SqliteNative.Blob(handle, 4), bigEndian: true);
                    onCode(
                        new Guid(SqliteNative.Blob(handle, 0), bigEndian: true), new Guid(SqliteNative.Blob(handle, 1), bigEndian: true),
                        SqliteNative.sqlite3_column_int64(handle, 2), CodeHash.Read(SqliteNative.Blob(handle, 3)).Value, coupon);
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

    private static void AddColumnIfMissing(SqliteConnection connection, string table, string column, string type)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
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
