using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Claims by code, and finding a coupon by its own code. A generated code's state lives in its code
/// partition's slot and the user's claim in the user's bucket, so a claim by a generated code is a
/// small saga over two slots:
/// (a) claimcode.lua reserves the code for the user (or answers code_already_claimed, or the
/// user's earlier coupon); (b) the campaign's own claim in the user's bucket, under the code's
/// idempotency key (<see cref="CodeRules.IdempotencyKeyOf"/>), so making it again is a replay and
/// never a second coupon; (c) completecode.lua records the coupon on the code, or, the claim
/// refused, releasecode.lua gives the code back.
/// </summary>
/// <remarks>
/// A node that dies between (a) and (c) leaves a reservation, listed in its partition's reservations.
/// <see cref="SweepAsync"/> finishes every reservation older than <see cref="StaleAfter"/> forward,
/// never by giving the code to anyone else: it makes (b) again for the user who reserved it (a
/// replay if it had been made), then (c). The user retrying meanwhile finds their own reservation and
/// goes on the same way; both arrive at the same coupon.
/// </remarks>
internal sealed class CodeClaims(IDatabase db, RedisKeys keys, TimeProvider time, CampaignCache campaigns, Claims claims, CouponReader coupons)
{
    /// <summary>How old a reservation must be before the sweeper finishes it: far longer than a claim takes.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Which code partitions' streams this node has listed for the persisters: each before the first
    /// claim it completes there appends to it (listing again changes nothing). Generating codes
    /// appends nothing to them, so a persister never reads a partition no claim by code has reached.
    /// </summary>
    private readonly bool[] _streamsListed = new bool[RedisKeys.CodePartitions];

    /// <summary>
    /// Shared codes this node has seen claimed, by hash, with their campaign: a claim by one of them
    /// goes straight to the campaign's claim, without claimcode.lua's round trip. A shared code's
    /// record is taken over only while its campaign does not exist (<see cref="SharedCodeIndex"/>),
    /// and campaigns are never deleted, so once its campaign is found the record never changes.
    /// Bounded by the campaigns: only codes whose campaign exists are kept.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<UInt128, Guid> _sharedCampaigns = new();

    /// <summary>
    /// Learns a shared code's campaign ahead of its first claim (the warm-up): a campaign that
    /// exists with a code holds that code's record for good (see <see cref="_sharedCampaigns"/>).
    /// </summary>
    public void KnowShared(CodeHash code, Guid campaignId) => _sharedCampaigns.TryAdd(code.Value, campaignId);

    /// <summary>Whether a claim by the shared code goes straight to its campaign on this node.</summary>
    public bool KnowsShared(CodeHash code) => _sharedCampaigns.ContainsKey(code.Value);

    public async Task<CouponResult> ClaimAsync(CodeHash code, string userId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        cancellationToken.ThrowIfCancellationRequested();
        if (_sharedCampaigns.TryGetValue(code.Value, out var known))
        {
            return await ClaimSharedAsync(known, code, userId, idempotencyKey, cancellationToken).ConfigureAwait(false);
        }

        var slot = RedisKeys.CodeSlot(code);
        var answer = (RedisResult[])(await Script.ClaimCode.RunAsync(
            db,
            [keys.Codes(slot), keys.CodeClaims(slot), keys.CodeReservations(slot)],
            [code.ToText(), userId, NowMs()]).ConfigureAwait(false))!;
        switch ((string?)answer[0])
        {
            case "shared":
                return await ClaimSharedAsync(CodeRecord.Parse((string)answer[1]!).CampaignId, code, userId, idempotencyKey, cancellationToken).ConfigureAwait(false);
            case "replayed":
                return new CouponResult(Outcome.Replayed, await coupons.ReadAsync(RedisKeys.ParseId((string)answer[1]!), null).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("the coupon of a claimed code is missing"));
            case "ok":
                // Reserved: from here on the claim is seen through whatever the token says, as any change sent.
                var reservation = "r|" + (string)answer[2]! + "|" + userId;
                return await FinishAsync(CodeRecord.Parse((string)answer[1]!).CampaignId, code, userId, reservation).ConfigureAwait(false);
            case "code_already_claimed":
                // Counted with the campaign's other refusals (in its first bucket; the stats add the buckets up).
                await db.HashIncrementAsync(keys.Bucket(CodeRecord.Parse((string)answer[1]!).CampaignId, 0), BucketHashes.RejectedPrefix + Outcome.CodeAlreadyClaimed.ToCode()).ConfigureAwait(false);
                return new CouponResult(Outcome.CodeAlreadyClaimed, null);
            default:
                return new CouponResult(ScriptOutcomes.Of(answer[0]), null);
        }
    }

