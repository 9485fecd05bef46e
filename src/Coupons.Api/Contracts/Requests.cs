using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Coupons.Api.Protection;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Api.Contracts;

// Request bodies. Every property is nullable so that a missing field is reported by name as a
// validation problem instead of failing deserialization with a generic message. What a field must
// be is said once, here, by attributes the OpenAPI document shows: [Required] (required and not
// null), ranges and lengths. The handlers check the same bounds from the same constants.

/// <summary>Marks the types read by <see cref="Http.JsonBody"/>: unknown fields are refused, so their schemas are closed.</summary>
public interface IRequestBody;

/// <summary>
/// A new campaign. Left out: <c>minOrderAmount</c> 0, <c>perUserLimit</c> 1, claims open at once and
/// until the campaign ends, <c>lockTtlSeconds</c> 900.
/// </summary>
public sealed record CreateCampaignRequest(
    [property: Required, StringLength(CampaignDefinition.MaxNameLength, MinimumLength = 1), Description("Shown to users; no control characters.")] string? Name,
    [property: Required] DiscountTerms? Discount,
    [property: Required, Range(0, CampaignDefinition.MaxStock), Description("Coupons to hand out.")] long? TotalStock,
    [property: Required] ValidityTerms? Validity,
    [property: Range(0, Money.MaxAmount), Description("Smallest order, in minor units, a coupon applies to.")] long? MinOrderAmount = null,
    [property: Range(1, CampaignDefinition.MaxPerUserLimit), Description("Coupons one user may hold from this campaign.")] int? PerUserLimit = null,
    [property: Description("Claims open at this time (ISO 8601); at once when left out.")] DateTimeOffset? ClaimStartsAt = null,
    [property: Description("Claims close at this time (ISO 8601), after claimStartsAt.")] DateTimeOffset? ClaimEndsAt = null,
    [property: Range(1, CampaignDefinition.MaxLockTtlSeconds), Description("How long a lock for an order holds before it lapses.")] int? LockTtlSeconds = null,
    [property: StringLength(Coupons.Core.Codes.SharedCodes.MaxLength, MinimumLength = Coupons.Core.Codes.SharedCodes.MinLength), RegularExpression(CreateCampaignRequest.CodePattern), Description("A shared code anyone may claim this campaign's coupons with (POST /v1/codes/claim): 4 to 32 of A-Z, 0-9 and -, case-insensitive, unique across campaigns (409 code_taken).")] string? Code = null,
    [property: Description("The items the discount applies to at checkout; the whole order when left out. Minimums and thresholds are checked against these items' subtotal.")] ScopeTerms? Scope = null,
    [property: Description("exclusive (the default): its coupons go on an order alone; stackable: with other stackable coupons, one per campaign, at most 5.")] string? Stacking = null) : IRequestBody
{
    /// <summary>A shared code as typed: letters of either case, digits and dashes (the service upper-cases it).</summary>
    public const string CodePattern = "^[A-Za-z0-9-]{4,32}$";
}

public sealed record AddStockRequest(
    [property: Required, Range(1, CampaignDefinition.MaxStock), Description("Units to add; the total may not pass 1,000,000,000.")] long? Add) : IRequestBody;

/// <summary>The body every coupon change by an order is read as; the document shows each operation's own shape (<see cref="LockRequest"/>, <see cref="RedeemRequest"/>, <see cref="OrderReference"/>).</summary>
public sealed record OrderRequest(string? OrderId, long? OrderAmount, IReadOnlyList<OrderItemTerms>? Items = null, long? ShippingAmount = null) : IRequestBody;

/// <summary>Lock a coupon for an order: its amount, or its items (and shipping), priced as checkout prices one coupon (scope, free shipping).</summary>
public sealed record LockRequest(
    [property: Required, StringLength(StoreLimits.MaxOrderIdLength, MinimumLength = 1), Description("The order; not only white space.")] string? OrderId,
    [property: Range(0, Money.MaxAmount), Description("The order's amount in minor units; required without items (with them, their total if given).")] long? OrderAmount = null,
    [property: MaxLength(Cart.MaxItems), Description("The order's lines; orderAmount is then their total.")] IReadOnlyList<OrderItemTerms>? Items = null,
    [property: Range(0, Money.MaxAmount), Description("Shipping in minor units (0 when left out); what free_shipping takes off.")] long? ShippingAmount = null) : IRequestBody;

/// <summary>Use a coupon for an order: the amount is needed only when the coupon is not locked for the order.</summary>
public sealed record RedeemRequest(
    [property: Required, StringLength(StoreLimits.MaxOrderIdLength, MinimumLength = 1), Description("The order; not only white space.")] string? OrderId,
    [property: Range(0, Money.MaxAmount), Description("The order's amount in minor units: needed (or items) to lock and use in one step; when the coupon is locked, the order given must come to the price it was locked at.")] long? OrderAmount = null,
    [property: MaxLength(Cart.MaxItems), Description("The order's lines, instead of orderAmount.")] IReadOnlyList<OrderItemTerms>? Items = null,
    [property: Range(0, Money.MaxAmount), Description("Shipping in minor units (0 when left out).")] long? ShippingAmount = null) : IRequestBody;

/// <summary>The order a release or a refund is for.</summary>
public sealed record OrderReference(
    [property: Required, StringLength(StoreLimits.MaxOrderIdLength, MinimumLength = 1), Description("The order that locked or used the coupon.")] string? OrderId) : IRequestBody;

/// <summary>Why an admin takes a coupon back; kept in the audit log.</summary>
public sealed record RevokeRequest(
    [property: Required, StringLength(StoreLimits.MaxReasonLength, MinimumLength = 1), Description("Why the coupon is taken back; not only white space, no control characters. Kept in the audit entry.")] string? Reason) : IRequestBody;

/// <summary>A blocklist entry to add: <c>kind</c> is user, ip or device; <c>expiresAt</c> left out blocks for good.</summary>
public sealed record BlockRequest(
    [property: Required] string? Kind,
    [property: Required, StringLength(StoreLimits.MaxUserIdLength, MinimumLength = 1), Description("A user id (a token's sub), an IP address or CIDR range (203.0.113.0/24), or a device id (X-Device-Id).")] string? Value,
    [property: StringLength(BlockEntry.MaxReasonLength), Description("Why; no control characters.")] string? Reason = null,
    [property: Description("The block ends at this time (ISO 8601, in the future); for good when left out.")] DateTimeOffset? ExpiresAt = null) : IRequestBody;
