using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// claim.lua's arguments by name; <see cref="RunAsync"/> puts them where the script's header says:
/// KEYS 1 the bucket, 2 its claimants, 3 the new coupon, 4 the slot's event stream, 5 the bucket's
/// validity ends, 6 the bucket's coupons, 7 the slot's own codes (all in the bucket's slot); ARGV 1 user id, 2 the user's
/// count field, 3 the idempotency field ('' for none), 4 coupon id, 5 now, 6 claim window open,
/// 7 valid from, 8 valid to, 9 campaign id, 10 bucket, 11 the idempotency key ('' for none),
/// 12 count a sold_out refusal, 13 the audit field, 14 the coupon's own code's lookup hash.
/// </summary>
/// <param name="ClaimWindowOpen">The campaign's terms allow a claim now (<c>CouponRules.IsClaimable</c> on an active campaign); the script checks the status itself.</param>
/// <param name="CountsSoldOut">False when the node will first try to borrow stock for a sold-out bucket, and counts the refusal itself if that fails.</param>
internal readonly record struct ClaimArguments(
    Guid CampaignId,
    int Bucket,
    Guid CouponId,
    string UserId,
    string? IdempotencyKey,
    long NowMs,
    bool ClaimWindowOpen,
    long ValidFromMs,
    long ValidToMs,
    bool CountsSoldOut,
    string Audit,
    string OwnCodeHash)
{
    /// <summary>Runs the script on <paramref name="db"/>; see <see cref="Script.RunAsync"/> for <paramref name="retryOn"/>.</summary>
    public Task<RedisResult> RunAsync(IDatabaseAsync db, RedisKeys keys, IDatabaseAsync? retryOn = null) => Script.Claim.RunAsync(
        db,
        [
            keys.Bucket(CampaignId, Bucket), keys.Claimants(CampaignId, Bucket), keys.Coupon(CouponId), keys.Events(CouponIds.SlotOf(CouponId)),
            keys.ValidityEnds(CampaignId, Bucket), keys.BucketCoupons(CampaignId, Bucket), keys.OwnCodes(CouponIds.SlotOf(CouponId)),
        ],
        [
            UserId, ClaimantFields.Count(UserId), IdempotencyKey is null ? "" : ClaimantFields.IdempotencyKey(UserId, IdempotencyKey),
            RedisKeys.Id(CouponId), NowMs, ClaimWindowOpen ? "1" : "0", ValidFromMs, ValidToMs, RedisKeys.Id(CampaignId), Bucket,
            IdempotencyKey ?? "", CountsSoldOut ? "1" : "0", Audit, OwnCodeHash,
        ],
        retryOn);
}
