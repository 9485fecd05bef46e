namespace Coupons.Core.Jobs;

/// <summary>Where a job is in its life. Values are stored: never reuse one.</summary>
public enum JobStatus : byte
{
    /// <summary>Created; its inputs may still be arriving, or no node has taken it yet.</summary>
    Queued = 1,

    /// <summary>A node works on it, step by step.</summary>
    Running = 2,

    /// <summary>Every input was applied (each with its own result: some may have been refused).</summary>
    Succeeded = 3,

    /// <summary>The job could not go on (its campaign is gone, say); what was applied stays applied.</summary>
    Failed = 4,

    /// <summary>Cancelled by a caller; what was applied before stays applied.</summary>
    Cancelled = 5,
}

/// <summary>What a caller asks for: the kind of work, on which campaign, by whom, with the kind's own parameters.</summary>
/// <param name="Kind">The handler that runs it: <see cref="JobKinds"/>.</param>
/// <param name="CampaignId">The campaign the job works on, if any.</param>
/// <param name="CreatedBy">The caller (a token subject), for the audit log and idempotency.</param>
/// <param name="IdempotencyKey">The same caller and key give the same job back.</param>
/// <param name="Parameters">The kind's parameters as JSON text, stored as given.</param>
/// <param name="Total">The number of inputs when known up front (a count of codes); null when they are appended (a user list) and counted when sealed.</param>
public sealed record JobSpec(string Kind, Guid? CampaignId, string CreatedBy, string? IdempotencyKey, string Parameters, long? Total);

/// <summary>
/// A job as stored: its progress is the number of inputs applied (<see cref="Done"/>), in input
/// order, and the count of results by outcome code. Inputs are applied in steps; a step is
/// committed only from where the previous one ended (<see cref="JobRules.CanCommit"/>), so no input
/// is applied twice by the job's bookkeeping, and the work each input does is idempotent on its own.
/// </summary>
public sealed record Job(
    Guid Id,
    string Kind,
    JobStatus Status,
    Guid? CampaignId,
    string CreatedBy,
    string Parameters,
    long Total,
    long Done,
    IReadOnlyDictionary<string, long> Results,
    bool InputsSealed,
    long CreatedAtMs,
    long? FinishedAtMs)
{
    public bool IsFinished => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
}

/// <summary>An input a job refused, with the code of its refusal, at its place in the inputs.</summary>
public sealed record JobFailure(long Index, string Input, string Code);

/// <summary>
/// A node's hold on a job until <see cref="ExpiresAtMs"/>: only its holder commits steps. A node that
/// dies leaves the lease to expire and another node to take the job from its last committed step.
/// </summary>
public sealed record JobLease(Guid JobId, string Owner, long Token, long ExpiresAtMs);

/// <summary>
/// What a step did: the inputs from <see cref="From"/> (inclusive) to <see cref="To"/> (exclusive),
/// how many of each outcome, and the refused ones.
/// </summary>
public sealed record JobStep(long From, long To, IReadOnlyDictionary<string, long> Results, IReadOnlyList<JobFailure> Failures);

/// <summary>The kinds of job the service runs.</summary>
public static class JobKinds
{
    /// <summary>Unique codes generated for a campaign.</summary>
    public const string Codes = "codes";

    /// <summary>Coupons issued to a list of users.</summary>
    public const string Issuance = "issuance";
}
