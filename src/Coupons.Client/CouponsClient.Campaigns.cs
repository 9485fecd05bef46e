using System.Globalization;
using System.Runtime.CompilerServices;
using Coupons.Client.Serialization;

namespace Coupons.Client;

// Campaigns: create, read, list, pause / resume / end, stock, stats, and the claim.
public sealed partial class CouponsClient
{
    private static CouponsJsonContext Contract => CouponsJsonContext.Default;

    /// <summary>Creates a campaign (admin). Not retried: a repeat would create a second campaign.</summary>
    public async Task<Campaign> CreateCampaignAsync(NewCampaign campaign, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return (await PostAsync("v1/campaigns", campaign, Contract.NewCampaign, Contract.Campaign, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>A campaign with its remaining stock.</summary>
    public async Task<Campaign> GetCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        (await GetAsync(CampaignPath(campaignId), Contract.Campaign, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>
    /// One page of campaigns, oldest first. An admin may list every campaign or those of one status;
    /// anyone else must ask for <see cref="CampaignStatus.Active"/>, which gives the campaigns open
    /// to claims now (else <c>forbidden</c>). A filtered page may hold fewer than <paramref name="limit"/>
    /// items, even none, and still have a next cursor.
    /// </summary>
    /// <param name="status">Only campaigns in this status; all when null (admin only).</param>
    /// <param name="limit">Page size, 1 to 200; the service's default (50) when null.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Page<Campaign>> ListCampaignsPageAsync(CampaignStatus? status = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var path = new QueryString("v1/campaigns").Add("status", status?.Value)
            .Add("limit", limit?.ToString(CultureInfo.InvariantCulture)).Add("cursor", cursor).ToString();
        return (await GetAsync(path, Contract.PageCampaign, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>
    /// Every campaign <see cref="ListCampaignsPageAsync"/> lists for <paramref name="status"/>, oldest
    /// first, fetched a page at a time as the enumeration goes.
    /// </summary>
    /// <param name="status">Only campaigns in this status; all when null (admin only).</param>
    /// <param name="pageSize">Campaigns per request, 1 to 200; the service's default when null.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<Campaign> ListCampaignsAsync(CampaignStatus? status = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllAsync((cursor, ct) => ListCampaignsPageAsync(status, pageSize, cursor, ct), cancellationToken);

    /// <summary>Stops claims for a while (admin). Safe to repeat.</summary>
    public Task<Campaign> PauseCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        ChangeCampaignAsync(campaignId, "/pause", cancellationToken);

    /// <summary>Takes claims again (admin). Safe to repeat.</summary>
    public Task<Campaign> ResumeCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        ChangeCampaignAsync(campaignId, "/resume", cancellationToken);

    /// <summary>Ends a campaign for good (admin). Safe to repeat.</summary>
    public Task<Campaign> EndCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        ChangeCampaignAsync(campaignId, "/end", cancellationToken);

    /// <summary>Adds <paramref name="add"/> coupons to a campaign's stock (admin). Not retried: a repeat would add them twice.</summary>
    public async Task<Campaign> AddStockAsync(Guid campaignId, long add, CancellationToken cancellationToken = default) =>
        (await PostAsync(CampaignPath(campaignId) + "/stock", new StockBody(add), Contract.StockBody, Contract.Campaign, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>A campaign's live counts (admin).</summary>
    public async Task<CampaignStats> GetStatsAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        (await GetAsync(CampaignPath(campaignId) + "/stats", Contract.CampaignStats, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>
    /// Claims a coupon of a campaign for the calling user; throws <see cref="CouponsApiException"/> on a
    /// refusal (<c>sold_out</c>, <c>limit_reached</c>, <c>campaign_not_active</c>, ...). See <see cref="TryClaimAsync"/>.
    /// </summary>
    public async Task<ClaimedCoupon> ClaimAsync(Guid campaignId, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        (await TryClaimAsync(campaignId, idempotencyKey, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>
    /// Claims a coupon of a campaign for the calling user, giving a refusal as a result rather than an
    /// exception. The same <paramref name="idempotencyKey"/> again gives the same coupon back
    /// (<see cref="ClaimedCoupon.IsReplay"/>). Without a key the client makes one for this call when
    /// <see cref="CouponsClientOptions.GenerateIdempotencyKeys"/> is on, so that a retry of it after a
    /// lost answer cannot claim a second coupon; keep <see cref="ClaimedCoupon.IdempotencyKey"/> to
    /// repeat the claim later yourself.
    /// </summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="idempotencyKey">1 to 128 visible ASCII characters; null to let the client decide.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<CouponsResult<ClaimedCoupon>> TryClaimAsync(Guid campaignId, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var key = idempotencyKey ?? (_options.GenerateIdempotencyKeys ? Guid.NewGuid().ToString("N") : null);
        var result = await SendAsync(HttpMethod.Post, $"v1/campaigns/{campaignId:D}/claim", null, Contract.Coupon, key, cancellationToken).ConfigureAwait(false);
        return result.IsSuccess
            ? new CouponsResult<ClaimedCoupon>(result.Status, new ClaimedCoupon(result.Value!, IsReplay: result.Status == 200, key))
            : new CouponsResult<ClaimedCoupon>(result.Problem, result.RetryAfter);
    }

    private async Task<Campaign> ChangeCampaignAsync(Guid campaignId, string change, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, CampaignPath(campaignId) + change, null, Contract.Campaign, null, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    private static string CampaignPath(Guid campaignId) => "v1/campaigns/" + campaignId.ToString("D");
}
