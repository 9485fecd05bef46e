using Coupons.Client.Serialization;

namespace Coupons.Client;

// Checkout orders: several coupons locked, used, released and refunded as one. Every operation is
// idempotent per order (the same order again gets the same answer), so a retry is safe; an order
// busy with another request (order_busy, on the Redis store) may be retried a moment later.
public sealed partial class CouponsClient
{
    /// <summary>
    /// Locks every coupon of <paramref name="body"/> for the order, or none: a refusal names the
    /// coupon it is about (<see cref="CouponsProblem.CouponId"/>). All the locks lapse together.
    /// </summary>
    public async Task<CheckoutOrder> LockOrderAsync(string orderId, OrderCoupons body, CancellationToken cancellationToken = default) =>
        (await TryLockOrderAsync(orderId, body, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="LockOrderAsync"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<CheckoutOrder>> TryLockOrderAsync(string orderId, OrderCoupons body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return OrderAsync(orderId, "lock", Json(body, Contract.OrderCoupons), cancellationToken);
    }

    /// <summary>Uses every coupon of the order: confirms its locks (<paramref name="body"/> null), or locks and uses in one step with the lock's body.</summary>
    public async Task<CheckoutOrder> RedeemOrderAsync(string orderId, OrderCoupons? body = null, CancellationToken cancellationToken = default) =>
        (await TryRedeemOrderAsync(orderId, body, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="RedeemOrderAsync"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<CheckoutOrder>> TryRedeemOrderAsync(string orderId, OrderCoupons? body = null, CancellationToken cancellationToken = default) =>
        OrderAsync(orderId, "redeem", body is null ? null : Json(body, Contract.OrderCoupons), cancellationToken);

    /// <summary>Releases every lock the order holds.</summary>
    /// <param name="orderId">The order.</param>
    /// <param name="userId">For the service: whose order it must be; null for an end user or any user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<CheckoutOrder> ReleaseOrderAsync(string orderId, string? userId = null, CancellationToken cancellationToken = default) =>
        (await TryReleaseOrderAsync(orderId, userId, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="ReleaseOrderAsync"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<CheckoutOrder>> TryReleaseOrderAsync(string orderId, string? userId = null, CancellationToken cancellationToken = default) =>
        OrderAsync(orderId, "release", userId is null ? null : Json(new OrderOwnerBody(userId), Contract.OrderOwnerBody), cancellationToken);

    /// <summary>Returns every coupon the order used to its holder (service or admin).</summary>
    public async Task<CheckoutOrder> RefundOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        (await TryRefundOrderAsync(orderId, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();

    /// <summary>As <see cref="RefundOrderAsync"/>, giving a refusal as a result rather than an exception.</summary>
    public ValueTask<CouponsResult<CheckoutOrder>> TryRefundOrderAsync(string orderId, CancellationToken cancellationToken = default) =>
        OrderAsync(orderId, "refund", null, cancellationToken);

    /// <summary>The order and its coupons as they are now (its owner, the service or an admin; <c>order_not_found</c> for anyone else).</summary>
    public async Task<CheckoutOrder> GetOrderAsync(string orderId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        return (await GetAsync("v1/orders/" + Uri.EscapeDataString(orderId), Contract.CheckoutOrder, cancellationToken).ConfigureAwait(false)).GetValueOrThrow();
    }

    /// <summary>An order operation: its body, or none.</summary>
    private ValueTask<CouponsResult<CheckoutOrder>> OrderAsync(string orderId, string action, HttpContent? content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        return SendAsync(HttpMethod.Post, $"v1/orders/{Uri.EscapeDataString(orderId)}/{action}", content, Contract.CheckoutOrder, null, cancellationToken);
    }
}
