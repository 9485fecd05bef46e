namespace Coupons.Core.Jobs;

/// <summary>What a job operation answers when it is refused or changes nothing.</summary>
public enum JobOutcome : byte
{
    Ok = 0,

    /// <summary>Nothing changed: the job is already as asked (cancelling a cancelled job).</summary>
    Replayed = 1,

    NotFound = 2,

    /// <summary>The job has finished; it can no longer be cancelled or changed.</summary>
    Finished = 3,

    /// <summary>The lease is not the job's current one, or has expired: another node may hold the job.</summary>
    LeaseLost = 4,

    /// <summary>The step does not start where the job's progress ends: it was committed before, or inputs were skipped.</summary>
    StepOutOfOrder = 5,

    /// <summary>Inputs can be appended only before they are sealed.</summary>
    InputsSealed = 6,
}

/// <summary>
/// The rules of a job's life, decided here for every store: cancelling, taking a lease, committing
/// a step. A store applies what these decide, atomically with its check.
/// </summary>
public static class JobRules
{
    /// <summary>Cancel: not_found → finished (a cancelled job is a replay) → ok.</summary>
    public static JobOutcome Cancel(Job? job) => job switch
    {
        null => JobOutcome.NotFound,
        { Status: JobStatus.Cancelled } => JobOutcome.Replayed,
        { IsFinished: true } => JobOutcome.Finished,
        _ => JobOutcome.Ok,
    };

    /// <summary>Whether a node may take the job now: runnable (inputs sealed, not finished) and its current lease, if any, expired.</summary>
    public static bool CanLease(Job job, JobLease? current, long nowMs) =>
        !job.IsFinished && job.InputsSealed && (current is null || current.ExpiresAtMs <= nowMs);

    /// <summary>
    /// A step may be committed by the job's current lease holder before the lease expires, from
    /// exactly where the job's progress ends, and not past its inputs.
    /// </summary>
    public static JobOutcome CanCommit(Job? job, JobLease? current, JobLease lease, JobStep step, long nowMs)
    {
        if (job is null)
        {
            return JobOutcome.NotFound;
        }

        if (job.IsFinished)
        {
            return JobOutcome.Finished;
        }

        if (current is null || current.Token != lease.Token || current.Owner != lease.Owner || current.ExpiresAtMs <= nowMs)
        {
            return JobOutcome.LeaseLost;
        }

        return step.From == job.Done && step.To >= step.From && step.To <= job.Total ? JobOutcome.Ok : JobOutcome.StepOutOfOrder;
    }

    /// <summary>The job after a committed step: progress moved, results added, succeeded when every input is done.</summary>
    public static Job Apply(Job job, JobStep step, long nowMs)
    {
        var results = new Dictionary<string, long>(job.Results);
        foreach (var (code, count) in step.Results)
        {
            results[code] = results.GetValueOrDefault(code) + count;
        }

        var done = step.To == job.Total;
        return job with
        {
            Done = step.To,
            Results = results,
            Status = done ? JobStatus.Succeeded : JobStatus.Running,
            FinishedAtMs = done ? nowMs : null,
        };
    }

    /// <summary>The job once cancelled at <paramref name="nowMs"/>.</summary>
    public static Job Cancelled(Job job, long nowMs) => job with { Status = JobStatus.Cancelled, FinishedAtMs = nowMs };

    /// <summary>The job once its inputs are sealed: <paramref name="total"/> inputs; a job with none has nothing to do.</summary>
    public static Job Sealed(Job job, long total, long nowMs) => total == 0
        ? job with { InputsSealed = true, Total = 0, Status = JobStatus.Succeeded, FinishedAtMs = nowMs }
        : job with { InputsSealed = true, Total = total };
}
