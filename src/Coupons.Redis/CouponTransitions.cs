using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// A coupon's changes after its claim (lock, redeem, release, refund, and what time alone changes):
/// read the coupon, decide with the rules of Coupons.Core on the state read, and store the result
/// with transition.lua only if the coupon's version is still the one read; otherwise read and
/// decide again. So the state machine lives in Core alone. Only the orders racing for one coupon
/// ever meet here, so a retry is rare.
/// </summary>
internal sealed class CouponTransitions(IDatabase db, RedisKeys keys, TimeProvider time, CouponReader coupons)
{
    /// <summary>How often a coupon's change is decided again when others keep changing it first.</summary>
    private const int MaxAttempts = 16;

    /// <summary>One rule of <see cref="CouponRules"/>, applied to the state read.</summary>
    public delegate Outcome Change(ref CouponState state, CampaignDefinition terms, long nowMs, out DiscountQuote quote, out CouponEvents events);

    public Task<Redemption> LockAsync(Guid couponId, string? ownerId, string orderId, long orderAmount, CancellationToken cancellationToken) =>
        ApplyAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Lock(ref state, terms, orderId, orderAmount, now, out quote, out events), cancellationToken);

    public Task<Redemption> RedeemAsync(Guid couponId, string? ownerId, string orderId, long? orderAmount, CancellationToken cancellationToken) =>
        ApplyAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Redeem(ref state, terms, orderId, orderAmount, now, out quote, out events), cancellationToken);

    public Task<Redemption> LockForCartAsync(Guid couponId, string? ownerId, string orderId, Cart cart, CancellationToken cancellationToken) =>
        ApplyAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Lock(ref state, terms, orderId, OrderPrice.ForCart(terms, cart), now, out quote, out events), cancellationToken);

    public Task<Redemption> RedeemForCartAsync(Guid couponId, string? ownerId, string orderId, Cart cart, CancellationToken cancellationToken) =>
        ApplyAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.RedeemFor(ref state, terms, orderId, OrderPrice.ForCart(terms, cart), now, out quote, out events), cancellationToken);

    public async Task<CouponResult> ReleaseAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken)
    {
        var result = await ApplyAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            return CouponRules.Release(ref state, orderId, now, out events);
        }, cancellationToken).ConfigureAwait(false);
        return new CouponResult(result.Outcome, result.Coupon);
    }

    public async Task<CouponResult> RefundAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken)
    {
        var result = await ApplyAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            return CouponRules.Refund(ref state, orderId, now, out events);
        }, cancellationToken).ConfigureAwait(false);
        return new CouponResult(result.Outcome, result.Coupon);
    }

    /// <summary>An admin's revoke (<see cref="CouponRules.Revoke"/>); <paramref name="reason"/> goes into the event's audit field.</summary>
    public async Task<CouponResult> RevokeAsync(Guid couponId, string reason, CancellationToken cancellationToken)
    {
        var result = await ApplyAsync(couponId, null, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            return CouponRules.Revoke(ref state, now, out events);
        }, cancellationToken, reason).ConfigureAwait(false);
        return new CouponResult(result.Outcome, result.Coupon);
    }

    /// <summary>Stores what time alone changed (a lapsed lock, a passed validity); true when it changed anything.</summary>
    public async Task<bool> StoreTimeChangesAsync(Guid couponId, CancellationToken cancellationToken)
    {
        var changed = false;
        await ApplyAsync(couponId, null, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            events = CouponRules.Normalize(ref state, now);
            changed = events != CouponEvents.None;
            return Outcome.Ok;
        }, cancellationToken).ConfigureAwait(false);
        return changed;
    }

    private async Task<Redemption> ApplyAsync(Guid couponId, string? ownerId, Change change, CancellationToken cancellationToken, string? reason = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await coupons.ReadStoredAsync(db, couponId, ownerId).ConfigureAwait(false) is not { } stored)
            {
                return new Redemption(Outcome.CouponNotFound, null, default);
            }

            var before = stored.Record.State;
            var after = before;
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var outcome = change(ref after, stored.Terms, nowMs, out var quote, out var events);
            if (events == CouponEvents.None)
            {
                if (!outcome.IsSuccess())
                {
                    await db.HashIncrementAsync(keys.Bucket(stored.Record.CampaignId, stored.Bucket), BucketHashes.RejectedPrefix + outcome.ToCode()).ConfigureAwait(false);
                }

                return new Redemption(outcome, stored.ToCoupon(after), quote);
            }

            var transition = new TransitionArguments(
                couponId, stored.Record.CampaignId, stored.Bucket, stored.Record.Version, events, after, StatsDelta.Of(before.Status, after.Status, events),
                outcome, SweepWatch.Of(after), AuditField.Encode(nowMs, AuditText.CouponState(before), after.OrderId ?? before.OrderId, reason));
            if (await transition.RunAsync(db, keys).ConfigureAwait(false))
            {
                return new Redemption(outcome, stored.ToCoupon(after), quote);
            }

            if (attempt >= MaxAttempts)
            {
                throw new OverloadedException($"the coupon {couponId} kept changing while it was being changed");
            }
        }
    }
}
