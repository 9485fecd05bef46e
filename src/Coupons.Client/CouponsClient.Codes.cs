using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using Coupons.Client.Serialization;

namespace Coupons.Client;

// Codes: a claim by a campaign's shared code or a generated code, the lookup of a coupon by its own
// code, and a campaign's generated codes (made by a job, listed, exported as CSV). Codes travel only
// in bodies, never in URLs.
public sealed partial class CouponsClient
{
    private const string CsvType = "text/csv";

    /// <summary>
    /// Claims a coupon with a code for the calling user (end user): a campaign's shared code or a
    /// generated one, typed in any case, with or without the dashes between printed groups. Throws
    /// <see cref="CouponsApiException"/> on a refusal: <c>code_not_found</c>, <c>code_already_claimed</c>,
    /// then the campaign's own (<c>campaign_not_active</c>, <c>limit_reached</c>, <c>sold_out</c>);
    /// failed attempts are limited (<c>rate_limited</c> with <see cref="RateLimitKind.CodeAttempts"/>).
    /// See <see cref="TryClaimByCodeAsync"/>.
    /// </summary>
    public async Task<ClaimedCoupon> ClaimByCodeAsync(string code, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        (await TryClaimByCodeAsync(code, idempotencyKey, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>
    /// As <see cref="ClaimByCodeAsync"/>, giving a refusal as a result rather than an exception.
    /// A generated code gives one coupon, to the first user who claims it: the same user again gets
    /// the same coupon (<see cref="ClaimedCoupon.IsReplay"/>), anyone else <c>code_already_claimed</c>.
    /// A shared code gives each user a coupon under the campaign's per-user limit: without a key the
    /// same user again gets the same coupon; each new <paramref name="idempotencyKey"/> claims another
    /// one, and the same key again gives its coupon back. So the client makes no key of its own here
    /// (one per call would claim a new coupon each time), and a retry is safe either way.
    /// </summary>
    /// <param name="code">The code as typed, 1 to 128 characters.</param>
    /// <param name="idempotencyKey">With a shared code, a key per coupon wanted; 1 to 128 visible ASCII characters.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<CouponsResult<ClaimedCoupon>> TryClaimByCodeAsync(string code, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        var result = await SendAsync(HttpMethod.Post, "v1/codes/claim", Json(new CodeBody(code), Contract.CodeBody), Contract.Coupon, idempotencyKey, cancellationToken).ConfigureAwait(false);
        return result.IsSuccess
            ? new CouponsResult<ClaimedCoupon>(result.Status, new ClaimedCoupon(result.Value!, IsReplay: result.Status == 200, idempotencyKey))
            : new CouponsResult<ClaimedCoupon>(result.Problem, result.RetryAfter);
    }

    /// <summary>
    /// The coupon whose own redemption code (<see cref="Coupon.Code"/>) this is (service, admin): a
    /// cashier types it, the till finds the coupon, then locks or redeems it by id. Throws
    /// <c>code_not_found</c> for any other text. A read: safe to retry.
    /// </summary>
    public async Task<Coupon> LookupCodeAsync(string code, CancellationToken cancellationToken = default) =>
        (await TryLookupCodeAsync(code, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="LookupCodeAsync"/>, giving <c>code_not_found</c> (a mistyped code) as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<Coupon>> TryLookupCodeAsync(string code, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        return SendAsync(HttpMethod.Post, "v1/codes/lookup", Json(new CodeBody(code), Contract.CodeBody), Contract.Coupon, null, cancellationToken);
    }

    /// <summary>
    /// Starts a job that generates <paramref name="count"/> unique codes for a campaign (admin): each
    /// the prefix, random symbols of an alphabet without look-alikes and a check character. Follow the
    /// job with <see cref="GetJobAsync"/> or <see cref="WaitForJobAsync"/>. Generating reserves no stock.
    /// The same <paramref name="idempotencyKey"/> again gives the same job back; without one the client
    /// makes one for this call when <see cref="CouponsClientOptions.GenerateIdempotencyKeys"/> is on, so
    /// that a retry after a lost answer cannot start a second job.
    /// </summary>
    /// <param name="campaignId">The campaign (not ended: else <c>campaign_ended</c>).</param>
    /// <param name="count">How many codes, 1 to 1,000,000.</param>
    /// <param name="prefix">Starts every code: up to 8 symbols of the alphabet (2-9 and A-Z without I, L, O); none when null.</param>
    /// <param name="length">Symbols after the prefix, the check character included: 8 to 24; 12 when null.</param>
    /// <param name="idempotencyKey">1 to 128 visible ASCII characters; null to let the client decide.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Job> GenerateCodesAsync(Guid campaignId, long count, string? prefix = null, int? length = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var body = Json(new GenerateCodesBody(count, prefix, length), Contract.GenerateCodesBody);
        return (await SendAsync(HttpMethod.Post, CampaignPath(campaignId) + "/codes", body, Contract.Job, KeyOrNew(idempotencyKey), cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>One page of a campaign's generated codes (admin): by generation job, oldest first, then in the order made.</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="status">Only codes in this status; all when null.</param>
    /// <param name="limit">Page size, 1 to 200; the service's default (50) when null.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Page<CouponCode>> ListCodesPageAsync(Guid campaignId, CodeStatus? status = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var path = new QueryString(CampaignPath(campaignId) + "/codes").Add("status", status?.Value)
            .Add("limit", limit?.ToString(CultureInfo.InvariantCulture)).Add("cursor", cursor).ToString();
        return (await GetAsync(path, Contract.PageCouponCode, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>Every generated code of a campaign, fetched a page at a time as the enumeration goes (admin).</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="status">Only codes in this status; all when null.</param>
    /// <param name="pageSize">Codes per request, 1 to 200; the service's default when null.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<CouponCode> ListCodesAsync(Guid campaignId, CodeStatus? status = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllAsync((cursor, ct) => ListCodesPageAsync(campaignId, status, pageSize, cursor, ct), cancellationToken);

    /// <summary>
    /// Every generated code of a campaign as CSV (admin), streamed from the service into
    /// <paramref name="destination"/> as it comes (never held whole): a header line
    /// <c>code,status,userId,couponId,claimedAt</c>, then one line a code, UTF-8.
    /// </summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="destination">Where the CSV goes (a file, a response); left open.</param>
    /// <param name="status">Only codes in this status; all when null.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    public async Task ExportCodesAsync(Guid campaignId, Stream destination, CodeStatus? status = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var response = await SendExportAsync(campaignId, status, cancellationToken).ConfigureAwait(false);
        await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// As <see cref="ExportCodesAsync(Guid, Stream, CodeStatus?, CancellationToken)"/>, line by line
    /// as the CSV streams in: the header line first, then one line a code (fields quoted as RFC 4180
    /// quotes them where a user id holds a comma or a quote).
    /// </summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="status">Only codes in this status; all when null.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    public async IAsyncEnumerable<string> ExportCodeLinesAsync(Guid campaignId, CodeStatus? status = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var response = await SendExportAsync(campaignId, status, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    /// <summary>The export's answer with its body not read yet; a problem is read and thrown.</summary>
    private async Task<HttpResponseMessage> SendExportAsync(Guid campaignId, CodeStatus? status, CancellationToken cancellationToken)
    {
        var path = new QueryString(CampaignPath(campaignId) + "/codes").Add("status", status?.Value).ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, RequestUri(path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(CsvType));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        await AuthorizeAsync(request, cancellationToken).ConfigureAwait(false);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var problem = await ProblemReader.ReadAsync(response, cancellationToken).ConfigureAwait(false);
            throw new CouponsApiException(problem, ProblemReader.RetryAfterOf(response, _options.TimeProvider));
        }
    }
}
