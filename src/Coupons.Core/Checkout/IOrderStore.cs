namespace Coupons.Core.Checkout;

/// <summary>
/// Where checkout orders live (DESIGN.md, Checkout: orders): every implementation decides with
/// <see cref="OrderRules"/> and stores all of an order's changes (its record and every coupon's
/// state) or none, durable before it answers. One operation on an order at a time; coupons shared
/// by two orders are taken by one of them.
/// </summary>
public interface IOrderStore
{
    /// <summary>
    /// Runs <paramref name="command"/> on the order: <paramref name="body"/> is required to lock and
    /// optional to redeem (without it, the order's locks are confirmed), and ignored otherwise.
    /// <paramref name="ownerId"/>: whose order and coupons they must be; null when the caller may act for anyone.
    /// </summary>
    ValueTask<OrderResult> ChangeOrderAsync(OrderCommand command, string orderId, string? ownerId, OrderBody? body, CancellationToken cancellationToken = default);

    /// <summary>The order and its coupons as they are now; order_not_found when there is none (or not <paramref name="ownerId"/>'s).</summary>
    ValueTask<OrderResult> GetOrderAsync(string orderId, string? ownerId, CancellationToken cancellationToken = default);
}
