namespace Coupons.Core.Jobs;

/// <summary>The answer of a job change: its outcome and the job as it is after it.</summary>
public readonly record struct JobResult(JobOutcome Outcome, Job? Job);

/// <summary>
/// Where jobs live: durable once a call returns. Each change is decided by <see cref="JobRules"/>
/// and applied atomically with the check, so two nodes racing for a job or a step cannot both win.
/// </summary>
public interface IJobStore
{
    /// <summary>A new job, or the one the same caller created with the same idempotency key (<c>Created</c> false).</summary>
    ValueTask<(Job Job, bool Created)> CreateAsync(JobSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Appends inputs in order; refused with <see cref="JobOutcome.InputsSealed"/> once sealed.</summary>
    ValueTask<JobOutcome> AppendInputsAsync(Guid jobId, IReadOnlyList<string> inputs, CancellationToken cancellationToken = default);

    /// <summary>No more inputs: the job counts them and becomes runnable.</summary>
    ValueTask<JobResult> SealInputsAsync(Guid jobId, CancellationToken cancellationToken = default);

    ValueTask<Job?> GetAsync(Guid jobId, CancellationToken cancellationToken = default);

    ValueTask<JobResult> CancelAsync(Guid jobId, CancellationToken cancellationToken = default);

    /// <summary>Takes a runnable job whose lease is free or expired, for <paramref name="durationMs"/>; null when none is.</summary>
    ValueTask<(Job Job, JobLease Lease)?> TryLeaseAsync(string owner, long durationMs, CancellationToken cancellationToken = default);

    /// <summary>The inputs from index <paramref name="from"/>, at most <paramref name="count"/>; none once the job is finished (its inputs are deleted then).</summary>
    ValueTask<IReadOnlyList<string>> ReadInputsAsync(Guid jobId, long from, int count, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits a step under a lease (<see cref="JobRules.CanCommit"/>) and extends the lease by
    /// <paramref name="extendMs"/>: progress, results and failures together, or nothing.
    /// </summary>
    ValueTask<JobResult> CommitStepAsync(JobLease lease, JobStep step, long extendMs, CancellationToken cancellationToken = default);

    /// <summary>The refused inputs in input order, after index <paramref name="after"/>.</summary>
    ValueTask<IReadOnlyList<JobFailure>> ListFailuresAsync(Guid jobId, long? after, int limit, CancellationToken cancellationToken = default);
}
