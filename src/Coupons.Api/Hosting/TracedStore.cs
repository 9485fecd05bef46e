using System.Diagnostics;
using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;

namespace Coupons.Api.Hosting;

/// <summary>
/// The store with a span around each call a request makes (<c>store claim</c>, <c>store lock</c>, …):
/// which store, the campaign's and coupon's ids where the call has them, the outcome code. Put in
/// front of the store only when tracing is on (<see cref="TracingSetup"/>), so that without tracing
/// a request calls the store directly. User ids, order ids, idempotency keys and codes are not tagged.
/// </summary>
internal sealed class TracedStore(ICouponStore coupons, IOrderStore orders, ICodeStore codes, string store) : ICouponStore, IOrderStore, ICodeStore
{
    public bool IsReady => coupons.IsReady;

    public ValueTask<CampaignInfo> CreateCampaignAsync(CampaignDefinition definition, long totalStock, CancellationToken cancellationToken = default) =>
        Trace("store create_campaign", null, null, () => coupons.CreateCampaignAsync(definition, totalStock, cancellationToken), static _ => (Outcome.Ok, null));

    public ValueTask<CampaignInfo?> GetCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        Trace("store get_campaign", campaignId, null, () => coupons.GetCampaignAsync(campaignId, cancellationToken), static c => (c is null ? Outcome.CampaignNotFound : Outcome.Ok, null));

    public ValueTask<Page<CampaignInfo>> ListCampaignsAsync(CampaignFilter filter, Guid? after, int limit, CancellationToken cancellationToken = default) =>
        Trace("store list_campaigns", null, null, () => coupons.ListCampaignsAsync(filter, after, limit, cancellationToken));

