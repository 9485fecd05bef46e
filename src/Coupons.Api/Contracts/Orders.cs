using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Api.Contracts;

/// <summary>
/// An order's body: its coupons and its <c>items</c> or <c>orderAmount</c> (both only when equal) and
/// shipping. A lock needs it; a redeem takes it to lock and use in one step, or nothing (<c>{}</c>) to
/// confirm the order's locks; a release or a refund takes at most <c>userId</c>.
/// </summary>
public sealed record OrderBodyRequest(
    [property: StringLength(StoreLimits.MaxUserIdLength, MinimumLength = 1), Description("Whose order: the service may name the user (the coupons must then be theirs); an end user's own (may be left out).")] string? UserId = null,
    [property: MaxLength(CheckoutRules.MaxCoupons), Description("The order's coupons, 1 to 5, each once.")] IReadOnlyList<string>? CouponIds = null,
    [property: MaxLength(Cart.MaxItems), Description("The order's lines; orderAmount is then their total.")] IReadOnlyList<OrderItemTerms>? Items = null,
    [property: Range(0, Money.MaxAmount), Description("The order's amount in minor units, when no items are given.")] long? OrderAmount = null,
    [property: Range(0, Money.MaxAmount), Description("Shipping in minor units (0 when left out); what free_shipping takes off.")] long? ShippingAmount = null) : IRequestBody;

/// <summary>
/// An order and its coupons: what it was priced at (each coupon's line in the order they were taken,
/// the discount, what is left to pay) and the status its last operation left (locked, used,
/// released, refunded). <c>coupons</c> shows each coupon as it is now.
/// </summary>
public sealed record OrderResponse(
    string OrderId,
    string UserId,
    [property: Description("locked, used, released or refunded: what the order's last operation left.")] string Status,
    long OrderAmount,
    long ShippingAmount,
    long Discount,
    long Payable,
    IReadOnlyList<QuoteLine> Lines,
    IReadOnlyList<CouponResponse> Coupons);
