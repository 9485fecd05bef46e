using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;

namespace Coupons.Embedded;

/// <summary>The coupon operations: claim, read, list a user's, and the order operations (lock, redeem, release, refund).</summary>
public sealed partial class EmbeddedCouponStore
{
    private delegate Outcome CouponChange(ref CouponState state, CampaignDefinition terms, long nowMs, out DiscountQuote quote, out CouponEvents events);

    public ValueTask<CouponResult> ClaimAsync(Guid campaignId, string userId, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        return _campaigns.TryGetValue(campaignId, out var campaign)
            ? ClaimAsync(log, campaign, userId, idempotencyKey, null, cancellationToken)
            : ValueTask.FromResult(new CouponResult(Outcome.CampaignNotFound, null));
    }

    /// <summary>A claim of <paramref name="campaign"/>, by id or by code; <paramref name="code"/> is the generated code it takes, if any.</summary>
    private async ValueTask<CouponResult> ClaimAsync(GroupCommitLog log, CampaignEntry campaign, string userId, string? idempotencyKey, CodeClaim? code, CancellationToken cancellationToken)
    {
        var holding = _users.Find(userId, campaign);
        if (holding is null)
        {
            // A user without a holding has claimed nothing here: no replay, no limit. Refusals for a
            // campaign that is not active or sold out are answered without creating one, so a storm
            // of refused claims leaves nothing behind in memory.
            var early = DecideClaim(campaign, claimedByUser: 0);
            if (early != Outcome.Ok)
            {
                return await RefuseAsync(log, campaign, early, cancellationToken).ConfigureAwait(false);
            }

            holding = _users.GetOrAdd(userId, campaign);
        }

        // The new coupon's id and its own code's hash (two HMACs) are made before the lock, when the
        // claim looks likely to stand (a racy read: under the lock it is decided again).
        var prepared = DecideClaim(campaign, holding.Claimed) == Outcome.Ok ? PrepareCoupon() : default;
        Outcome outcome;
        Coupon? answer;
        long sequence;
        lock (holding)
        {
            if (idempotencyKey is not null && holding.TryFindByKey(idempotencyKey, out var earlier))
            {
                outcome = Outcome.Replayed;
                answer = earlier.ToCoupon(CouponRules.Observe(earlier.ReadState(), NowMs()));
                sequence = log.Appended;
            }
            else
            {
                outcome = ClaimNew(log, new NewClaim(campaign, holding, userId, idempotencyKey, code, prepared), out answer, out sequence);
            }
        }

        await log.WhenDurableAsync(sequence, cancellationToken).ConfigureAwait(false);
        return new CouponResult(outcome, answer);
    }

    public async ValueTask<CouponResult> GetCouponAsync(Guid couponId, string? ownerId, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        if (!TryFind(couponId, ownerId, out var coupon))
        {
            return new CouponResult(Outcome.CouponNotFound, null);
        }

        var state = CouponRules.Observe(coupon.ReadState(), NowMs());
        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return new CouponResult(Outcome.Ok, coupon.ToCoupon(state));
    }

    public async ValueTask<Page<Coupon>> ListUserCouponsAsync(string userId, CouponStatus? status, Guid? after, int limit, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        var now = NowMs();
        var matching = _users.CouponsOf(userId)
            .Where(c => after is null || c.Id.CompareTo(after.Value) > 0)
            .Select(c => (Entry: c, State: CouponRules.Observe(c.ReadState(), now)))
            .Where(c => status is null || c.State.Status == status);
        var page = Paginate(matching, c => c.Entry.Id, limit, c => c.Entry.ToCoupon(c.State));
        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return page;
    }

