namespace Coupons.Core.Jobs;

/// <summary>
/// Issuance: each input is a user, who gets one coupon of the job's campaign under its rules
/// (status, stock, per-user limit), claimed with an idempotency key of the job's own. A step redone
/// after a crash, or a user listed twice, gets the coupon the first claim gave (a replay), never a
/// second one. The claims of a step run together, so they share the store's commits.
/// </summary>
public sealed class IssuanceHandler(ICouponStore coupons, IJobStore jobs, int stepSize = 2_000) : IJobHandler
{
    public const string Ok = "ok";

    public string Kind => JobKinds.Issuance;

    /// <summary>The idempotency key every claim of a job is made with.</summary>
    public static string IdempotencyKeyOf(Guid jobId) => "job:" + jobId.ToString("N");

    public async ValueTask<JobStep> RunStepAsync(Job job, long from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var campaignId = job.CampaignId ?? throw new InvalidOperationException($"issuance job {job.Id} has no campaign");
        var users = await jobs.ReadInputsAsync(job.Id, from, stepSize, cancellationToken).ConfigureAwait(false);
        var key = IdempotencyKeyOf(job.Id);
        var claims = new Task<CouponResult>[users.Count];
        for (var i = 0; i < users.Count; i++)
        {
            claims[i] = coupons.ClaimAsync(campaignId, users[i], key, cancellationToken).AsTask();
        }

        await Task.WhenAll(claims).ConfigureAwait(false);
        var results = new Dictionary<string, long>();
        var failures = new List<JobFailure>();
        for (var i = 0; i < users.Count; i++)
        {
            var outcome = claims[i].Result.Outcome;
            var code = outcome.IsSuccess() ? Ok : outcome.ToCode();
            results[code] = results.GetValueOrDefault(code) + 1;
            if (!outcome.IsSuccess())
            {
                failures.Add(new JobFailure(from + i, users[i], code));
            }
        }

        return new JobStep(from, from + users.Count, results, failures);
    }
}
