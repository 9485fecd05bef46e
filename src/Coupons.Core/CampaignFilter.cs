namespace Coupons.Core;

/// <summary>
/// Which campaigns a listing shows: every one (the default), those in one stored status, or those
/// a user can claim from now (<see cref="Claimable"/>), which is what an end user's
/// <c>status=active</c> asks for.
/// </summary>
/// <remarks>
/// Claimable is <see cref="CouponRules.IsClaimable"/>, the claim's own first check: active, inside
/// the claim window, and before an absolute validity ends. Stock is not looked at: a sold-out
/// campaign is still listed, with remainingStock 0, since stock can be added and a storefront
/// shows what sold out. Both stores list through <see cref="Matches"/>.
/// </remarks>
public readonly record struct CampaignFilter
{
    private CampaignFilter(CampaignStatus? status, bool claimableNow)
    {
        Status = status;
        ClaimableNow = claimableNow;
    }

    /// <summary>Every campaign.</summary>
    public static CampaignFilter All => default;

    /// <summary>The campaigns whose claims would not be refused campaign_not_active now.</summary>
    public static CampaignFilter Claimable => new(CampaignStatus.Active, claimableNow: true);

    /// <summary>The status a campaign must have; null for any.</summary>
    public CampaignStatus? Status { get; }

    /// <summary>Whether the campaign must also be inside its claim window (and absolute validity) now.</summary>
    public bool ClaimableNow { get; }

    /// <summary>The campaigns whose stored status is <paramref name="status"/>, whatever their claim window.</summary>
    public static CampaignFilter WithStatus(CampaignStatus status) => new(status, claimableNow: false);

    public bool Matches(CampaignStatus status, CampaignDefinition terms, long nowMs) =>
        ClaimableNow ? CouponRules.IsClaimable(status, terms, nowMs) : Status is not { } wanted || status == wanted;
}
