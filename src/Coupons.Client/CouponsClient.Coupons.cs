using System.Globalization;
using System.Runtime.CompilerServices;
using Coupons.Client.Serialization;

namespace Coupons.Client;

// Coupons: the user's list (and any user's, for the service and admins), a coupon, the four changes
// an order makes, and an admin's revoke. The changes are idempotent (the same order again gets the
// same answer; a revoked coupon revoked again is a replay), so a retry is safe.
public sealed partial class CouponsClient
{
    /// <summary>One page of the calling user's coupons, oldest first.</summary>
    /// <param name="status">Only coupons in this status; all when null.</param>
    /// <param name="limit">Page size, 1 to 200; the service's default (50) when null.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Page<Coupon>> ListMyCouponsPageAsync(CouponStatus? status = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        var path = new QueryString("v1/me/coupons").Add("status", status?.Value)
            .Add("limit", limit?.ToString(CultureInfo.InvariantCulture)).Add("cursor", cursor).ToString();
        return (await GetAsync(path, Contract.PageCoupon, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>Every coupon of the calling user, oldest first, fetched a page at a time as the enumeration goes.</summary>
    /// <param name="status">Only coupons in this status; all when null.</param>
    /// <param name="pageSize">Coupons per request, 1 to 200; the service's default when null.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<Coupon> ListMyCouponsAsync(CouponStatus? status = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        AllAsync((cursor, ct) => ListMyCouponsPageAsync(status, pageSize, cursor, ct), cancellationToken);

    /// <summary>One page of any user's coupons, oldest first (service or admin), as <see cref="ListMyCouponsPageAsync"/> gives a user their own.</summary>
    /// <param name="userId">The user (a token's <c>sub</c>), 1 to 128 characters.</param>
    /// <param name="status">Only coupons in this status; all when null.</param>
    /// <param name="limit">Page size, 1 to 200; the service's default (50) when null.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page; null for the first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<Page<Coupon>> ListUserCouponsPageAsync(string userId, CouponStatus? status = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var path = new QueryString("v1/users/" + Uri.EscapeDataString(userId) + "/coupons").Add("status", status?.Value)
            .Add("limit", limit?.ToString(CultureInfo.InvariantCulture)).Add("cursor", cursor).ToString();
        return (await GetAsync(path, Contract.PageCoupon, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>Every coupon of a user, oldest first, fetched a page at a time as the enumeration goes (service or admin).</summary>
    /// <param name="userId">The user (a token's <c>sub</c>).</param>
    /// <param name="status">Only coupons in this status; all when null.</param>
    /// <param name="pageSize">Coupons per request, 1 to 200; the service's default when null.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<Coupon> ListUserCouponsAsync(string userId, CouponStatus? status = null, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return AllAsync((cursor, ct) => ListUserCouponsPageAsync(userId, status, pageSize, cursor, ct), cancellationToken);
    }

    /// <summary>A coupon (its owner, the service or an admin; <c>coupon_not_found</c> for anyone else).</summary>
    public async Task<Coupon> GetCouponAsync(Guid couponId, CancellationToken cancellationToken = default) =>
        (await GetAsync("v1/coupons/" + couponId.ToString("D"), Contract.Coupon, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>Locks a coupon for an order of <paramref name="orderAmount"/> minor units; the lock lapses after the campaign's <c>lockTtlSeconds</c>.</summary>
    public async Task<Redemption> LockAsync(Guid couponId, string orderId, long orderAmount, CancellationToken cancellationToken = default) =>
        (await TryLockAsync(couponId, orderId, orderAmount, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="LockAsync(Guid, string, long, CancellationToken)"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<Redemption>> TryLockAsync(Guid couponId, string orderId, long orderAmount, CancellationToken cancellationToken = default) =>
        ChangeCouponAsync($"v1/coupons/{couponId:D}/lock", orderId, orderAmount, Contract.Redemption, cancellationToken);

    /// <summary>
    /// Uses a coupon for an order: confirms the order's lock, or locks and uses in one step when
    /// <paramref name="orderAmount"/> is given and the coupon is not locked.
    /// </summary>
    public async Task<Redemption> RedeemAsync(Guid couponId, string orderId, long? orderAmount = null, CancellationToken cancellationToken = default) =>
        (await TryRedeemAsync(couponId, orderId, orderAmount, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="RedeemAsync(Guid, string, long?, CancellationToken)"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<Redemption>> TryRedeemAsync(Guid couponId, string orderId, long? orderAmount = null, CancellationToken cancellationToken = default) =>
        ChangeCouponAsync($"v1/coupons/{couponId:D}/redeem", orderId, orderAmount, Contract.Redemption, cancellationToken);

    /// <summary>Locks a coupon for an order given by its items (or amount) and shipping; the lock keeps the price it came to.</summary>
    public async Task<Redemption> LockAsync(Guid couponId, string orderId, CouponOrder order, CancellationToken cancellationToken = default) =>
        (await TryLockAsync(couponId, orderId, order, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="LockAsync(Guid, string, CouponOrder, CancellationToken)"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<Redemption>> TryLockAsync(Guid couponId, string orderId, CouponOrder order, CancellationToken cancellationToken = default) =>
        ChangeCouponForOrderAsync($"v1/coupons/{couponId:D}/lock", orderId, order, Contract.Redemption, cancellationToken);

    /// <summary>Uses a coupon for an order given by its items (or amount) and shipping: confirms the lock at its price, or locks and uses in one step.</summary>
    public async Task<Redemption> RedeemAsync(Guid couponId, string orderId, CouponOrder order, CancellationToken cancellationToken = default) =>
        (await TryRedeemAsync(couponId, orderId, order, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="RedeemAsync(Guid, string, CouponOrder, CancellationToken)"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<Redemption>> TryRedeemAsync(Guid couponId, string orderId, CouponOrder order, CancellationToken cancellationToken = default) =>
        ChangeCouponForOrderAsync($"v1/coupons/{couponId:D}/redeem", orderId, order, Contract.Redemption, cancellationToken);

    /// <summary>Releases the order's lock on a coupon.</summary>
    public async Task<Coupon> ReleaseAsync(Guid couponId, string orderId, CancellationToken cancellationToken = default) =>
        (await TryReleaseAsync(couponId, orderId, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="ReleaseAsync"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<Coupon>> TryReleaseAsync(Guid couponId, string orderId, CancellationToken cancellationToken = default) =>
        ChangeCouponAsync($"v1/coupons/{couponId:D}/release", orderId, null, Contract.Coupon, cancellationToken);

    /// <summary>Returns a coupon the order used to its holder (service or admin).</summary>
    public async Task<Coupon> RefundAsync(Guid couponId, string orderId, CancellationToken cancellationToken = default) =>
        (await TryRefundAsync(couponId, orderId, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="RefundAsync"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<Coupon>> TryRefundAsync(Guid couponId, string orderId, CancellationToken cancellationToken = default) =>
        ChangeCouponAsync($"v1/coupons/{couponId:D}/refund", orderId, null, Contract.Coupon, cancellationToken);

    /// <summary>
    /// Takes an unused or locked coupon back for good (admin): a lock an order holds is dropped and
    /// the stock is not returned; <paramref name="reason"/> is kept in the audit log. Revoking a
    /// revoked coupon again changes nothing, so a retry is safe. Refused: <c>already_used</c>,
    /// <c>coupon_expired</c>, <c>coupon_not_found</c>.
    /// </summary>
    public async Task<Coupon> RevokeAsync(Guid couponId, string reason, CancellationToken cancellationToken = default) =>
        (await TryRevokeAsync(couponId, reason, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="RevokeAsync"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<Coupon>> TryRevokeAsync(Guid couponId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return SendAsync(HttpMethod.Post, $"v1/coupons/{couponId:D}/revoke", Json(new RevokeBody(reason), Contract.RevokeBody), Contract.Coupon, null, cancellationToken);
    }

    private ValueTask<CouponsResult<T>> ChangeCouponAsync<T>(
        string path, string orderId, long? orderAmount, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        return SendAsync(HttpMethod.Post, path, Json(new OrderBody(orderId, orderAmount), Contract.OrderBody), answer, null, cancellationToken);
    }

    private ValueTask<CouponsResult<T>> ChangeCouponForOrderAsync<T>(
        string path, string orderId, CouponOrder order, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> answer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        ArgumentNullException.ThrowIfNull(order);
        var body = new OrderBody(orderId, order.OrderAmount, order.Items, order.ShippingAmount);
        return SendAsync(HttpMethod.Post, path, Json(body, Contract.OrderBody), answer, null, cancellationToken);
    }
}
