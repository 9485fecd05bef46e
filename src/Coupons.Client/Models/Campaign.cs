using System.Text.Json.Serialization;
using Coupons.Client.Serialization;

namespace Coupons.Client;

/// <summary>
/// How long a claimed coupon is valid: <see cref="Days"/> from its claim (<c>{"days":30}</c>), or a
/// fixed window (<c>{"from":…,"to":…}</c>, <see cref="From"/> may be left out).
/// </summary>
/// <param name="Days">Days from the claim; null for a fixed window.</param>
/// <param name="From">Start of a fixed window; null for from the claim.</param>
/// <param name="To">End of a fixed window.</param>
public sealed record Validity(int? Days = null, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    /// <summary>Valid for <paramref name="days"/> days from the claim.</summary>
    public static Validity ForDays(int days) => new(Days: days);

    /// <summary>Valid in a fixed window (from the claim when <paramref name="from"/> is null).</summary>
    public static Validity Between(DateTimeOffset? from, DateTimeOffset to) => new(From: from, To: to);
}

/// <summary>A campaign: its rules, its stock and its status.</summary>
/// <param name="Id">The campaign's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Discount">What each of its coupons takes off.</param>
/// <param name="MinOrderAmount">The smallest order a coupon applies to, in minor units.</param>
/// <param name="TotalStock">Coupons it may hand out in all.</param>
/// <param name="Issued">Coupons handed out so far.</param>
/// <param name="RemainingStock">Coupons left.</param>
/// <param name="PerUserLimit">Coupons one user may hold.</param>
/// <param name="ClaimStartsAt">When claims open; null for at once.</param>
/// <param name="ClaimEndsAt">When claims close; null for never.</param>
/// <param name="Validity">How long a claimed coupon is valid.</param>
/// <param name="LockTtlSeconds">How long a lock for an order holds before it lapses.</param>
/// <param name="Status">Active, paused or ended.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record Campaign(
    Guid Id,
    string Name,
    [property: JsonConverter(typeof(TolerantDiscountConverter))] Discount Discount,
    long MinOrderAmount,
    long TotalStock,
    long Issued,
    long RemainingStock,
    int PerUserLimit,
    DateTimeOffset? ClaimStartsAt,
    DateTimeOffset? ClaimEndsAt,
    Validity Validity,
    int LockTtlSeconds,
    CampaignStatus Status,
    DateTimeOffset CreatedAt)
{
    /// <summary>
    /// The campaign's shared code (upper case), shown to admins only: null for anyone else, and for
    /// a campaign without one.
    /// </summary>
    public string? Code { get; init; }

    /// <summary>The items its discount applies to at checkout; null for the whole order.</summary>
    public Scope? Scope { get; init; }

    /// <summary><c>exclusive</c> (its coupons go on an order alone) or <c>stackable</c>; null from a service before checkout options.</summary>
    public string? Stacking { get; init; }
}

/// <summary>The items a discount applies to: those whose SKU or category is listed (compared exactly).</summary>
/// <param name="Skus">SKUs, or null.</param>
/// <param name="Categories">Categories, or null.</param>
public sealed record Scope(IReadOnlyList<string>? Skus = null, IReadOnlyList<string>? Categories = null);

/// <summary>A campaign to create. Fields left null take the service's defaults.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Discount">What each coupon takes off.</param>
/// <param name="TotalStock">Coupons it may hand out in all.</param>
/// <param name="Validity">How long a claimed coupon is valid.</param>
public sealed record NewCampaign(
    string Name,
    [property: JsonConverter(typeof(TolerantDiscountConverter))] Discount Discount,
    long TotalStock,
    Validity Validity)
{
    /// <summary>The smallest order a coupon applies to, in minor units (0 when null).</summary>
    public long? MinOrderAmount { get; init; }

    /// <summary>Coupons one user may hold (1 when null).</summary>
    public int? PerUserLimit { get; init; }

    /// <summary>When claims open (at once when null).</summary>
    public DateTimeOffset? ClaimStartsAt { get; init; }

    /// <summary>When claims close (never when null).</summary>
    public DateTimeOffset? ClaimEndsAt { get; init; }

    /// <summary>How long a lock for an order holds, in seconds (the service's default when null).</summary>
    public int? LockTtlSeconds { get; init; }

    /// <summary>
    /// A shared code anyone may claim the campaign's coupons with (<see cref="CouponsClient.ClaimByCodeAsync"/>):
    /// 4 to 32 of <c>A–Z 0–9 -</c>, case-insensitive, unique across campaigns (else <c>code_taken</c>);
    /// none when null.
    /// </summary>
    public string? Code { get; init; }

    /// <summary>The items the discount applies to at checkout (at most 100 SKUs and categories in all); the whole order when null.</summary>
    public Scope? Scope { get; init; }

    /// <summary><c>exclusive</c> (the service's default when null) or <c>stackable</c>: with other stackable coupons, one per campaign, at most 5 on an order.</summary>
    public string? Stacking { get; init; }
}

/// <summary>A campaign's live counts.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="TotalStock">Coupons it may hand out in all.</param>
/// <param name="Issued">Coupons handed out.</param>
/// <param name="RemainingStock">Coupons left.</param>
/// <param name="Locked">Coupons locked for an order now.</param>
/// <param name="Used">Coupons used now.</param>
/// <param name="Released">Locks released so far.</param>
/// <param name="Refunded">Refunds so far.</param>
/// <param name="Expired">Coupons expired so far.</param>
/// <param name="Rejected">Refused claims and changes, by problem code.</param>
public sealed record CampaignStats(
    Guid CampaignId,
    long TotalStock,
    long Issued,
    long RemainingStock,
    long Locked,
    long Used,
    long Released,
    long Refunded,
    long Expired,
    IReadOnlyDictionary<ProblemCode, long> Rejected)
{
    /// <summary>Coupons an admin revoked (their stock is not returned).</summary>
    public long Revoked { get; init; }
}

/// <summary>One page of a listing, and the cursor of the next (null on the last page).</summary>
/// <typeparam name="T">What is listed.</typeparam>
/// <param name="Items">This page's items.</param>
/// <param name="NextCursor">Give it to get the next page; null when there is none.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
