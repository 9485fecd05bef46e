using System.Text.Json;
using Coupons.Core.Jobs;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded.Jobs;

/// <summary>The rows behind <see cref="EmbeddedJobStore"/>; called under its lock.</summary>
public sealed partial class EmbeddedJobStore
{
    private const string Columns =
        "id, kind, status, campaign_id, created_by, parameters, total, done, results, inputs_sealed, created_at, finished_at, lease_owner, lease_token, lease_expires_at";

    private SqliteCommand Command(string text, SqliteTransaction? transaction = null)
    {
        var command = Connection.CreateCommand();
        command.CommandText = text;
        command.Transaction = transaction;
        return command;
    }

    private void Insert(Job job, string? idempotencyKey, SqliteTransaction transaction)
    {
        using var command = Command(
            "INSERT INTO jobs (id, kind, status, campaign_id, created_by, idempotency_key, parameters, total, done, results, inputs_sealed, created_at) " +
            "VALUES ($id, $kind, $status, $campaign, $by, $key, $parameters, $total, $done, $results, $sealed, $created)",
            transaction);
        command.Parameters.AddWithValue("$id", job.Id.ToByteArray());
        command.Parameters.AddWithValue("$kind", job.Kind);
        command.Parameters.AddWithValue("$status", (int)job.Status);
        command.Parameters.AddWithValue("$campaign", job.CampaignId is { } campaign ? campaign.ToByteArray() : DBNull.Value);
        command.Parameters.AddWithValue("$by", job.CreatedBy);
        command.Parameters.AddWithValue("$key", (object?)idempotencyKey ?? DBNull.Value);
        command.Parameters.AddWithValue("$parameters", job.Parameters);
        command.Parameters.AddWithValue("$total", job.Total);
        command.Parameters.AddWithValue("$done", job.Done);
        command.Parameters.AddWithValue("$results", ResultsText(job.Results));
        command.Parameters.AddWithValue("$sealed", job.InputsSealed ? 1 : 0);
        command.Parameters.AddWithValue("$created", job.CreatedAtMs);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Writes the job's progress and status, and the lease when one is given (else keeps the stored
    /// one). A job that finishes has its inputs deleted: nothing reads them again (its refused ones
    /// are kept with their codes), and a million-user list is tens of megabytes.
    /// </summary>
    private void Update(Job job, SqliteTransaction transaction, JobLease? lease = null)
    {
        using var command = Command(
            "UPDATE jobs SET status = $status, total = $total, done = $done, results = $results, inputs_sealed = $sealed, finished_at = $finished" +
            (lease is null ? string.Empty : ", lease_owner = $owner, lease_token = $token, lease_expires_at = $expires") +
            " WHERE id = $id",
            transaction);
        command.Parameters.AddWithValue("$id", job.Id.ToByteArray());
        command.Parameters.AddWithValue("$status", (int)job.Status);
        command.Parameters.AddWithValue("$total", job.Total);
        command.Parameters.AddWithValue("$done", job.Done);
        command.Parameters.AddWithValue("$results", ResultsText(job.Results));
        command.Parameters.AddWithValue("$sealed", job.InputsSealed ? 1 : 0);
        command.Parameters.AddWithValue("$finished", (object?)job.FinishedAtMs ?? DBNull.Value);
        if (lease is not null)
        {
            command.Parameters.AddWithValue("$owner", lease.Owner);
            command.Parameters.AddWithValue("$token", lease.Token);
            command.Parameters.AddWithValue("$expires", lease.ExpiresAtMs);
        }

        command.ExecuteNonQuery();
        if (job.IsFinished)
        {
            using var trim = Command("DELETE FROM job_inputs WHERE job_id = $job", transaction);
            trim.Parameters.AddWithValue("$job", job.Id.ToByteArray());
            trim.ExecuteNonQuery();
        }
    }

    private void InsertFailures(Guid jobId, IReadOnlyList<JobFailure> failures, SqliteTransaction transaction)
    {
        if (failures.Count == 0)
        {
            return;
        }

        using var command = Command("INSERT OR REPLACE INTO job_failures (job_id, idx, input, code) VALUES ($job, $idx, $input, $code)", transaction);
        command.Parameters.AddWithValue("$job", jobId.ToByteArray());
        var idx = command.Parameters.Add("$idx", SqliteType.Integer);
        var input = command.Parameters.Add("$input", SqliteType.Text);
        var code = command.Parameters.Add("$code", SqliteType.Text);
        foreach (var failure in failures)
        {
            idx.Value = failure.Index;
            input.Value = failure.Input;
            code.Value = failure.Code;
            command.ExecuteNonQuery();
        }
    }

    private Job? Read(Guid jobId)
    {
        using var command = Command($"SELECT {Columns} FROM jobs WHERE id = $id");
        command.Parameters.AddWithValue("$id", jobId.ToByteArray());
        using var reader = command.ExecuteReader();
        return reader.Read() ? JobOf(reader) : null;
    }

    private Job? FindByKey(string createdBy, string key)
    {
        using var command = Command($"SELECT {Columns} FROM jobs WHERE created_by = $by AND idempotency_key = $key");
        command.Parameters.AddWithValue("$by", createdBy);
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? JobOf(reader) : null;
    }

    private JobLease? LeaseOf(Guid jobId)
    {
        using var command = Command("SELECT lease_owner, lease_token, lease_expires_at FROM jobs WHERE id = $id AND lease_owner IS NOT NULL");
        command.Parameters.AddWithValue("$id", jobId.ToByteArray());
        using var reader = command.ExecuteReader();
        return reader.Read() ? new JobLease(jobId, reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)) : null;
    }

    /// <summary>Queued and running jobs, oldest first, with their leases.</summary>
    private List<(Job Job, JobLease? Lease)> Runnable()
    {
        using var command = Command($"SELECT {Columns} FROM jobs WHERE status IN (1, 2) ORDER BY created_at");
        using var reader = command.ExecuteReader();
        var jobs = new List<(Job, JobLease?)>();
        while (reader.Read())
        {
            var job = JobOf(reader);
            jobs.Add((job, reader.IsDBNull(12) ? null : new JobLease(job.Id, reader.GetString(12), reader.GetInt64(13), reader.GetInt64(14))));
        }

        return jobs;
    }

    private long CountInputs(Guid jobId, SqliteTransaction transaction)
    {
        // The next index, from the primary key's last entry: inputs are numbered from 0 without gaps.
        using var command = Command("SELECT COALESCE(MAX(idx) + 1, 0) FROM job_inputs WHERE job_id = $job", transaction);
        command.Parameters.AddWithValue("$job", jobId.ToByteArray());
        return (long)command.ExecuteScalar()!;
    }

    private static Job JobOf(SqliteDataReader reader) => new(
        new Guid((byte[])reader[0]),
        reader.GetString(1),
        (JobStatus)reader.GetInt32(2),
        reader.IsDBNull(3) ? null : new Guid((byte[])reader[3]),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetInt64(6),
        reader.GetInt64(7),
        JsonSerializer.Deserialize(reader.GetString(8), JobJson.Default.DictionaryStringInt64)!,
        reader.GetInt32(9) != 0,
        reader.GetInt64(10),
        reader.IsDBNull(11) ? null : reader.GetInt64(11));
}
