using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Claims: the hot path of a flash sale. A claim is decided inside claim.lua, where the bucket's
/// status, the user's count and the stock are read and changed atomically (the script re-states
/// <c>CouponRules.DecideClaim</c>); the claim window is decided here and passed as a flag. A user
/// always claims from the same bucket; a bucket that sold out borrows from the others
/// (<see cref="StockLending"/>) and the claim tries again.
/// </summary>
internal sealed class Claims(
    IDatabase db, RedisKeys keys, TimeProvider time, CampaignCache campaigns, StockLending lending, UserCouponLists lists, CouponReader coupons, CouponOwnCodes ownCodes)
{
    public async Task<CouponResult> ClaimAsync(Guid campaignId, string userId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (await campaigns.FindAsync(campaignId).ConfigureAwait(false) is not { } campaign)
        {
            return new CouponResult(Outcome.CampaignNotFound, null);
        }

        var terms = campaign.Definition;
        var bucket = campaign.BucketOf(userId);
        for (var attempt = 0; ; attempt++)
        {
            // Before each attempt's script, never after: a claim sent is seen through.
            cancellationToken.ThrowIfCancellationRequested();
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var state = CouponRules.NewCoupon(terms, nowMs);
            var couponId = CouponIds.New(RedisKeys.BucketSlot(campaignId, bucket), nowMs);
            var likelySoldOut = campaign.LikelySoldOut(bucket, nowMs);
            // After a sell-out this node answers sold_out from its bucket alone for a second,
            // rather than look through every bucket again for each of the crowd's claims.
            var mayBorrow = campaign.Buckets > 1 && attempt < campaign.Buckets && !likelySoldOut;
            var arguments = new ClaimArguments(
                campaignId, bucket, couponId, userId, idempotencyKey, nowMs, CouponRules.IsClaimable(CampaignStatus.Active, terms, nowMs),
                state.ValidFromMs, state.ValidToMs, CountsSoldOut: !mayBorrow, AuditField.Encode(nowMs), ownCodes.KeyOf(couponId).Hash.ToText());
            var (claimed, listed) = Send(arguments, likelySoldOut);
            var answer = (RedisResult[])(await claimed.ConfigureAwait(false))!;
            var outcome = ScriptOutcomes.Of(answer[0]);
            if (outcome != Outcome.Ok && listed is not null)
            {
                lists.Remove(userId, couponId);
            }

            switch (outcome)
            {
                case Outcome.Ok:
                    await (listed ?? lists.AddAsync(db, userId, couponId)).ConfigureAwait(false);
                    return new CouponResult(outcome, Coupon.From(couponId, campaignId, userId, nowMs, state, terms));
                case Outcome.Replayed:
                    return await ReplayAsync(userId, RedisKeys.ParseId((string)answer[1]!)).ConfigureAwait(false);
                case Outcome.SoldOut when mayBorrow:
                    if (await lending.BorrowAsync(campaignId, campaign.Buckets, bucket).ConfigureAwait(false))
                    {
                        continue;
                    }

                    // Nothing left anywhere: the refusal the script did not count.
                    campaign.SoldOut(bucket, nowMs);
                    await db.HashIncrementAsync(keys.Bucket(campaignId, bucket), BucketHashes.RejectedPrefix + outcome.ToCode()).ConfigureAwait(false);
                    return new CouponResult(outcome, null);
                case Outcome.SoldOut:
                    campaign.SoldOut(bucket, nowMs);
                    return new CouponResult(outcome, null);
                default:
                    return new CouponResult(outcome, null);
            }
        }
    }

    /// <summary>
    /// Sends the claim's script, and the owner's list write beside it in one batch, so that both
    /// wait for one append to disk (see <see cref="UserCouponLists"/>); alone when the bucket was
    /// just seen sold out, where a claim would only have to take its entry out again.
    /// </summary>
    private (Task<RedisResult> Claimed, Task? Listed) Send(in ClaimArguments arguments, bool likelySoldOut)
    {
        if (likelySoldOut)
        {
            return (arguments.RunAsync(db, keys), null);
        }

        var batch = db.CreateBatch();
        var listed = lists.AddAsync(batch, arguments.UserId, arguments.CouponId);
        var claimed = arguments.RunAsync(batch, keys, retryOn: db);
        batch.Execute();
        return (claimed, listed);
    }

    /// <summary>The coupon an idempotency key gave before, listed again: the first answer may never have got that far.</summary>
    private async Task<CouponResult> ReplayAsync(string userId, Guid earlier)
    {
        await lists.AddAsync(db, userId, earlier).ConfigureAwait(false);
        return new CouponResult(Outcome.Replayed, await coupons.ReadAsync(earlier, null).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the coupon {earlier} of an idempotency key is missing"));
    }
}
