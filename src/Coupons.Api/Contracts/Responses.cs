using Coupons.Core;
using Coupons.Core.Codes;

namespace Coupons.Api.Contracts;

public sealed record CampaignResponse(
    string Id,
    string Name,
    DiscountTerms Discount,
    long MinOrderAmount,
    long TotalStock,
    long Issued,
    long RemainingStock,
    int PerUserLimit,
    DateTimeOffset? ClaimStartsAt,
    DateTimeOffset? ClaimEndsAt,
    ValidityTerms Validity,
    int LockTtlSeconds,
    string Status,
    DateTimeOffset CreatedAt,
    string? Code,
    ScopeTerms? Scope,
    string Stacking)
{
    /// <summary>The campaign as anyone may see it: its shared code, if any, is only for admins (<see cref="Codes.CampaignCodes"/>).</summary>
    public static CampaignResponse From(CampaignInfo campaign) => From(campaign, null);

    public static CampaignResponse From(CampaignInfo campaign, string? code)
    {
        var d = campaign.Definition;
        return new CampaignResponse(
            Ids.Format(campaign.Id),
            d.Name,
            DiscountTerms.From(d.Discount),
            d.MinOrderAmount,
            campaign.TotalStock,
            campaign.Issued,
            campaign.RemainingStock,
            d.PerUserLimit,
            UnixTime.ToTime(d.ClaimStartsAtMs),
            UnixTime.ToTime(d.ClaimEndsAtMs),
            ValidityTerms.Of(d.Validity),
            d.LockTtlSeconds,
            WireNames.Of(campaign.Status),
            UnixTime.ToTime(campaign.CreatedAtMs),
            code,
            ScopeTerms.From(d.Scope),
            d.Stacking == Core.Checkout.Stacking.Stackable ? "stackable" : "exclusive");
    }
}

public sealed record CouponResponse(
    string Id,
    string CampaignId,
    string UserId,
    string Status,
    DateTimeOffset ClaimedAt,
    DateTimeOffset ValidFrom,
    DateTimeOffset ValidTo,
    string? OrderId,
    long? OrderAmount,
    DateTimeOffset? LockExpiresAt,
    DateTimeOffset? UsedAt,
    DiscountTerms Discount,
    long MinOrderAmount,
    string Code)
{
    /// <summary>The coupon with its own redemption code (<see cref="CouponOwnCodes"/>): every coupon answer goes to its owner, the service or an admin, who may see it.</summary>
    public static CouponResponse From(Coupon coupon, CouponOwnCodes codes) => new(
        Ids.Format(coupon.Id),
        Ids.Format(coupon.CampaignId),
        coupon.UserId,
        WireNames.Of(coupon.Status),
        UnixTime.ToTime(coupon.ClaimedAtMs),
        UnixTime.ToTime(coupon.ValidFromMs),
        UnixTime.ToTime(coupon.ValidToMs),
        coupon.OrderId,
        coupon.OrderAmount,
        UnixTime.ToTime(coupon.LockExpiresAtMs),
        UnixTime.ToTime(coupon.UsedAtMs),
        DiscountTerms.From(coupon.Discount),
        coupon.MinOrderAmount,
        codes.CodeOf(coupon.Id));
}

/// <summary>A coupon locked or used for an order, with what the discount comes to.</summary>
public sealed record RedemptionResponse(CouponResponse Coupon, long Discount, long Payable);

public sealed record StatsResponse(
    string CampaignId,
    long TotalStock,
    long Issued,
    long RemainingStock,
    long Locked,
    long Used,
    long Released,
    long Refunded,
    long Expired,
    long Revoked,
    IReadOnlyDictionary<string, long> Rejected)
{
    public static StatsResponse From(CampaignStats stats) => new(
        Ids.Format(stats.CampaignId), stats.TotalStock, stats.Issued, stats.RemainingStock, stats.Locked, stats.Used,
        stats.Released, stats.Refunded, stats.Expired, stats.Revoked, stats.Rejected);
}

public sealed record PageResponse<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Who made a change; for a change a background job made, the job's creator with role <c>job</c> and the job's id.</summary>
public sealed record AuditActorResponse(string Id, string Role, string? Ip, string? Job)
{
    /// <summary>How a job's changes are kept (<see cref="Coupons.Core.Jobs.JobRunner.ActorOf"/>): the role <c>job:</c> and the job's id.</summary>
    private const string JobRolePrefix = "job:";

    public static AuditActorResponse From(AuditEntry entry) =>
        entry.ActorRole.StartsWith(JobRolePrefix, StringComparison.Ordinal) && Guid.TryParseExact(entry.ActorRole.AsSpan(JobRolePrefix.Length), "N", out var job)
            ? new AuditActorResponse(entry.ActorId, "job", entry.ActorIp, Ids.Format(job))
            : new AuditActorResponse(entry.ActorId, entry.ActorRole, entry.ActorIp, null);
}

/// <summary>One audit entry: who did what to which subject, when, and the state before and after.</summary>
public sealed record AuditEntryResponse(
    string Id,
    DateTimeOffset At,
    AuditActorResponse Actor,
    string Action,
    string Subject,
    string? CampaignId,
    string? Owner,
    string? OrderId,
    string? Before,
    string? After)
{
    public static AuditEntryResponse From(AuditEntry entry) => new(
        entry.Id,
        DateTimeOffset.FromUnixTimeMilliseconds(entry.AtMs),
        AuditActorResponse.From(entry),
        entry.Action,
        entry.Subject,
        entry.CampaignId is { } id ? Ids.Format(id) : null,
        entry.Owner,
        entry.OrderId,
        entry.Before,
        entry.After);
}