    public ValueTask<CampaignResult> ChangeCampaignStatusAsync(Guid campaignId, CampaignCommand command, CancellationToken cancellationToken = default) =>
        Trace("store change_campaign_status", campaignId, null, () => coupons.ChangeCampaignStatusAsync(campaignId, command, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<CampaignResult> AddStockAsync(Guid campaignId, long add, CancellationToken cancellationToken = default) =>
        Trace("store add_stock", campaignId, null, () => coupons.AddStockAsync(campaignId, add, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<CouponResult> ClaimAsync(Guid campaignId, string userId, string? idempotencyKey, CancellationToken cancellationToken = default) =>
        Trace("store claim", campaignId, null, () => coupons.ClaimAsync(campaignId, userId, idempotencyKey, cancellationToken), static r => (r.Outcome, r.Coupon?.Id));

    public ValueTask<CouponResult> GetCouponAsync(Guid couponId, string? ownerId, CancellationToken cancellationToken = default) =>
        Trace("store get_coupon", null, couponId, () => coupons.GetCouponAsync(couponId, ownerId, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<Page<Coupon>> ListUserCouponsAsync(string userId, CouponStatus? status, Guid? after, int limit, CancellationToken cancellationToken = default) =>
        Trace("store list_user_coupons", null, null, () => coupons.ListUserCouponsAsync(userId, status, after, limit, cancellationToken));

    public ValueTask<Redemption> LockAsync(Guid couponId, string? ownerId, string orderId, long orderAmount, CancellationToken cancellationToken = default) =>
        Trace("store lock", null, couponId, () => coupons.LockAsync(couponId, ownerId, orderId, orderAmount, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<Redemption> RedeemAsync(Guid couponId, string? ownerId, string orderId, long? orderAmount, CancellationToken cancellationToken = default) =>
        Trace("store redeem", null, couponId, () => coupons.RedeemAsync(couponId, ownerId, orderId, orderAmount, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<Redemption> LockForCartAsync(Guid couponId, string? ownerId, string orderId, Cart cart, CancellationToken cancellationToken = default) =>
        Trace("store lock", null, couponId, () => coupons.LockForCartAsync(couponId, ownerId, orderId, cart, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<Redemption> RedeemForCartAsync(Guid couponId, string? ownerId, string orderId, Cart cart, CancellationToken cancellationToken = default) =>
        Trace("store redeem", null, couponId, () => coupons.RedeemForCartAsync(couponId, ownerId, orderId, cart, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<CouponResult> ReleaseAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default) =>
        Trace("store release", null, couponId, () => coupons.ReleaseAsync(couponId, ownerId, orderId, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<CouponResult> RefundAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default) =>
        Trace("store refund", null, couponId, () => coupons.RefundAsync(couponId, ownerId, orderId, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<CouponResult> RevokeAsync(Guid couponId, string reason, CancellationToken cancellationToken = default) =>
        Trace("store revoke", null, couponId, () => coupons.RevokeAsync(couponId, reason, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<CampaignStats?> GetStatsAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        Trace("store get_stats", campaignId, null, () => coupons.GetStatsAsync(campaignId, cancellationToken), static s => (s is null ? Outcome.CampaignNotFound : Outcome.Ok, null));

    public ValueTask<OrderResult> ChangeOrderAsync(OrderCommand command, string orderId, string? ownerId, OrderBody? body, CancellationToken cancellationToken = default) =>
        Trace(OrderSpan(command), null, null, () => orders.ChangeOrderAsync(command, orderId, ownerId, body, cancellationToken), static r => (r.Outcome, r.RefusedCouponId));

    public ValueTask<OrderResult> GetOrderAsync(string orderId, string? ownerId, CancellationToken cancellationToken = default) =>
        Trace("store get_order", null, null, () => orders.GetOrderAsync(orderId, ownerId, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<AddCodesResult> AddCodesAsync(Guid campaignId, Guid jobId, IReadOnlyList<NewCode> newCodes, CancellationToken cancellationToken = default) =>
        Trace("store add_codes", campaignId, null, () => codes.AddCodesAsync(campaignId, jobId, newCodes, cancellationToken), static r => (r.Outcome, null));

    public ValueTask<CodePage> ListCodesAsync(Guid campaignId, CodeStatus? status, CodeCursor? after, int limit, CancellationToken cancellationToken = default) =>
        Trace("store list_codes", campaignId, null, () => codes.ListCodesAsync(campaignId, status, after, limit, cancellationToken));

    public ValueTask<CouponResult> ClaimByCodeAsync(CodeHash code, string userId, string? idempotencyKey, CancellationToken cancellationToken = default) =>
        Trace("store claim_by_code", null, null, () => codes.ClaimByCodeAsync(code, userId, idempotencyKey, cancellationToken), static r => (r.Outcome, r.Coupon?.Id));

    public ValueTask<CouponResult> FindCouponByCodeAsync(CouponCodeKey key, CancellationToken cancellationToken = default) =>
        Trace("store find_coupon_by_code", null, null, () => codes.FindCouponByCodeAsync(key, cancellationToken), static r => (r.Outcome, r.Coupon?.Id));

    private static string OrderSpan(OrderCommand command) => command switch
    {
        OrderCommand.Lock => "store lock_order",
        OrderCommand.Redeem => "store redeem_order",
        OrderCommand.Release => "store release_order",
        _ => "store refund_order",
    };

    /// <summary>
    /// Runs <paramref name="call"/> inside its span (as an async method, so the caller's current
    /// span is its own again afterwards); <paramref name="outcome"/> reads the answer's outcome code
    /// and the coupon it names, if any.
    /// </summary>
    private async ValueTask<T> Trace<T>(string name, Guid? campaignId, Guid? couponId, Func<ValueTask<T>> call, Func<T, (Outcome Outcome, Guid? CouponId)>? outcome = null)
    {
        using var span = Tracing.StartChild(name);
        if (span is null)
        {
            return await call().ConfigureAwait(false);
        }

        span.SetTag("coupons.store", store);
        if (campaignId is { } campaign)
        {
            span.SetTag("coupons.campaign.id", campaign.ToString("D"));
        }

        try
        {
            var answer = await call().ConfigureAwait(false);
            if (outcome is not null)
            {
                var (code, coupon) = outcome(answer);
                span.SetTag("coupons.outcome", code.ToCode());
                couponId ??= coupon;
            }

            if (couponId is { } id)
            {
                span.SetTag("coupons.coupon.id", id.ToString("D"));
            }

            return answer;
        }
        catch (Exception exception)
        {
            Tracing.Failed(span, exception);
            throw;
        }
    }
}
