namespace Coupons.Client;

// Jobs: long work the service runs in the background (code generation), followed by id.
public sealed partial class CouponsClient
{
    /// <summary>A job's progress and results (admin, service); <c>job_not_found</c> for an unknown id.</summary>
    public async Task<Job> GetJobAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        (await GetAsync(JobPath(jobId), Contract.Job, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>
    /// Cancels a job (admin, service): it takes no further step, and what it applied stays applied.
    /// Cancelling a cancelled job changes nothing, so a retry is safe; a finished one is <c>job_finished</c>.
    /// </summary>
    public async Task<Job> CancelJobAsync(Guid jobId, CancellationToken cancellationToken = default) =>
        (await SendAsync(HttpMethod.Post, JobPath(jobId) + "/cancel", null, Contract.Job, null, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>
    /// Reads a job every <paramref name="pollInterval"/> (1 s when null) until it has ended
    /// (<see cref="JobStatus.IsFinished"/>), and gives it as it ended. Bound the wait with
    /// <paramref name="cancellationToken"/>.
    /// </summary>
    public async Task<Job> WaitForJobAsync(Guid jobId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero, nameof(pollInterval));
        while (true)
        {
            var job = await GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
            if (job.Status.IsFinished)
            {
                return job;
            }

            await Task.Delay(interval, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string JobPath(Guid jobId) => "v1/jobs/" + jobId.ToString("D");
}