    public ValueTask<Redemption> LockAsync(Guid couponId, string? ownerId, string orderId, long orderAmount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(orderAmount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orderAmount, Money.MaxAmount);
        return ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Lock(ref state, terms, orderId, orderAmount, now, out quote, out events), cancellationToken);
    }

    public ValueTask<Redemption> RedeemAsync(Guid couponId, string? ownerId, string orderId, long? orderAmount, CancellationToken cancellationToken = default)
    {
        if (orderAmount is { } amount)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(amount, nameof(orderAmount));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(amount, Money.MaxAmount, nameof(orderAmount));
        }

        return ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Redeem(ref state, terms, orderId, orderAmount, now, out quote, out events), cancellationToken);
    }

    public ValueTask<Redemption> LockForCartAsync(Guid couponId, string? ownerId, string orderId, Cart cart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cart);
        return ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Lock(ref state, terms, orderId, OrderPrice.ForCart(terms, cart), now, out quote, out events), cancellationToken);
    }

    public ValueTask<Redemption> RedeemForCartAsync(Guid couponId, string? ownerId, string orderId, Cart cart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cart);
        return ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.RedeemFor(ref state, terms, orderId, OrderPrice.ForCart(terms, cart), now, out quote, out events), cancellationToken);
    }

    public async ValueTask<CouponResult> ReleaseAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default)
    {
        var result = await ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            return CouponRules.Release(ref state, orderId, now, out events);
        }, cancellationToken).ConfigureAwait(false);
        return new CouponResult(result.Outcome, result.Coupon);
    }

    public async ValueTask<CouponResult> RefundAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default)
    {
        var result = await ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            return CouponRules.Refund(ref state, orderId, now, out events);
        }, cancellationToken).ConfigureAwait(false);
        return new CouponResult(result.Outcome, result.Coupon);
    }

    public async ValueTask<CouponResult> RevokeAsync(Guid couponId, string reason, CancellationToken cancellationToken = default)
    {
        StoreLimits.ThrowIfInvalidReason(reason);
        var result = await ChangeAsync(couponId, null, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            return CouponRules.Revoke(ref state, now, out events);
        }, cancellationToken, reason).ConfigureAwait(false);
        return new CouponResult(result.Outcome, result.Coupon);
    }

    /// <summary>
    /// Decides a claim of a new coupon and, if it stands, takes a unit of stock and appends the
    /// coupon's record in one step, then publishes the coupon; under the holding's lock.
    /// </summary>
    private Outcome ClaimNew(GroupCommitLog log, NewClaim claim, out Coupon? answer, out long sequence)
    {
        answer = null;
        sequence = 0;
        var campaign = claim.Campaign;
        var now = NowMs();
        var outcome = DecideClaim(campaign, claim.Holding.Claimed);
        if (outcome == Outcome.Ok)
        {
            var state = CouponRules.NewCoupon(campaign.Definition, now);
            var (id, ownCode) = claim.Prepared.Id == Guid.Empty ? PrepareCoupon() : claim.Prepared;
            var coupon = new CouponEntry(id, campaign, claim.UserId, now, claim.IdempotencyKey, state);
            sequence = log.AppendIf(
                LogRecord.ForClaim(coupon, state, now, ownCode, claim.Code),
                static c => c.Holds(),
                new ClaimCondition(campaign, _codes, claim.Code, coupon));
            if (sequence == 0)
            {
                // Paused or ended since the decision above, the last unit went, or the code was claimed meanwhile.
                outcome = claim.Code is { } code && _codes.ClaimedBy(code.Slot) is not null ? Outcome.CodeAlreadyClaimed
                    : campaign.Status == CampaignStatus.Active ? Outcome.SoldOut : Outcome.CampaignNotActive;
            }
            else
            {
                // Taken before the coupon is published: from then on its owner may change it.
                answer = coupon.ToCoupon(state);
                Publish(claim.Holding, coupon);
                _ownCodeIndex.Add(ownCode, id);
            }
        }

        if (outcome != Outcome.Ok)
        {
            sequence = log.Appended;
            if (outcome != Outcome.CodeAlreadyClaimed)
            {
                CountRejection(campaign, outcome);
            }
        }

        return outcome;
    }

    /// <summary>A new coupon's id and its own code's hash.</summary>
    private (Guid Id, CodeHash OwnCode) PrepareCoupon()
    {
        var id = Guid.CreateVersion7(_time.GetUtcNow());
        return (id, _ownCodes.KeyOf(id).Hash);
    }

    private Outcome DecideClaim(CampaignEntry campaign, int claimedByUser)
    {
        // Issued before total: total only grows, so this order never sees more issued than stock.
        var issued = campaign.Issued;
        return CouponRules.DecideClaim(campaign.Status, campaign.Definition, claimedByUser, campaign.TotalStock - issued, NowMs());
    }

    private async ValueTask<CouponResult> RefuseAsync(GroupCommitLog log, CampaignEntry campaign, Outcome outcome, CancellationToken cancellationToken)
    {
        CountRejection(campaign, outcome);
        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return new CouponResult(outcome, null);
    }

    private void Publish(Holding holding, CouponEntry coupon)
    {
        holding.Add(coupon);
        _coupons.Add(coupon);
        coupon.Campaign.ValidityEnds.Enqueue(coupon);
    }

    /// <summary>Runs one rule on one coupon under its lock, appends the change if there is one, and waits for it to be durable.</summary>
    private async ValueTask<Redemption> ChangeAsync(Guid couponId, string? ownerId, CouponChange change, CancellationToken cancellationToken, string? reason = null)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        if (!TryFind(couponId, ownerId, out var coupon))
        {
            return new Redemption(Outcome.CouponNotFound, null, default);
        }

        var campaign = coupon.Campaign;
        Outcome outcome;
        DiscountQuote quote;
        CouponState after;
        long sequence;
        lock (coupon)
        {
            var before = coupon.State;
            after = before;
            var now = NowMs();
            outcome = change(ref after, campaign.Definition, now, out quote, out var events);
            if (events != CouponEvents.None)
            {
                sequence = StoreChange(log, coupon, before, after, events, now, reason);
            }
            else
            {
                sequence = log.Appended;
            }
        }

        if (!outcome.IsSuccess())
        {
            CountRejection(campaign, outcome);
        }

        await log.WhenDurableAsync(sequence, cancellationToken).ConfigureAwait(false);
        return new Redemption(outcome, coupon.ToCoupon(after), quote);
    }

    /// <summary>
    /// Stores a coupon change decided under the coupon's lock (by an order's operation or by the
    /// clock): appended to the log first, then made visible, counted in its campaign's stats and put
    /// in the queues where it needs watching. Returns the change's sequence in the log.
    /// <paramref name="reason"/>, a revoke's, goes into the audit line.
    /// </summary>
    internal static long StoreChange(GroupCommitLog log, CouponEntry coupon, in CouponState before, in CouponState after, CouponEvents events, long nowMs, string? reason = null)
    {
        var delta = StatsDelta.Of(before.Status, after.Status, events);
        var sequence = log.Append(LogRecord.ForCoupon(coupon, after, events, delta, before, nowMs, reason));
        Apply(coupon, before, after, delta);
        return sequence;
    }

    /// <summary>A change whose record is appended made visible: the coupon's state, its campaign's stats, the sweeper's queues.</summary>
    private static void Apply(CouponEntry coupon, in CouponState before, in CouponState after, StatsDelta delta)
    {
        coupon.State = after;
        coupon.Campaign.Apply(delta);
        Sweeper.Watch(coupon.Campaign, coupon, before, after);
    }
}

/// <summary>What a claim of a new coupon is made of: who claims what, the code it takes, and the id and own code made before the lock (empty when not).</summary>
internal readonly record struct NewClaim(CampaignEntry Campaign, Holding Holding, string UserId, string? IdempotencyKey, CodeClaim? Code, (Guid Id, CodeHash OwnCode) Prepared);

/// <summary>
/// Checked under the log's lock as a claim's record is appended: the campaign active, the generated
/// code (if any) not yet claimed, a unit of stock taken; then the code marked claimed, so the stock,
/// the code and the record are taken together or not at all.
/// </summary>
internal readonly record struct ClaimCondition(CampaignEntry Campaign, CodeIndex Codes, CodeClaim? Code, CouponEntry Coupon)
{
    public bool Holds()
    {
        if (Campaign.Status != CampaignStatus.Active || (Code is not null && Codes.ClaimedBy(Code.Slot) is not null) || !Campaign.TryTakeStock())
        {
            return false;
        }

        if (Code is not null)
        {
            Codes.MarkClaimed(Code.Slot, Coupon);
        }

        return true;
    }
}
