namespace Coupons.Core.Jobs;

/// <summary>Runs one kind of job a step at a time: from the job's progress, some inputs, their results.</summary>
public interface IJobHandler
{
    string Kind { get; }

    /// <summary>Applies the inputs from <paramref name="from"/> on (as many as one step takes) and says what each gave. Must be idempotent: a step may be run again after a crash.</summary>
    ValueTask<JobStep> RunStepAsync(Job job, long from, CancellationToken cancellationToken);
}

/// <summary>
/// Takes a runnable job and runs it step by step under a lease, committing each step before the
/// next. A step whose commit is refused (the lease lost to another node, the job cancelled or
/// finished) ends the run; its work is idempotent, so the node that takes the job over redoes it
/// without doing anything twice.
/// </summary>
public sealed class JobRunner(IJobStore jobs, IEnumerable<IJobHandler> handlers, string owner, long leaseMs = 30_000, Action<Job, JobStep>? committed = null)
{
    private readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Kind);

    /// <summary>Runs one job as far as this node may; false when no job was runnable.</summary>
    public async ValueTask<bool> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (await jobs.TryLeaseAsync(owner, leaseMs, cancellationToken).ConfigureAwait(false) is not var (job, lease))
        {
            return false;
        }

        if (!_handlers.TryGetValue(job.Kind, out var handler))
        {
            // A kind this build does not know: left to a node that does, once the lease expires.
            return true;
        }

        // Every change the job makes is audited as its creator's, through the job (this flow only).
        AuditScope.Set(ActorOf(job));

        while (!job.IsFinished && job.Done < job.Total)
        {
            var step = await handler.RunStepAsync(job, job.Done, cancellationToken).ConfigureAwait(false);
            var result = await jobs.CommitStepAsync(lease, step, leaseMs, cancellationToken).ConfigureAwait(false);
            if (result.Outcome != JobOutcome.Ok)
            {
                break;
            }

            job = result.Job!;
            committed?.Invoke(job, step);
        }

        return true;
    }

    /// <summary>Who a job's changes are audited as: its creator, with the role <c>job:</c> and the job's id.</summary>
    public static AuditActor ActorOf(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new AuditActor(job.CreatedBy, "job:" + job.Id.ToString("N"), null);
    }
}
