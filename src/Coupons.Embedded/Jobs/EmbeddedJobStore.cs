using System.Text.Json;
using Coupons.Core.Jobs;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded.Jobs;

/// <summary>
/// Jobs in a database file of their own beside the store's (<c>jobs.db</c>), in WAL mode with
/// <c>synchronous=FULL</c>: a call returns once its transaction is durable. Jobs are few and their
/// steps large, so one connection under a lock serves them, off the claims' commit path. The work a
/// step does lands in the coupon store by idempotent calls (a claim keyed by the job), so the two
/// files need no common transaction: a step redone after a crash changes nothing twice.
/// </summary>
public sealed partial class EmbeddedJobStore : IJobStore, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public EmbeddedJobStore(string dataDir, TimeProvider time)
    {
        _time = time;
        _connection = JobSchema.Open(Path.Combine(dataDir, "jobs.db"));
        // One process owns a data dir: a lease found at open was held by a process that is gone,
        // so its jobs are taken again at once rather than after the lease runs out.
        using var release = Command("UPDATE jobs SET lease_expires_at = 0 WHERE status IN (1, 2) AND lease_owner IS NOT NULL");
        release.ExecuteNonQuery();
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public async ValueTask<(Job Job, bool Created)> CreateAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return await WithGateAsync(() =>
        {
            if (spec.IdempotencyKey is { } key && FindByKey(spec.CreatedBy, key) is { } existing)
            {
                return (existing, false);
            }

            var job = new Job(Guid.CreateVersion7(_time.GetUtcNow()), spec.Kind, JobStatus.Queued, spec.CampaignId, spec.CreatedBy, spec.Parameters,
                spec.Total ?? 0, 0, new Dictionary<string, long>(), spec.Total is not null, NowMs, null);
            using var transaction = _connection.BeginTransaction();
            Insert(job, spec.IdempotencyKey, transaction);
            transaction.Commit();
            return (job, true);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<JobOutcome> AppendInputsAsync(Guid jobId, IReadOnlyList<string> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return await WithGateAsync(() =>
        {
            if (Read(jobId) is not { } job)
            {
                return JobOutcome.NotFound;
            }

            if (job.InputsSealed)
            {
                return JobOutcome.InputsSealed;
            }

            using var transaction = _connection.BeginTransaction();
            var next = CountInputs(jobId, transaction);
            using var command = Command("INSERT INTO job_inputs (job_id, idx, input) VALUES ($job, $idx, $input)", transaction);
            var idx = command.Parameters.Add("$idx", SqliteType.Integer);
            var input = command.Parameters.Add("$input", SqliteType.Text);
            command.Parameters.AddWithValue("$job", jobId.ToByteArray());
            foreach (var value in inputs)
            {
                idx.Value = next++;
                input.Value = value;
                command.ExecuteNonQuery();
            }

            transaction.Commit();
            return JobOutcome.Ok;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<JobResult> SealInputsAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        await WithGateAsync(() =>
        {
            if (Read(jobId) is not { } job)
            {
                return new JobResult(JobOutcome.NotFound, null);
            }

            if (job.InputsSealed)
            {
                return new JobResult(JobOutcome.Replayed, job);
            }

            using var transaction = _connection.BeginTransaction();
            var sealedJob = JobRules.Sealed(job, CountInputs(jobId, transaction), NowMs);
            Update(sealedJob, transaction);
            transaction.Commit();
            return new JobResult(JobOutcome.Ok, sealedJob);
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<Job?> GetAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        await WithGateAsync(() => Read(jobId), cancellationToken).ConfigureAwait(false);

    public async ValueTask<JobResult> CancelAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        await WithGateAsync(() =>
        {
            var job = Read(jobId);
            var outcome = JobRules.Cancel(job);
            if (outcome != JobOutcome.Ok)
            {
                return new JobResult(outcome, job);
            }

            using var transaction = _connection.BeginTransaction();
            var cancelled = JobRules.Cancelled(job!, NowMs);
            Update(cancelled, transaction);
            transaction.Commit();
            return new JobResult(JobOutcome.Ok, cancelled);
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<(Job Job, JobLease Lease)?> TryLeaseAsync(string owner, long durationMs, CancellationToken cancellationToken = default) =>
        await WithGateAsync<(Job, JobLease)?>(() =>
        {
            var now = NowMs;
            foreach (var (job, current) in Runnable())
            {
                if (!JobRules.CanLease(job, current, now))
                {
                    continue;
                }

                var lease = new JobLease(job.Id, owner, (current?.Token ?? 0) + 1, now + durationMs);
                var running = job with { Status = JobStatus.Running };
                using var transaction = _connection.BeginTransaction();
                Update(running, transaction, lease);
                transaction.Commit();
                return (running, lease);
            }

            return null;
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<string>> ReadInputsAsync(Guid jobId, long from, int count, CancellationToken cancellationToken = default) =>
        await WithGateAsync<IReadOnlyList<string>>(() =>
        {
            using var command = Command("SELECT input FROM job_inputs WHERE job_id = $job AND idx >= $from ORDER BY idx LIMIT $count");
            command.Parameters.AddWithValue("$job", jobId.ToByteArray());
            command.Parameters.AddWithValue("$from", from);
            command.Parameters.AddWithValue("$count", count);
            using var reader = command.ExecuteReader();
            var inputs = new List<string>(count);
            while (reader.Read())
            {
                inputs.Add(reader.GetString(0));
            }

            return inputs;
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<JobResult> CommitStepAsync(JobLease lease, JobStep step, long extendMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(step);
        return await WithGateAsync(() =>
        {
            var job = Read(lease.JobId);
            var now = NowMs;
            var outcome = JobRules.CanCommit(job, LeaseOf(lease.JobId), lease, step, now);
            if (outcome != JobOutcome.Ok)
            {
                return new JobResult(outcome, job);
            }

            var next = JobRules.Apply(job!, step, now);
            using var transaction = _connection.BeginTransaction();
            Update(next, transaction, lease with { ExpiresAtMs = now + extendMs });
            InsertFailures(lease.JobId, step.Failures, transaction);
            transaction.Commit();
            return new JobResult(JobOutcome.Ok, next);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<JobFailure>> ListFailuresAsync(Guid jobId, long? after, int limit, CancellationToken cancellationToken = default) =>
        await WithGateAsync<IReadOnlyList<JobFailure>>(() =>
        {
            using var command = Command("SELECT idx, input, code FROM job_failures WHERE job_id = $job AND idx > $after ORDER BY idx LIMIT $limit");
            command.Parameters.AddWithValue("$job", jobId.ToByteArray());
            command.Parameters.AddWithValue("$after", after ?? -1);
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            var failures = new List<JobFailure>();
            while (reader.Read())
            {
                failures.Add(new JobFailure(reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
            }

            return failures;
        }, cancellationToken).ConfigureAwait(false);

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    private async ValueTask<T> WithGateAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return work();
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string ResultsText(IReadOnlyDictionary<string, long> results) =>
        JsonSerializer.Serialize(results, JobJson.Default.IReadOnlyDictionaryStringInt64);
}
