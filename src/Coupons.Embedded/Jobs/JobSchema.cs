using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded.Jobs;

/// <summary>
/// The jobs' database file: a row per job (with the lease of the node working on it), the inputs
/// in order, and the refused inputs with their codes.
/// </summary>
internal static class JobSchema
{
    public static SqliteConnection Open(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA busy_timeout=30000;
                CREATE TABLE IF NOT EXISTS jobs (
                    id BLOB PRIMARY KEY, kind TEXT NOT NULL, status INTEGER NOT NULL, campaign_id BLOB,
                    created_by TEXT NOT NULL, idempotency_key TEXT, parameters TEXT NOT NULL,
                    total INTEGER NOT NULL, done INTEGER NOT NULL, results TEXT NOT NULL, inputs_sealed INTEGER NOT NULL,
                    created_at INTEGER NOT NULL, finished_at INTEGER,
                    lease_owner TEXT, lease_token INTEGER NOT NULL DEFAULT 0, lease_expires_at INTEGER);
                CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_key ON jobs (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
                CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs (status) WHERE status IN (1, 2);
                CREATE TABLE IF NOT EXISTS job_inputs (job_id BLOB NOT NULL, idx INTEGER NOT NULL, input TEXT NOT NULL, PRIMARY KEY (job_id, idx)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS job_failures (job_id BLOB NOT NULL, idx INTEGER NOT NULL, input TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (job_id, idx)) WITHOUT ROWID;
                """;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}

[JsonSerializable(typeof(IReadOnlyDictionary<string, long>))]
[JsonSerializable(typeof(Dictionary<string, long>))]
internal sealed partial class JobJson : JsonSerializerContext;