    /// <summary>The coupon whose own code is indexed at <paramref name="key"/> (in the route's slot, where its claim wrote it).</summary>
    public async Task<CouponResult> FindAsync(CouponCodeKey key, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(key.Route);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(key.Route, CouponOwnCodes.Routes);
        cancellationToken.ThrowIfCancellationRequested();
        var id = await db.HashGetAsync(keys.OwnCodes(key.Route), key.Hash.ToText()).ConfigureAwait(false);
        return !id.IsNull && await coupons.ReadAsync(RedisKeys.ParseId(id.ToString()), null).ConfigureAwait(false) is { } coupon
            ? new CouponResult(Outcome.Ok, coupon)
            : new CouponResult(Outcome.CouponNotFound, null);
    }

    /// <summary>Finishes the reservations older than <see cref="StaleAfter"/> (at most <paramref name="batchSize"/> per partition); returns how many.</summary>
    public async Task<int> SweepAsync(int batchSize, CancellationToken cancellationToken)
    {
        var staleBeforeMs = NowMs() - (long)StaleAfter.TotalMilliseconds;
        var batch = db.CreateBatch();
        var due = RedisKeys.CodeSlots.Select(slot => (Slot: slot, Codes: batch.SortedSetRangeByScoreAsync(
            keys.CodeReservations(slot), double.NegativeInfinity, staleBeforeMs, Exclude.None, Order.Ascending, 0, batchSize))).ToList();
        batch.Execute();
        var finished = 0;
        foreach (var (slot, codes) in due)
        {
            foreach (var code in await codes.ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                finished += await FinishStaleAsync(slot, CodeHash.ParseText(code.ToString()), staleBeforeMs).ConfigureAwait(false) ? 1 : 0;
            }
        }

        return finished;
    }

    private async Task<bool> FinishStaleAsync(int slot, CodeHash code, long staleBeforeMs)
    {
        var field = code.ToText();
        var state = await db.HashGetAsync(keys.CodeClaims(slot), field).ConfigureAwait(false);
        if (state.IsNull || CodeClaim.Parse(state.ToString()) is not { Claimed: false } reservation || reservation.AtMs > staleBeforeMs)
        {
            // Finished, or renewed by its user just now: theirs to finish.
            return false;
        }

        var record = CodeRecord.Parse((await db.HashGetAsync(keys.Codes(slot), field).ConfigureAwait(false)).ToString());
        await FinishAsync(record.CampaignId, code, reservation.UserId, state.ToString()).ConfigureAwait(false);
        return true;
    }

    /// <summary>Steps (b) and (c): the campaign's claim under the code's key, then the code claimed with its coupon, or given back.</summary>
    private async Task<CouponResult> FinishAsync(Guid campaignId, CodeHash code, string userId, string reservation)
    {
        var key = CodeRules.IdempotencyKeyOf(CodeKind.Unique, code, null);
        var result = await claims.ClaimAsync(campaignId, userId, key, CancellationToken.None).ConfigureAwait(false);
        var slot = RedisKeys.CodeSlot(code);
        if (result.Outcome is Outcome.Ok or Outcome.Replayed && result.Coupon is { } coupon)
        {
            // code_already_claimed here would mean the code went to someone else after a release: the coupon stands without it.
            await ListStreamAsync(code).ConfigureAwait(false);
            await Script.CompleteCode.RunAsync(
                db,
                [keys.Codes(slot), keys.CodeClaims(slot), keys.CodeReservations(slot), keys.Events(slot)],
                [code.ToText(), userId, RedisKeys.Id(coupon.Id), NowMs()]).ConfigureAwait(false);
        }
        else
        {
            await Script.ReleaseCode.RunAsync(db, [keys.CodeClaims(slot), keys.CodeReservations(slot)], [code.ToText(), reservation]).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>A shared code: the campaign's own claim, under the caller's key or the code's; a record whose campaign does not exist finds nothing.</summary>
    private async Task<CouponResult> ClaimSharedAsync(Guid campaignId, CodeHash code, string userId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (await campaigns.FindAsync(campaignId).ConfigureAwait(false) is null)
        {
            return new CouponResult(Outcome.CodeNotFound, null);
        }

        _sharedCampaigns.TryAdd(code.Value, campaignId);

        var result = await claims.ClaimAsync(campaignId, userId, CodeRules.IdempotencyKeyOf(CodeKind.Shared, code, idempotencyKey), cancellationToken).ConfigureAwait(false);
        return result.Outcome == Outcome.CampaignNotFound ? new CouponResult(Outcome.CodeNotFound, null) : result;
    }

    /// <summary>Lists the stream of <paramref name="code"/>'s partition for the persisters, before anything is appended to it.</summary>
    private async Task ListStreamAsync(CodeHash code)
    {
        var partition = RedisKeys.CodePartition(code);
        if (!Volatile.Read(ref _streamsListed[partition]))
        {
            await db.SetAddAsync(keys.Streams, keys.Events(RedisKeys.CodePartitionSlot(partition))).ConfigureAwait(false);
            Volatile.Write(ref _streamsListed[partition], true);
        }
    }

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
