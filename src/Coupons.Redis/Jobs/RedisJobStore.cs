using Coupons.Core.Jobs;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis.Jobs;

/// <summary>
/// Jobs on Redis, shared by every node: any node may take a job's next step, and a node that dies
/// leaves its lease to expire and the job to another. All of a job's keys are in the hash slot its
/// id carries (<see cref="JobIds"/>): the hash, the inputs, the refused inputs and, for a job made
/// with an idempotency key, that key's mapping, so each change is one script on one slot, on one
/// node or a cluster. Every change is decided by <see cref="JobRules"/> on the job as read, and
/// jobstore.lua stores it only if the job's version is unchanged (else it is read and decided
/// again), as the coupons' transition.lua does: the rules are not re-stated in Lua.
/// </summary>
/// <remarks>
/// Runnable jobs are found through <see cref="RedisKeys.RunnableJobs"/>, a sorted set in a slot of
/// its own: an id goes in before its job becomes runnable, and comes out only once the job is seen
/// finished (or, for an id whose job was never created, a crash's leftover, once it is a minute old).
/// Like the coupon store, a cancellation token is honoured before a change is sent, never after.
/// </remarks>
public sealed class RedisJobStore : IJobStore
{
    /// <summary>How long an index entry whose job does not exist is kept: its creator may be between the two writes.</summary>
    private const long OrphanGraceMs = 60_000;

    /// <summary>Index entries looked at per read while looking for a job to lease.</summary>
    private const int LeaseScanPage = 100;

    /// <summary>A change decided again this many times without storing means something is wrong: it is not tried forever.</summary>
    private const int MaxAttempts = 100;

    private readonly IDatabase _db;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;

