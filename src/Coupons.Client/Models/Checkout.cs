namespace Coupons.Client;

/// <summary>A line of an order: <paramref name="Quantity"/> × <paramref name="UnitPrice"/> minor units of a product in a category.</summary>
/// <param name="Sku">The product; scopes match it exactly.</param>
/// <param name="Category">Its category, or null; scopes match it exactly.</param>
/// <param name="Quantity">1 to 1,000,000.</param>
/// <param name="UnitPrice">Minor units per unit.</param>
public sealed record OrderItem(string Sku, string? Category, int Quantity, long UnitPrice);

/// <summary>An order to price (<see cref="CouponsClient.QuoteAsync"/>): its items or its amount, its shipping, and the coupons to price it with (null: the best of the user's).</summary>
/// <param name="Items">The order's lines, or null to give <see cref="OrderAmount"/>.</param>
/// <param name="OrderAmount">The order's amount when there are no items (or their total).</param>
public sealed record QuoteOrder(IReadOnlyList<OrderItem>? Items = null, long? OrderAmount = null)
{
    /// <summary>Shipping in minor units (0 when null): what a free-shipping coupon takes off.</summary>
    public long? ShippingAmount { get; init; }

    /// <summary>1 to 5 coupons to price the order with; null to have the best combination of the user's coupons chosen.</summary>
    public IReadOnlyList<Guid>? CouponIds { get; init; }

    /// <summary>Whose coupons, for the service; null for an end user (their own).</summary>
    public string? UserId { get; init; }
}

/// <summary>
/// An order as a single coupon's lock or redeem may give it (<see cref="CouponsClient.LockAsync(Guid, string, CouponOrder, CancellationToken)"/>):
/// its items or its amount, and its shipping, priced as the quote prices one coupon (scope, free shipping).
/// </summary>
/// <param name="Items">The order's lines, or null to give <see cref="OrderAmount"/>.</param>
/// <param name="OrderAmount">The order's amount when there are no items (or their total).</param>
public sealed record CouponOrder(IReadOnlyList<OrderItem>? Items = null, long? OrderAmount = null)
{
    /// <summary>Shipping in minor units (0 when null): what a free-shipping coupon takes off.</summary>
    public long? ShippingAmount { get; init; }
}

/// <summary>One coupon's share of an order's discount.</summary>
public sealed record QuoteLine(Guid CouponId, long Discount);

/// <summary>A coupon weighed for the order: whether it applies on its own, what it would take off alone, and why not (<see cref="Code"/>) when it does not.</summary>
public sealed record QuoteCandidate(Guid CouponId, Guid CampaignId, bool Applicable, long Discount, string? Code);

/// <summary>An order priced: the coupons chosen or given, in the order they were taken, the discount, what is left to pay, each coupon's line and every coupon weighed.</summary>
public sealed record Quote(
    IReadOnlyList<Guid> CouponIds,
    long OrderAmount,
    long ShippingAmount,
    long Discount,
    long Payable,
    IReadOnlyList<QuoteLine> Lines,
    IReadOnlyList<QuoteCandidate> Candidates);

/// <summary>
/// An order's coupons and cart, to lock them (<see cref="CouponsClient.LockOrderAsync"/>) or to lock
/// and use them in one step (<see cref="CouponsClient.RedeemOrderAsync"/>): its items or its amount,
/// and its shipping.
/// </summary>
/// <param name="CouponIds">1 to 5 coupons, each once: one exclusive coupon, or stackable ones of different campaigns.</param>
/// <param name="Items">The order's lines, or null to give <see cref="OrderAmount"/>.</param>
/// <param name="OrderAmount">The order's amount when there are no items (or their total).</param>
public sealed record OrderCoupons(IReadOnlyList<Guid> CouponIds, IReadOnlyList<OrderItem>? Items = null, long? OrderAmount = null)
{
    /// <summary>Shipping in minor units (0 when null): what a free-shipping coupon takes off.</summary>
    public long? ShippingAmount { get; init; }

    /// <summary>Whose coupons, for the service (they must then be that user's); null for an end user (their own).</summary>
    public string? UserId { get; init; }
}

/// <summary>
/// An order and its coupons: what it was priced at (each coupon's line in the order they were
/// taken, the discount, what is left to pay), the status its last operation left
/// (<c>locked</c>, <c>used</c>, <c>released</c>, <c>refunded</c>) and each coupon as it is now.
/// </summary>
public sealed record CheckoutOrder(
    string OrderId,
    string UserId,
    string Status,
    long OrderAmount,
    long ShippingAmount,
    long Discount,
    long Payable,
    IReadOnlyList<QuoteLine> Lines,
    IReadOnlyList<Coupon> Coupons);
