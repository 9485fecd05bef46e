using System.Globalization;
using System.Net.Http.Headers;
using Coupons.Client.Serialization;

namespace Coupons.Client;

// Issuance: coupons pushed to a list of users by a job, and the inputs a job refused.
public sealed partial class CouponsClient
{
    /// <summary>
    /// Starts an issuance job (admin, service): each of <paramref name="userIds"/> (1 to 10,000)
    /// gets one coupon of the campaign under its rules, exactly once per job; the users refused
    /// (<c>sold_out</c>, <c>limit_reached</c>, ...) are the job's failures
    /// (<see cref="ListJobFailuresAsync"/>). Follow it with <see cref="WaitForJobAsync"/>. An
    /// <paramref name="idempotencyKey"/> is sent (one is made when null and
    /// <see cref="CouponsClientOptions.GenerateIdempotencyKeys"/> is on), so a retry after a lost
    /// answer gives the same job.
    /// </summary>
    public async Task<Job> IssueAsync(Guid campaignId, IEnumerable<string> userIds, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        var body = Json(new IssueBody([.. userIds]), Contract.IssueBody);
        return (await SendAsync(HttpMethod.Post, IssuancesPath(campaignId), body, Contract.Job, KeyOrNew(idempotencyKey), cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>
    /// Starts an issuance job from a CSV of one user id a line (up to 1,000,000), streamed from
    /// <paramref name="users"/> as it is sent (never read whole); otherwise as
    /// <see cref="IssueAsync"/>. The stream is disposed once sent (as <see cref="StreamContent"/>
    /// does). A retry sends it again from where it started, so only a seekable one (a file) can be
    /// retried.
    /// </summary>
    public async Task<Job> IssueCsvAsync(Guid campaignId, Stream users, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        var body = new StreamContent(users) { Headers = { ContentType = new MediaTypeHeaderValue(CsvType) } };
        return (await SendAsync(HttpMethod.Post, IssuancesPath(campaignId), body, Contract.Job, KeyOrNew(idempotencyKey), cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>One page of the inputs a job refused, in input order, each with its problem code (admin, service).</summary>
    public async Task<Page<JobFailure>> ListJobFailuresPageAsync(Guid jobId, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var path = new QueryString(JobPath(jobId) + "/failures").Add("limit", limit?.ToString(CultureInfo.InvariantCulture)).Add("cursor", cursor).ToString();
        return (await GetAsync(path, Contract.PageJobFailure, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>Every input a job refused, fetched a page at a time as the enumeration goes.</summary>
    public IAsyncEnumerable<JobFailure> ListJobFailuresAsync(Guid jobId, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllAsync((cursor, ct) => ListJobFailuresPageAsync(jobId, pageSize, cursor, ct), cancellationToken);

    private string? KeyOrNew(string? idempotencyKey) => idempotencyKey ?? (_options.GenerateIdempotencyKeys ? Guid.NewGuid().ToString("N") : null);

    private static string IssuancesPath(Guid campaignId) => CampaignPath(campaignId) + "/issuances";
}
