namespace Coupons.Core;

public enum CampaignCommand : byte
{
    Pause = 1,
    Resume = 2,
    End = 3,
}

public readonly record struct CampaignResult(Outcome Outcome, CampaignInfo? Campaign);

public readonly record struct CouponResult(Outcome Outcome, Coupon? Coupon);

/// <summary>
/// One page of a listing; <see cref="NextAfter"/> is the id to continue after, null on the last page.
/// A filtered listing may give fewer items than asked (even none) with a <see cref="NextAfter"/>,
/// when it looked at as many entries as one page may; the next page goes on from there.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, Guid? NextAfter);

/// <summary>
/// Where campaigns and coupons live. Every implementation keeps the four invariants of DESIGN.md,
/// answers with an <see cref="Outcome"/> for every refusal, and returns only once what it answers
/// is durable. Broken infrastructure is thrown: <see cref="StorageUnavailableException"/>,
/// <see cref="OverloadedException"/>.
/// </summary>
/// <remarks>
/// <c>ownerId</c>: when given, the coupon must belong to that user, and a coupon of anyone else is
/// answered as <see cref="Outcome.CouponNotFound"/>; null when the caller may act for any user.
/// </remarks>
public interface ICouponStore
{
    /// <summary>True once the state is recovered and the store takes requests.</summary>
    bool IsReady { get; }

    /// <summary>
    /// A new campaign. Throws <see cref="Codes.CodeTakenException"/>, creating nothing, when its
    /// <see cref="CampaignDefinition.Code"/> is already another campaign's or a generated code.
    /// </summary>
    ValueTask<CampaignInfo> CreateCampaignAsync(CampaignDefinition definition, long totalStock, CancellationToken cancellationToken = default);

    ValueTask<CampaignInfo?> GetCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default);

    /// <summary>The campaigns <paramref name="filter"/> lets through, oldest first, a page at a time.</summary>
    ValueTask<Page<CampaignInfo>> ListCampaignsAsync(CampaignFilter filter, Guid? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Pause, resume or end: campaign_not_found → campaign_ended → ok; a command that changes nothing is <see cref="Outcome.Replayed"/>.</summary>
    ValueTask<CampaignResult> ChangeCampaignStatusAsync(Guid campaignId, CampaignCommand command, CancellationToken cancellationToken = default);

    /// <summary>Adds stock: campaign_not_found → campaign_ended → ok.</summary>
    ValueTask<CampaignResult> AddStockAsync(Guid campaignId, long add, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims a coupon: campaign_not_found → campaign_not_active → limit_reached → sold_out → ok.
    /// A repeated idempotency key of the same user in the same campaign returns the coupon it gave
    /// before (<see cref="Outcome.Replayed"/>), whatever the campaign's state is now.
    /// </summary>
    ValueTask<CouponResult> ClaimAsync(Guid campaignId, string userId, string? idempotencyKey, CancellationToken cancellationToken = default);

    ValueTask<CouponResult> GetCouponAsync(Guid couponId, string? ownerId, CancellationToken cancellationToken = default);

    ValueTask<Page<Coupon>> ListUserCouponsAsync(string userId, CouponStatus? status, Guid? after, int limit, CancellationToken cancellationToken = default);

    ValueTask<Redemption> LockAsync(Guid couponId, string? ownerId, string orderId, long orderAmount, CancellationToken cancellationToken = default);

    ValueTask<Redemption> RedeemAsync(Guid couponId, string? ownerId, string orderId, long? orderAmount, CancellationToken cancellationToken = default);

    /// <summary>
    /// Locks for an order given by its items (or amount) and shipping, priced as checkout prices one
    /// coupon (<see cref="OrderPrice.ForCart"/>: scope, free shipping); the lock keeps that price.
    /// </summary>
    ValueTask<Redemption> LockForCartAsync(Guid couponId, string? ownerId, string orderId, Checkout.Cart cart, CancellationToken cancellationToken = default);

    /// <summary>Redeem with the order given by its items (or amount) and shipping: see <see cref="LockForCartAsync"/>.</summary>
    ValueTask<Redemption> RedeemForCartAsync(Guid couponId, string? ownerId, string orderId, Checkout.Cart cart, CancellationToken cancellationToken = default);

    ValueTask<CouponResult> ReleaseAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default);

    ValueTask<CouponResult> RefundAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default);

    /// <summary>
    /// An admin takes a coupon back (<see cref="CouponRules.Revoke"/>): coupon_not_found →
    /// coupon_expired → already_used → ok, a revoked coupon <see cref="Outcome.Replayed"/>. The
    /// stock is not returned; <paramref name="reason"/> goes into the audit entry.
    /// </summary>
    ValueTask<CouponResult> RevokeAsync(Guid couponId, string reason, CancellationToken cancellationToken = default);

    ValueTask<CampaignStats?> GetStatsAsync(Guid campaignId, CancellationToken cancellationToken = default);
}

/// <summary>The store cannot make changes durable (a disk write failed, or it is still recovering).</summary>
public sealed class StorageUnavailableException(string message, Exception? innerException = null)
    : Exception(message, innerException);

/// <summary>The store is shedding load: a bounded queue is full.</summary>
public sealed class OverloadedException(string message) : Exception(message);

/// <summary>Limits every store applies to what it is asked.</summary>
public static class StoreLimits
{
    public const int MaxUserIdLength = 128;
    public const int MaxOrderIdLength = 128;
    public const int MaxIdempotencyKeyLength = 128;

    /// <summary>The longest reason a revoke may give (it is kept in the audit log).</summary>
    public const int MaxReasonLength = 500;

    /// <summary>A revoke's reason: 1 to <see cref="MaxReasonLength"/> characters, not only white space, no control characters.</summary>
    public static bool IsValidReason(string? reason) =>
        reason is { Length: > 0 and <= MaxReasonLength } && !string.IsNullOrWhiteSpace(reason) && !reason.Any(char.IsControl);

    /// <summary>Throws for a reason the API would have refused (<see cref="IsValidReason"/>).</summary>
    public static void ThrowIfInvalidReason(string? reason)
    {
        if (!IsValidReason(reason))
        {
            throw new ArgumentException($"a reason is 1 to {MaxReasonLength} characters, not only white space, without control characters", nameof(reason));
        }
    }
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;
}
