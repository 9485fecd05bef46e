using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Api.Contracts;

/// <summary>A line of an order: quantity × unitPrice of a product (SKU) in a category.</summary>
public sealed record OrderItemTerms(
    [property: Required, StringLength(Cart.MaxNameLength, MinimumLength = 1), Description("The product; scopes match it exactly.")] string? Sku,
    [property: StringLength(Cart.MaxNameLength, MinimumLength = 1), Description("Its category, if any; scopes match it exactly.")] string? Category,
    [property: Required, Range(1, Cart.MaxQuantity)] int? Quantity,
    [property: Required, Range(0, Money.MaxAmount), Description("Minor units per unit.")] long? UnitPrice);

/// <summary>
/// An order to price: its <c>items</c> or its <c>orderAmount</c> (both only when equal), its shipping,
/// and the coupons to price it with, or none to have the best of the user's coupons chosen.
/// </summary>
public sealed record QuoteRequest(
    [property: StringLength(200, MinimumLength = 1), Description("Whose coupons: required for the service; an end user's own (may be left out).")] string? UserId = null,
    [property: MaxLength(Cart.MaxItems), Description("The order's lines; orderAmount is then their total.")] IReadOnlyList<OrderItemTerms>? Items = null,
    [property: Range(0, Money.MaxAmount), Description("The order's amount in minor units, when no items are given.")] long? OrderAmount = null,
    [property: Range(0, Money.MaxAmount), Description("Shipping in minor units (0 when left out); what free_shipping takes off.")] long? ShippingAmount = null,
    [property: MaxLength(CheckoutRules.MaxCoupons), Description("The coupons to price the order with (1 to 5); left out, the best combination of the user's coupons is chosen.")] IReadOnlyList<string>? CouponIds = null) : IRequestBody;

/// <summary>One coupon's share of the order's discount.</summary>
public sealed record QuoteLine(string CouponId, long Discount);

/// <summary>
/// A coupon weighed for the order: whether it applies on its own, what it would take off on its
/// own, and if it does not apply, why (<c>code</c>, null when it applies: below_minimum, out_of_scope, coupon_expired,
/// coupon_not_yet_valid, already_used, locked_by_other_order, coupon_revoked).
/// </summary>
public sealed record QuoteCandidate(
    string CouponId,
    string CampaignId,
    bool Applicable,
    long Discount,
    string? Code);

/// <summary>
/// The order priced: the coupons chosen (or given) in the order they were taken, the discount and
/// what is left to pay, each coupon's line, and every coupon weighed. Nothing was changed.
/// </summary>
public sealed record QuoteResponse(
    IReadOnlyList<string> CouponIds,
    long OrderAmount,
    long ShippingAmount,
    long Discount,
    long Payable,
    IReadOnlyList<QuoteLine> Lines,
    IReadOnlyList<QuoteCandidate> Candidates);
