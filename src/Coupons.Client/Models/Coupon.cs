using System.Text.Json.Serialization;
using Coupons.Client.Serialization;

namespace Coupons.Client;

/// <summary>A claimed coupon.</summary>
/// <param name="Id">The coupon's id.</param>
/// <param name="CampaignId">The campaign it came from.</param>
/// <param name="UserId">Who holds it.</param>
/// <param name="Status">Unused, locked, used, expired or revoked.</param>
/// <param name="ClaimedAt">When it was claimed.</param>
/// <param name="ValidFrom">When it becomes valid.</param>
/// <param name="ValidTo">When it stops being valid.</param>
/// <param name="OrderId">The order that locked or used it, if any.</param>
/// <param name="OrderAmount">That order's amount in minor units, if given.</param>
/// <param name="LockExpiresAt">When the order's lock lapses, while locked.</param>
/// <param name="UsedAt">When it was used, while used.</param>
/// <param name="Discount">What it takes off.</param>
/// <param name="MinOrderAmount">The smallest order it applies to, in minor units.</param>
public sealed record Coupon(
    Guid Id,
    Guid CampaignId,
    string UserId,
    CouponStatus Status,
    DateTimeOffset ClaimedAt,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidTo,
    string? OrderId,
    long? OrderAmount,
    DateTimeOffset? LockExpiresAt,
    DateTimeOffset? UsedAt,
    [property: JsonConverter(typeof(TolerantDiscountConverter))] Discount Discount,
    long MinOrderAmount)
{
    /// <summary>
    /// The coupon's own redemption code, for use in a shop: a cashier types it and the till finds the
    /// coupon with <see cref="CouponsClient.LookupCodeAsync"/>. Shown only to its owner, the service
    /// and admins, so every coupon answer carries it; null from a service that does not send it.
    /// </summary>
    public string? Code { get; init; }
}

/// <summary>A coupon locked or used for an order, and what its discount comes to.</summary>
/// <param name="Coupon">The coupon after the change.</param>
/// <param name="Discount">Minor units taken off the order.</param>
/// <param name="Payable">What the order comes to after the discount.</param>
public sealed record Redemption(Coupon Coupon, long Discount, long Payable);

/// <summary>The answer to a claim: the coupon, and whether it was claimed now or given back for a repeated key.</summary>
/// <param name="Coupon">The coupon.</param>
/// <param name="IsReplay">True when the idempotency key had claimed it before (the service answered 200, not 201).</param>
/// <param name="IdempotencyKey">The key the claim was sent with (the one given, or the one the client made); null when sent without one.</param>
public sealed record ClaimedCoupon(Coupon Coupon, bool IsReplay, string? IdempotencyKey);