    public RedisJobStore(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _db = redis.GetDatabase();
        _keys = keys;
        _time = time;
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public ValueTask<(Job Job, bool Created)> CreateAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RedisFailures.TranslateAsync(async () =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = NowMs;
            var id = spec.IdempotencyKey is { } key ? JobIds.New(JobIds.SlotOfKey(spec.CreatedBy, key), now) : JobIds.New(now);
            var job = new Job(id, spec.Kind, JobStatus.Queued, spec.CampaignId, spec.CreatedBy, spec.Parameters, spec.Total ?? 0, 0,
                new Dictionary<string, long>(), spec.Total is not null, now, null);
            if (job.InputsSealed)
            {
                // Runnable from the start: indexed first, so a crash cannot leave it unfound.
                await _db.SortedSetAddAsync(_keys.RunnableJobs, RedisKeys.Id(id), now).ConfigureAwait(false);
            }

            if (await new CreateJobArguments(job, spec.IdempotencyKey).RunAsync(_db, _keys).ConfigureAwait(false) is not { } existingId)
            {
                return (job, true);
            }

            if (job.InputsSealed)
            {
                await _db.SortedSetRemoveAsync(_keys.RunnableJobs, RedisKeys.Id(id)).ConfigureAwait(false);
            }

            // Jobs are never deleted, and a key is mapped in the same script as its job is created.
            var existing = await ReadAsync(existingId).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"the idempotency key names job {existingId}, which does not exist");
            return (existing.Job, false);
        });
    }

    public ValueTask<JobOutcome> AppendInputsAsync(Guid jobId, IReadOnlyList<string> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return RedisFailures.TranslateAsync(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return new AppendInputsArguments(jobId, inputs).RunAsync(_db, _keys);
        });
    }

    public ValueTask<JobResult> SealInputsAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        RedisFailures.TranslateAsync(async () =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return await ChangeAsync<JobResult>(jobId, async (stored, now) =>
            {
                if (stored is not { Job: var job })
                {
                    return Decision.None(new JobResult(JobOutcome.NotFound, null));
                }

                if (job.InputsSealed)
                {
                    return Decision.None(new JobResult(JobOutcome.Replayed, job));
                }

                // Appends move the version on: an input that lands after this count makes the store fail, and the count is taken again.
                var sealedJob = JobRules.Sealed(job, await _db.ListLengthAsync(_keys.JobInputs(jobId)).ConfigureAwait(false), now);
                return new Decision<JobResult>(new JobResult(JobOutcome.Ok, sealedJob), sealedJob, JobRecord.ProgressFields(sealedJob), []);
            }).ConfigureAwait(false);
        });

    public ValueTask<Job?> GetAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        RedisFailures.TranslateAsync(async () =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return (await ReadAsync(jobId).ConfigureAwait(false))?.Job;
        });

    public ValueTask<JobResult> CancelAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        RedisFailures.TranslateAsync(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ChangeAsync<JobResult>(jobId, (stored, now) =>
            {
                var outcome = JobRules.Cancel(stored?.Job);
                if (outcome != JobOutcome.Ok)
                {
                    return Task.FromResult(Decision.None(new JobResult(outcome, stored?.Job)));
                }

                var cancelled = JobRules.Cancelled(stored!.Job, now);
                return Task.FromResult(new Decision<JobResult>(new JobResult(JobOutcome.Ok, cancelled), cancelled, JobRecord.ProgressFields(cancelled), []));
            });
        });

    public ValueTask<(Job Job, JobLease Lease)?> TryLeaseAsync(string owner, long durationMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return RedisFailures.TranslateAsync(async () =>
        {
            for (long rank = 0; ; rank += LeaseScanPage)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entries = await _db.SortedSetRangeByRankWithScoresAsync(_keys.RunnableJobs, rank, rank + LeaseScanPage - 1).ConfigureAwait(false);
                foreach (var entry in entries)
                {
                    if (await TryLeaseOneAsync(RedisKeys.ParseId(entry.Element!), (long)entry.Score, owner, durationMs).ConfigureAwait(false) is { } leased)
                    {
                        return leased;
                    }
                }

                if (entries.Length < LeaseScanPage)
                {
                    return ((Job, JobLease)?)null;
                }
            }
        });
    }

    public ValueTask<IReadOnlyList<string>> ReadInputsAsync(Guid jobId, long from, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return RedisFailures.TranslateAsync<IReadOnlyList<string>>(async () =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (count == 0)
            {
                return [];
            }

            var values = await _db.ListRangeAsync(_keys.JobInputs(jobId), from, from + count - 1).ConfigureAwait(false);
            return Array.ConvertAll(values, v => (string)v!);
        });
    }

    public ValueTask<JobResult> CommitStepAsync(JobLease lease, JobStep step, long extendMs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(step);
        return RedisFailures.TranslateAsync(() =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ChangeAsync<JobResult>(lease.JobId, (stored, now) =>
            {
                var outcome = JobRules.CanCommit(stored?.Job, stored?.Lease, lease, step, now);
                if (outcome != JobOutcome.Ok)
                {
                    return Task.FromResult(Decision.None(new JobResult(outcome, stored?.Job)));
                }

                var next = JobRules.Apply(stored!.Job, step, now);
                RedisValue[] fields = [.. JobRecord.ProgressFields(next), .. JobRecord.LeaseFields(lease with { ExpiresAtMs = now + extendMs })];
                return Task.FromResult(new Decision<JobResult>(new JobResult(JobOutcome.Ok, next), next, fields, step.Failures));
            });
        });
    }

    public ValueTask<IReadOnlyList<JobFailure>> ListFailuresAsync(Guid jobId, long? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RedisFailures.TranslateAsync<IReadOnlyList<JobFailure>>(async () =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var members = await _db.SortedSetRangeByScoreAsync(
                _keys.JobFailures(jobId), after ?? -1, double.PositiveInfinity, Exclude.Start, Order.Ascending, 0, limit).ConfigureAwait(false);
            return Array.ConvertAll(members, JobRecord.ReadFailure);
        });
    }

    private async Task<StoredJob?> ReadAsync(Guid jobId) =>
        JobRecord.Read(await _db.HashGetAllAsync(_keys.Job(jobId)).ConfigureAwait(false));

    /// <summary>
    /// Takes the job if <see cref="JobRules.CanLease"/> lets this node, with a token one past the
    /// last; answers null when it may not. A job seen finished leaves the index, as does the entry
    /// of a job that was never created once it is old enough.
    /// </summary>
    private async Task<(Job, JobLease)?> TryLeaseOneAsync(Guid jobId, long indexedAtMs, string owner, long durationMs) =>
        await ChangeAsync<(Job, JobLease)?>(jobId, async (stored, now) =>
        {
            if (stored is null || stored.Job.IsFinished)
            {
                if (stored is not null || now - indexedAtMs > OrphanGraceMs)
                {
                    await _db.SortedSetRemoveAsync(_keys.RunnableJobs, RedisKeys.Id(jobId)).ConfigureAwait(false);
                }

                return Decision.None<(Job, JobLease)?>(null);
            }

            if (!JobRules.CanLease(stored.Job, stored.Lease, now))
            {
                return Decision.None<(Job, JobLease)?>(null);
            }

            var lease = new JobLease(jobId, owner, (stored.Lease?.Token ?? 0) + 1, now + durationMs);
            var running = stored.Job with { Status = JobStatus.Running };
            RedisValue[] fields = [.. JobRecord.ProgressFields(running), .. JobRecord.LeaseFields(lease)];
            return new Decision<(Job, JobLease)?>((running, lease), running, fields, []);
        }).ConfigureAwait(false);

    /// <summary>
    /// Reads the job, decides, and stores the decision if the job is still at the version read;
    /// reads and decides again when it is not. A job the decision makes runnable is indexed before
    /// it is stored; one it finishes leaves the index after.
    /// </summary>
    private async Task<T> ChangeAsync<T>(Guid jobId, Func<StoredJob?, long, Task<Decision<T>>> decide)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var stored = await ReadAsync(jobId).ConfigureAwait(false);
            var decision = await decide(stored, NowMs).ConfigureAwait(false);
            if (decision.After is not { } after)
            {
                return decision.Answer;
            }

            if (after.InputsSealed && !after.IsFinished && !stored!.Job.InputsSealed)
            {
                await _db.SortedSetAddAsync(_keys.RunnableJobs, RedisKeys.Id(jobId), after.CreatedAtMs).ConfigureAwait(false);
            }

            if (await new StoreJobArguments(jobId, stored!.Version, decision.Fields, decision.Failures).RunAsync(_db, _keys).ConfigureAwait(false))
            {
                if (after.IsFinished)
                {
                    await _db.SortedSetRemoveAsync(_keys.RunnableJobs, RedisKeys.Id(jobId)).ConfigureAwait(false);
                }

                return decision.Answer;
            }
        }

        throw new InvalidOperationException($"job {jobId} changed under every one of {MaxAttempts} attempts to change it");
    }

    /// <summary>What a change decided: the answer, and the job after it with the fields to store (none when nothing changes).</summary>
    private sealed record Decision<T>(T Answer, Job? After, RedisValue[] Fields, IReadOnlyList<JobFailure> Failures);

    private static class Decision
    {
        public static Decision<T> None<T>(T answer) => new(answer, null, [], []);
    }
}
