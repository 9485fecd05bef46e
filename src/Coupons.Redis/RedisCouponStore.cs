using System.Collections.Concurrent;
using System.Globalization;
using Coupons.Core;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// The scale-out store's hot state on Redis (one node or a cluster): every decision is one Lua
/// script touching one hash slot, which appends its event to that slot's stream in the same atomic
/// step (see <c>Scripts/*.lua</c>).
/// </summary>
/// <remarks>
/// <para>
/// Campaign definitions never change once created, so each node caches them for good; what does
/// change (status, stock) is read from Redis and checked inside the scripts.
/// </para>
/// <para>
/// Claims decide inside their script (stock and limits are contended). A coupon's other changes
/// (lock, redeem, release, refund) are decided by the rules of Coupons.Core on the state read, and
/// stored by <c>transition.lua</c> only if the coupon's version is still the one read, with the
/// counters and the event; a conflict decides again. So the state machine lives in one place.
/// </para>
/// <para>
/// A user's coupons are listed from an index in the user's own slot, written beside the claim's
/// script and before the answer (see <see cref="IndexForUserAsync"/>).
/// </para>
/// <para>
/// A hot campaign's stock is split into buckets in different slots; a sold-out bucket borrows from
/// the others (<see cref="BorrowAsync"/>). The sweeper (<see cref="SweepAsync"/>) stores lapsed
/// locks and passed validities, and finishes what a dead node left half done.
/// </para>
/// </remarks>
public sealed class RedisCouponStore : ICouponStore, IDisposable
{
    /// <summary>How often a coupon's change is decided again when others keep changing it first.</summary>
    private const int MaxAttempts = 16;

    /// <summary>How old an id in a user's list must be, with no coupon behind it, before a reader drops it.</summary>
    private const long AbandonedListEntryMs = 60_000;

    private static readonly Dictionary<string, Outcome> Outcomes = BuildOutcomes();

    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;
    private readonly RedisStoreOptions _options;
    private readonly ConcurrentDictionary<Guid, CampaignTerms> _terms = new();

    private RedisCouponStore(ConnectionMultiplexer redis, RedisStoreOptions options, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.StockPerBucket);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBuckets);
        _redis = redis;
        _db = redis.GetDatabase();
        _keys = new RedisKeys(options.KeyPrefix);
        _options = options;
        _time = time;
    }

    public bool IsReady => _redis.IsConnected;

    /// <summary>The connection, shared with the persisters of the same node.</summary>
    public IConnectionMultiplexer Connection => _redis;

    public static async Task<RedisCouponStore> ConnectAsync(RedisStoreOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var redis = await ConnectionMultiplexer.ConnectAsync(options.Configuration).ConfigureAwait(false);
        return new RedisCouponStore(redis, options, time);
    }

    /// <summary>
    /// A store that connects in the background and keeps reconnecting: not ready (and every call
    /// throws <see cref="StorageUnavailableException"/>) while Redis cannot be reached. For a
    /// service, which must start and report not-ready rather than fail to start.
    /// </summary>
    public static RedisCouponStore Connect(RedisStoreOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        return new RedisCouponStore(ConnectionMultiplexer.Connect(configuration), options, time);
    }

    public ValueTask<CampaignInfo> CreateCampaignAsync(CampaignDefinition definition, long totalStock, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            ArgumentNullException.ThrowIfNull(definition);
            var now = NowMs();
            var id = Guid.CreateVersion7(_time.GetUtcNow());
            var buckets = (int)Math.Clamp((totalStock + _options.StockPerBucket - 1) / _options.StockPerBucket, 1, _options.MaxBuckets);
            long Share(int bucket) => (totalStock / buckets) + (bucket < totalStock % buckets ? 1 : 0);

            // The other buckets first: the campaign appears (create.lua) only once all of them exist.
            for (var bucket = 1; bucket < buckets; bucket++)
            {
                await Script.Bucket.RunAsync(_db, [_keys.Bucket(id, bucket)], [Share(bucket), definition.PerUserLimit]).ConfigureAwait(false);
            }

            var slot = RedisKeys.CampaignSlot(id);
            RedisValue[] values = [RedisKeys.Id(id), totalStock, definition.PerUserLimit, now, buckets, Share(0), AuditField.Encode(now), .. DefinitionFields(definition)];
            await Script.Create.RunAsync(_db, [_keys.Campaign(id), _keys.Bucket(id, 0), _keys.Events(slot)], values).ConfigureAwait(false);
            // Listed once it exists whole: a crash before this leaves a campaign nobody can list, not a half one.
            await Task.WhenAll(
                _db.SortedSetAddAsync(_keys.Campaigns, RedisKeys.Id(id), 0),
                _db.SetAddAsync(_keys.Streams, [.. Enumerable.Range(0, buckets).Select(b => (RedisValue)_keys.Events(RedisKeys.BucketSlot(id, b)))])).ConfigureAwait(false);
            _terms[id] = new CampaignTerms(definition, buckets);
            return new CampaignInfo(id, definition, CampaignStatus.Active, totalStock, 0, now);
        });

    public ValueTask<CampaignInfo?> GetCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        Guard(() => ReadCampaignAsync(campaignId));

    public ValueTask<Page<CampaignInfo>> ListCampaignsAsync(Guid? after, int limit, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
            var ids = after is { } id
                ? await _db.SortedSetRangeByValueAsync(_keys.Campaigns, RedisKeys.Id(id), default, Exclude.Start, Order.Ascending, 0, limit + 1).ConfigureAwait(false)
                : await _db.SortedSetRangeByValueAsync(_keys.Campaigns, default, default, Exclude.None, Order.Ascending, 0, limit + 1).ConfigureAwait(false);
            var campaigns = await Task.WhenAll(ids.Take(limit).Select(v => ReadCampaignAsync(Guid.ParseExact(v.ToString(), "N")))).ConfigureAwait(false);
            var items = campaigns.OfType<CampaignInfo>().ToList();
            return new Page<CampaignInfo>(items, ids.Length > limit && items.Count > 0 ? items[^1].Id : null);
        });

    public ValueTask<CampaignResult> ChangeCampaignStatusAsync(Guid campaignId, CampaignCommand command, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            var target = WireNames.Of(CampaignRules.TargetOf(command));
            return await RunCampaignScriptAsync(Script.Status, campaignId, target, AuditField.Encode(NowMs())).ConfigureAwait(false);
        });

    public ValueTask<CampaignResult> AddStockAsync(Guid campaignId, long add, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(add);
            var result = await RunCampaignScriptAsync(Script.Stock, campaignId, add, CampaignDefinition.MaxStock, AuditField.Encode(NowMs())).ConfigureAwait(false);
            if (_terms.TryGetValue(campaignId, out var campaign))
            {
                campaign.StockAdded();
            }

            return result;
        });

    public ValueTask<CouponResult> ClaimAsync(Guid campaignId, string userId, string? idempotencyKey, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            ArgumentException.ThrowIfNullOrEmpty(userId);
            if (await TermsAsync(campaignId).ConfigureAwait(false) is not { } campaign)
            {
                return new CouponResult(Outcome.CampaignNotFound, null);
            }

            var terms = campaign.Definition;
            var bucket = campaign.BucketOf(userId);
            for (var attempt = 0; ; attempt++)
            {
                var now = NowMs();
                var state = CouponRules.NewCoupon(terms, now);
                var slot = RedisKeys.BucketSlot(campaignId, bucket);
                var couponId = CouponIds.New(slot, now);
                var windowOpen = CouponRules.IsClaimable(CampaignStatus.Active, terms, now);
                var likelySoldOut = campaign.LikelySoldOut(bucket, now);
                // After a sell-out this node answers sold_out from its bucket alone for a second,
                // rather than look through every bucket again for each of the crowd's claims.
                var mayBorrow = campaign.Buckets > 1 && attempt < campaign.Buckets && !likelySoldOut;
                RedisKey[] keys =
                [
                    _keys.Bucket(campaignId, bucket), _keys.Claimants(campaignId, bucket), _keys.Coupon(couponId), _keys.Events(slot),
                    _keys.ValidityEnds(campaignId, bucket), _keys.BucketCoupons(campaignId, bucket),
                ];
                RedisValue[] values =
                [
                    userId, CountField(userId), idempotencyKey is null ? "" : IdempotencyField(userId, idempotencyKey), RedisKeys.Id(couponId), now,
                    windowOpen ? "1" : "0", state.ValidFromMs, state.ValidToMs, RedisKeys.Id(campaignId), bucket, idempotencyKey ?? "",
                    mayBorrow ? "0" : "1", AuditField.Encode(now),
                ];
                // The owner's list is written beside the script, not after it, so that both are sent
                // together and wait for one append to disk; see IndexForUserAsync for why that is safe.
                Task<RedisResult> claimed;
                Task? indexed = null;
                if (likelySoldOut)
                {
                    claimed = Script.Claim.RunAsync(_db, keys, values);
                }
                else
                {
                    var batch = _db.CreateBatch();
                    indexed = IndexForUserAsync(batch, userId, couponId);
                    claimed = Script.Claim.RunAsync(batch, keys, values, retryOn: _db);
                    batch.Execute();
                }

                var answer = (RedisResult[])(await claimed.ConfigureAwait(false))!;
                var outcome = Outcomes[(string)answer[0]!];
                if (outcome != Outcome.Ok && indexed is not null)
                {
                    _ = _db.SortedSetRemoveAsync(_keys.UserCoupons(userId), RedisKeys.Id(couponId), CommandFlags.FireAndForget);
                }

                switch (outcome)
                {
                    case Outcome.Ok:
                        await (indexed ?? IndexForUserAsync(_db, userId, couponId)).ConfigureAwait(false);
                        return new CouponResult(outcome, Coupon.From(couponId, campaignId, userId, now, state, terms));
                    case Outcome.Replayed:
                        var earlier = Guid.ParseExact((string)answer[1]!, "N");
                        // Again: the first answer may never have got this far.
                        await IndexForUserAsync(_db, userId, earlier).ConfigureAwait(false);
                        return new CouponResult(outcome, await ReadCouponAsync(earlier, null).ConfigureAwait(false)
                            ?? throw new InvalidOperationException($"the coupon {earlier} of an idempotency key is missing"));
                    case Outcome.SoldOut when mayBorrow:
                        if (!await BorrowAsync(campaignId, campaign.Buckets, bucket).ConfigureAwait(false))
                        {
                            // Nothing left anywhere: the refusal the script did not count.
                            campaign.SoldOut(bucket, now);
                            await _db.HashIncrementAsync(_keys.Bucket(campaignId, bucket), "rejected:sold_out").ConfigureAwait(false);
                            return new CouponResult(outcome, null);
                        }

                        continue;
                    case Outcome.SoldOut:
                        campaign.SoldOut(bucket, now);
                        return new CouponResult(outcome, null);
                    default:
                        return new CouponResult(outcome, null);
                }
            }
        });

    /// <summary>
    /// Moves stock into a bucket that sold out from the bucket with the most left: half of what it
    /// has left, taken there (take.lua, which records the transfer) and then given here (give.lua,
    /// once per transfer). Stock in flight is in neither bucket, so nothing can be sold twice; a
    /// transfer whose node died in between is given by the sweeper. False when no bucket has any left.
    /// </summary>
    private async Task<bool> BorrowAsync(Guid campaignId, int buckets, int borrower)
    {
        var batch = _db.CreateBatch();
        var reads = Enumerable.Range(0, buckets).Select(b => batch.HashGetAsync(_keys.Bucket(campaignId, b), ["total", "issued"])).ToList();
        batch.Execute();
        var left = new long[buckets];
        for (var b = 0; b < buckets; b++)
        {
            var values = await reads[b].ConfigureAwait(false);
            left[b] = b == borrower || values[0].IsNull ? 0 : (long)values[0] - (long)values[1];
        }

        var lender = Array.IndexOf(left, left.Max());
        if (left[lender] <= 0)
        {
            return false;
        }

        var transfer = Guid.NewGuid().ToString("N");
        var units = (long)await Script.Take.RunAsync(
            _db, [_keys.Bucket(campaignId, lender), _keys.TransfersOut(campaignId, lender)], [(left[lender] + 1) / 2, transfer, borrower]).ConfigureAwait(false);
        if (units > 0)
        {
            await GiveAsync(campaignId, lender, borrower, transfer, units).ConfigureAwait(false);
        }

        // Taken by others meanwhile: look again (the caller tries the claim again either way).
        return true;
    }

    private async Task GiveAsync(Guid campaignId, int lender, int borrower, string transfer, long units)
    {
        await Script.Give.RunAsync(_db, [_keys.Bucket(campaignId, borrower), _keys.TransfersIn(campaignId, borrower)], [transfer, units]).ConfigureAwait(false);
        await _db.HashDeleteAsync(_keys.TransfersOut(campaignId, lender), transfer).ConfigureAwait(false);
    }

    public ValueTask<CouponResult> GetCouponAsync(Guid couponId, string? ownerId, CancellationToken cancellationToken = default) =>
        Guard(async () => await ReadCouponAsync(couponId, ownerId).ConfigureAwait(false) is { } coupon
            ? new CouponResult(Outcome.Ok, coupon)
            : new CouponResult(Outcome.CouponNotFound, null));

    public ValueTask<Page<Coupon>> ListUserCouponsAsync(string userId, CouponStatus? status, Guid? after, int limit, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
            var key = _keys.UserCoupons(userId);
            var now = NowMs();
            var found = new List<Coupon>();
            RedisValue from = after is { } start ? RedisKeys.Id(start) : default;
            var exclude = after is null ? Exclude.None : Exclude.Start;
            // Read in slices until one more than the page is found (to know whether there is a next
            // page) or the index ends; a status filter may skip many.
            var slice = Math.Max(limit + 1, 32);
            while (found.Count <= limit)
            {
                var ids = await _db.SortedSetRangeByValueAsync(key, from, default, exclude, Order.Ascending, 0, slice).ConfigureAwait(false);
                var batch = _db.CreateBatch();
                var couponIds = ids.Select(id => Guid.ParseExact(id.ToString(), "N")).ToList();
                var reads = couponIds.Select(id => ReadStoredAsync(batch, id, userId)).ToList();
                batch.Execute();
                for (var i = 0; i < reads.Count; i++)
                {
                    if (await reads[i].ConfigureAwait(false) is not { } stored)
                    {
                        // The list write of a claim refused or never run; once old, no claim can still make it true.
                        if (now - CouponIds.TimeOf(couponIds[i]) > AbandonedListEntryMs)
                        {
                            _ = _db.SortedSetRemoveAsync(key, ids[i], CommandFlags.FireAndForget);
                        }
                    }
                    else if (CouponRules.Observe(stored.State, now) is var state && (status is null || state.Status == status) && found.Count <= limit)
                    {
                        found.Add(stored.ToCoupon(state));
                    }
                }

                if (ids.Length < slice)
                {
                    break;
                }

                (from, exclude) = (ids[^1], Exclude.Start);
            }

            var more = found.Count > limit;
            if (more)
            {
                found.RemoveAt(limit);
            }

            return new Page<Coupon>(found, more ? found[^1].Id : null);
        });

    public ValueTask<Redemption> LockAsync(Guid couponId, string? ownerId, string orderId, long orderAmount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(orderAmount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orderAmount, Money.MaxAmount);
        return Guard(() => ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Lock(ref state, terms, orderId, orderAmount, now, out quote, out events)));
    }

    public ValueTask<Redemption> RedeemAsync(Guid couponId, string? ownerId, string orderId, long? orderAmount, CancellationToken cancellationToken = default)
    {
        if (orderAmount is { } amount)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(amount, nameof(orderAmount));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(amount, Money.MaxAmount, nameof(orderAmount));
        }

        return Guard(() => ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Redeem(ref state, terms, orderId, orderAmount, now, out quote, out events)));
    }

    public ValueTask<CouponResult> ReleaseAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            var result = await ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
            {
                quote = default;
                return CouponRules.Release(ref state, orderId, now, out events);
            }).ConfigureAwait(false);
            return new CouponResult(result.Outcome, result.Coupon);
        });

    public ValueTask<CouponResult> RefundAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            var result = await ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
            {
                quote = default;
                return CouponRules.Refund(ref state, orderId, now, out events);
            }).ConfigureAwait(false);
            return new CouponResult(result.Outcome, result.Coupon);
        });

    public ValueTask<CampaignStats?> GetStatsAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        Guard(async () =>
        {
            if (await TermsAsync(campaignId).ConfigureAwait(false) is not { } campaign)
            {
                return null;
            }

            // The counts first, then the total: the total only grows, so issued never shows above it.
            var buckets = await ReadBucketsAsync(campaignId, campaign.Buckets).ConfigureAwait(false);
            var total = (long)await _db.HashGetAsync(_keys.Campaign(campaignId), "total").ConfigureAwait(false);
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var bucket in buckets)
            {
                foreach (var field in bucket.Where(f => f.Name != "status" && f.Name != "total" && f.Name != "limit"))
                {
                    counts[(string)field.Name!] = counts.GetValueOrDefault((string)field.Name!) + (long)field.Value;
                }
            }

            var rejected = counts.Where(c => c.Key.StartsWith("rejected:", StringComparison.Ordinal) && c.Value > 0)
                .ToDictionary(c => c.Key["rejected:".Length..], c => c.Value, StringComparer.Ordinal);
            return (CampaignStats?)new CampaignStats(
                campaignId, total, Count(counts, "issued"), Count(counts, "locked"), Count(counts, "used"),
                Count(counts, "released"), Count(counts, "refunded"), Count(counts, "expired"), rejected);
        });

    private async Task<HashEntry[][]> ReadBucketsAsync(Guid campaignId, int buckets)
    {
        var batch = _db.CreateBatch();
        var reads = Enumerable.Range(0, buckets).Select(b => batch.HashGetAllAsync(_keys.Bucket(campaignId, b))).ToList();
        batch.Execute();
        return await Task.WhenAll(reads).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores lapsed locks and passed validities, so that the stats count them; reads see them at
    /// once anyway. Each due coupon goes through the same versioned change as any other, so nodes
    /// may sweep at the same time without counting anything twice. Returns the coupons changed.
    /// </summary>
    /// <summary>
    /// Appends an audit entry for a change kept outside the store (the blocklist), as an event of
    /// its own in a stream the persisters drain: durable (AOF) once this returns, and in the audit
    /// table once persisted, like every change's entry.
    /// </summary>
    public ValueTask<bool> AppendAuditAsync(string action, string subject, string? before, string? after) => Guard(async () =>
    {
        var stream = _keys.Events(HashSlots.Of("audit"));
        await _db.SetAddAsync(_keys.Streams, stream).ConfigureAwait(false);
        NameValueEntry[] fields =
        [
            new("event", "audit"), new("action", action), new("subject", subject), new("before", before ?? ""), new("after", after ?? ""),
            new(AuditField.Name, AuditField.Encode(NowMs())),
        ];
        await _db.StreamAddAsync(stream, fields).ConfigureAwait(false);
        return true;
    });

    public ValueTask<int> SweepAsync(int batchSize = 256) => Guard(async () =>
    {
        // Lapses and expiries are nobody's doing but the clock's, whatever flow calls the sweep.
        AuditScope.Set(AuditActor.System);
        var now = NowMs();
        var swept = 0;
        foreach (var id in await _db.SortedSetRangeByValueAsync(_keys.Campaigns).ConfigureAwait(false))
        {
            var campaignId = Guid.ParseExact(id.ToString(), "N");
            if (await TermsAsync(campaignId).ConfigureAwait(false) is not { } campaign)
            {
                continue;
            }

            if (campaign.Buckets > 1)
            {
                await RepairBucketsAsync(campaignId, campaign.Buckets).ConfigureAwait(false);
            }

            for (var bucket = 0; bucket < campaign.Buckets; bucket++)
            {
                foreach (var watch in new[] { _keys.LockExpiries(campaignId, bucket), _keys.ValidityEnds(campaignId, bucket) })
                {
                    var due = await _db.SortedSetRangeByScoreAsync(watch, double.NegativeInfinity, now, Exclude.None, Order.Ascending, 0, batchSize).ConfigureAwait(false);
                    foreach (var coupon in due)
                    {
                        var changed = false;
                        await ChangeAsync(Guid.ParseExact(coupon.ToString(), "N"), null, (ref CouponState state, CampaignDefinition _, long at, out DiscountQuote quote, out CouponEvents events) =>
                        {
                            quote = default;
                            events = CouponRules.Normalize(ref state, at);
                            changed = events != CouponEvents.None;
                            return Outcome.Ok;
                        }).ConfigureAwait(false);
                        swept += changed ? 1 : 0;
                    }
                }
            }
        }

        return swept;
    });

    /// <summary>
    /// Finishes what a node that died may have left half done across a campaign's buckets: stock
    /// taken for a transfer and not yet given, and a status change not yet on every bucket.
    /// </summary>
    private async Task RepairBucketsAsync(Guid campaignId, int buckets)
    {
        for (var lender = 0; lender < buckets; lender++)
        {
            foreach (var pending in await _db.HashGetAllAsync(_keys.TransfersOut(campaignId, lender)).ConfigureAwait(false))
            {
                var to = ((string)pending.Value!).Split(':');
                await GiveAsync(campaignId, lender, int.Parse(to[0], CultureInfo.InvariantCulture), (string)pending.Name!, long.Parse(to[1], CultureInfo.InvariantCulture)).ConfigureAwait(false);
            }
        }

        var status = (string?)await _db.HashGetAsync(_keys.Campaign(campaignId), "status").ConfigureAwait(false);
        if (status is not null)
        {
            await SetBucketStatusAsync(campaignId, buckets, status).ConfigureAwait(false);
        }
    }

    public void Dispose() => _redis.Dispose();

    /// <summary>The field of an idempotency key: the user's id and the key, told apart by the id's length.</summary>
    /// <summary>A claimant's field for their number of claims in a bucket's claimants hash.</summary>
    internal static string CountField(string userId) => "c:" + userId;

    /// <summary>
    /// A claimant's field for one idempotency key, beside the counts in the same hash: the user's
    /// id is length-prefixed, so no two users' keys share a field.
    /// </summary>
    internal static string IdempotencyField(string userId, string key) =>
        "k:" + userId.Length.ToString(CultureInfo.InvariantCulture) + ":" + userId + key;

    private async Task<CampaignResult> RunCampaignScriptAsync(Script script, Guid campaignId, params RedisValue[] arguments)
    {
        var slot = RedisKeys.CampaignSlot(campaignId);
        var answer = (RedisResult[])(await script.RunAsync(
            _db,
            [_keys.Campaign(campaignId), _keys.Bucket(campaignId, 0), _keys.Events(slot)],
            [RedisKeys.Id(campaignId), .. arguments]).ConfigureAwait(false))!;
        var outcome = Outcomes[(string)answer[0]!];
        if (outcome == Outcome.CampaignNotFound || await TermsAsync(campaignId).ConfigureAwait(false) is not { } campaign)
        {
            return new CampaignResult(Outcome.CampaignNotFound, null);
        }

        if (script == Script.Status && outcome == Outcome.Ok)
        {
            // The other buckets follow before the answer: once a pause has answered, no bucket claims.
            await SetBucketStatusAsync(campaignId, campaign.Buckets, (string)answer[1]!).ConfigureAwait(false);
        }

        return new CampaignResult(outcome, await ReadCampaignAsync(campaignId).ConfigureAwait(false));
    }

    private async Task SetBucketStatusAsync(Guid campaignId, int buckets, string status)
    {
        for (var bucket = 1; bucket < buckets; bucket++)
        {
            await Script.SetStatus.RunAsync(_db, [_keys.Bucket(campaignId, bucket)], [status]).ConfigureAwait(false);
        }
    }

    private async Task<CampaignInfo?> ReadCampaignAsync(Guid campaignId)
    {
        var fields = (await _db.HashGetAllAsync(_keys.Campaign(campaignId)).ConfigureAwait(false))
            .ToDictionary(f => (string)f.Name!, f => f.Value, StringComparer.Ordinal);
        if (fields.Count == 0)
        {
            return null;
        }

        var campaign = _terms.GetOrAdd(campaignId, _ => ParseTerms(fields));
        // Issued first, then the total: the total only grows, so issued never shows above it.
        var issued = 0L;
        foreach (var bucket in await ReadBucketsAsync(campaignId, campaign.Buckets).ConfigureAwait(false))
        {
            issued += (long)bucket.Single(f => f.Name == "issued").Value;
        }

        var total = (long)await _db.HashGetAsync(_keys.Campaign(campaignId), "total").ConfigureAwait(false);
        return new CampaignInfo(campaignId, campaign.Definition, WireNames.ParseCampaignStatus(fields["status"]!), total, issued, (long)fields["createdAt"]);
    }

    private async Task<CampaignTerms?> TermsAsync(Guid campaignId)
    {
        if (_terms.TryGetValue(campaignId, out var known))
        {
            return known;
        }

        var fields = await _db.HashGetAllAsync(_keys.Campaign(campaignId)).ConfigureAwait(false);
        return fields.Length == 0
            ? null
            : _terms.GetOrAdd(campaignId, _ => ParseTerms(fields.ToDictionary(f => (string)f.Name!, f => f.Value, StringComparer.Ordinal)));
    }

    private async Task<Coupon?> ReadCouponAsync(Guid couponId, string? ownerId) =>
        await ReadStoredAsync(couponId, ownerId).ConfigureAwait(false) is { } stored
            ? stored.ToCoupon(CouponRules.Observe(stored.State, NowMs()))
            : null;

    /// <summary>
    /// Puts a coupon in its owner's list, which lives in the owner's slot and so cannot be written by
    /// the claim's script. A claim writes it beside its script, before it knows whether the claim
    /// succeeds, so that the answer waits for one append to disk, not two; a refused claim then takes
    /// it out again. An id whose coupon does not exist is skipped by readers, and dropped by them once
    /// it is old (the id holds its time). A claim whose list write was lost (its node died) is put in
    /// the list by its replay, or by the persister from its event.
    /// </summary>
    private Task IndexForUserAsync(IDatabaseAsync db, string userId, Guid couponId) => db.SortedSetAddAsync(_keys.UserCoupons(userId), RedisKeys.Id(couponId), 0);

    private Task<StoredCoupon?> ReadStoredAsync(Guid couponId, string? ownerId) => ReadStoredAsync(_db, couponId, ownerId);

    /// <summary>A coupon as stored, with the version its next change must find; null when missing or someone else's.</summary>
    private async Task<StoredCoupon?> ReadStoredAsync(IDatabaseAsync db, Guid couponId, string? ownerId)
    {
        var fields = (await db.HashGetAllAsync(_keys.Coupon(couponId)).ConfigureAwait(false))
            .ToDictionary(f => (string)f.Name!, f => f.Value, StringComparer.Ordinal);
        if (fields.Count == 0)
        {
            return null;
        }

        var userId = (string)fields["user"]!;
        if (ownerId is not null && ownerId != userId)
        {
            return null;
        }

        var campaignId = Guid.ParseExact((string)fields["campaign"]!, "N");
        var terms = (await TermsAsync(campaignId).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the campaign {campaignId} of coupon {couponId} is missing")).Definition;
        var state = new CouponState
        {
            Status = WireNames.ParseCouponStatus((string)fields["status"]!),
            ValidFromMs = (long)fields["validFrom"],
            ValidToMs = (long)fields["validTo"],
            OrderId = NullableText(fields, "orderId"),
            OrderAmount = NullableNumber(fields, "orderAmount") ?? 0,
            LockExpiresAtMs = NullableNumber(fields, "lockExpiresAt") ?? 0,
            UsedAtMs = NullableNumber(fields, "usedAt") ?? 0,
            RefundedOrderId = NullableText(fields, "refundedOrderId"),
        };
        return new StoredCoupon(couponId, campaignId, (int)fields["bucket"], userId, (long)fields["claimedAt"], state, terms, (string)fields["version"]!);
    }

    private delegate Outcome CouponChange(ref CouponState state, CampaignDefinition terms, long nowMs, out DiscountQuote quote, out CouponEvents events);

    /// <summary>
    /// Reads a coupon, runs one rule of Coupons.Core on it, and stores the result with
    /// <c>transition.lua</c> if the coupon is still as read; otherwise reads and decides again. Only
    /// the orders racing for one coupon ever meet here, so a retry is rare.
    /// </summary>
    private async Task<Redemption> ChangeAsync(Guid couponId, string? ownerId, CouponChange change)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await ReadStoredAsync(couponId, ownerId).ConfigureAwait(false) is not { } stored)
            {
                return new Redemption(Outcome.CouponNotFound, null, default);
            }

            var before = stored.State;
            var after = before;
            var now = NowMs();
            var outcome = change(ref after, stored.Terms, now, out var quote, out var events);
            var refusal = outcome.IsSuccess() ? "" : outcome.ToCode();
            if (events == CouponEvents.None)
            {
                if (refusal.Length > 0)
                {
                    await _db.HashIncrementAsync(_keys.Bucket(stored.CampaignId, stored.Bucket), "rejected:" + refusal).ConfigureAwait(false);
                }

                return new Redemption(outcome, stored.ToCoupon(after), quote);
            }

            var slot = CouponIds.SlotOf(couponId);
            var delta = StatsDelta.Of(before.Status, after.Status, events);
            RedisKey[] keys =
            [
                _keys.Coupon(couponId), _keys.Bucket(stored.CampaignId, stored.Bucket), _keys.Events(slot),
                _keys.LockExpiries(stored.CampaignId, stored.Bucket), _keys.ValidityEnds(stored.CampaignId, stored.Bucket),
            ];
            RedisValue[] values =
            [
                stored.Version, RedisKeys.Id(couponId), RedisKeys.Id(stored.CampaignId), WireNames.EventList(events), WireNames.Of(after.Status),
                after.OrderId ?? "", after.OrderAmount, after.LockExpiresAtMs, after.UsedAtMs, after.RefundedOrderId ?? "",
                delta.Locked, delta.Used, delta.Expired, delta.Released, delta.Refunded,
                refusal, after.ValidToMs, AuditField.Encode(now, AuditText.CouponState(before), after.OrderId ?? before.OrderId),
            ];
            var answer = (RedisResult[])(await Script.Transition.RunAsync(_db, keys, values).ConfigureAwait(false))!;
            if ((string)answer[0]! == "ok")
            {
                return new Redemption(outcome, stored.ToCoupon(after), quote);
            }

            if (attempt >= MaxAttempts)
            {
                throw new OverloadedException($"the coupon {couponId} kept changing while it was being changed");
            }
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static async ValueTask<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (RedisConnectionException exception)
        {
            throw new StorageUnavailableException("Redis cannot be reached", exception);
        }
        catch (RedisTimeoutException exception)
        {
            throw new StorageUnavailableException("Redis did not answer in time", exception);
        }
    }

    private static long Count(Dictionary<string, long> counts, string name) => counts.GetValueOrDefault(name);

    private static string? NullableText(Dictionary<string, RedisValue> fields, string name) =>
        fields.TryGetValue(name, out var value) && !value.IsNullOrEmpty ? (string?)value : null;

    private static long? NullableNumber(Dictionary<string, RedisValue> fields, string name) =>
        fields.TryGetValue(name, out var value) && !value.IsNullOrEmpty ? (long)value : null;

    private static RedisValue[] DefinitionFields(CampaignDefinition d) =>
    [
        "name", d.Name,
        "discountKind", (int)d.Discount.Kind,
        "amountOff", d.Discount.AmountOff,
        "percentOff", d.Discount.PercentOff,
        "maxDiscount", d.Discount.MaxDiscount is { } max ? max : "",
        "threshold", d.Discount.Threshold,
        "minOrderAmount", d.MinOrderAmount,
        "perUserLimit", d.PerUserLimit,
        "claimStartsAt", d.ClaimStartsAtMs is { } start ? start : "",
        "claimEndsAt", d.ClaimEndsAtMs is { } end ? end : "",
        "validFrom", d.Validity.FromMs is { } from ? from : "",
        "validTo", d.Validity.ToMs is { } to ? to : "",
        "validDays", d.Validity.Days is { } days ? days : "",
        "lockTtlSeconds", d.LockTtlSeconds,
    ];

    private static CampaignTerms ParseTerms(Dictionary<string, RedisValue> f) => new(ParseDefinition(f), (int)f["buckets"]);

    private static CampaignDefinition ParseDefinition(Dictionary<string, RedisValue> f) => new()
    {
        Name = (string)f["name"]!,
        Discount = Discount.Restore(
            (DiscountKind)(int)f["discountKind"], (long)f["amountOff"], (int)f["percentOff"], NullableNumber(f, "maxDiscount"), (long)f["threshold"]),
        MinOrderAmount = (long)f["minOrderAmount"],
        PerUserLimit = (int)f["perUserLimit"],
        ClaimStartsAtMs = NullableNumber(f, "claimStartsAt"),
        ClaimEndsAtMs = NullableNumber(f, "claimEndsAt"),
        Validity = new Validity(NullableNumber(f, "validFrom"), NullableNumber(f, "validTo"), (int?)NullableNumber(f, "validDays")),
        LockTtlSeconds = (int)f["lockTtlSeconds"],
    };

    /// <summary>What never changes about a campaign: its definition and how many buckets its stock is split into.</summary>
    /// <summary>A campaign's definition as this node caches it, with what it last saw of its buckets' stock.</summary>
    private sealed class CampaignTerms(CampaignDefinition definition, int buckets)
    {
        /// <summary>How long a bucket seen sold out is taken to stay so, for the claim's speculative list write.</summary>
        private const long SoldOutHintMs = 1000;

        /// <summary>Per bucket, when this node last saw it sold out with nothing to borrow (ms; 0 for never).</summary>
        private readonly long[] _soldOutAt = new long[buckets];

        public CampaignDefinition Definition { get; } = definition;

        public int Buckets { get; } = buckets;

        /// <summary>The bucket a user always claims from: XxHash32 of the UTF-8 user id, modulo the buckets.</summary>
        public int BucketOf(string userId) => Buckets == 1 ? 0 : (int)(System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(userId)) % (uint)Buckets);

        /// <summary>
        /// Whether this node saw the bucket sold out, with nothing left in any other bucket to borrow,
        /// within the last second. A claim there then writes its owner's list only once it succeeds,
        /// and does not look through the other buckets again. So stock added on another node is
        /// claimed from this node's empty buckets a second later at most; never is anything sold
        /// that is not there, since the claim's script still decides on the bucket's own stock.
        /// </summary>
        public bool LikelySoldOut(int bucket, long nowMs) => nowMs - Volatile.Read(ref _soldOutAt[bucket]) < SoldOutHintMs;

        public void SoldOut(int bucket, long nowMs) => Volatile.Write(ref _soldOutAt[bucket], nowMs);

        /// <summary>Stock added through this node: claims here see it at once.</summary>
        public void StockAdded()
        {
            for (var bucket = 0; bucket < _soldOutAt.Length; bucket++)
            {
                Volatile.Write(ref _soldOutAt[bucket], 0);
            }
        }
    }

    private sealed record StoredCoupon(
        Guid Id, Guid CampaignId, int Bucket, string UserId, long ClaimedAtMs, CouponState State, CampaignDefinition Terms, string Version)
    {
        public Coupon ToCoupon(in CouponState state) => Coupon.From(Id, CampaignId, UserId, ClaimedAtMs, state, Terms);
    }

    private static Dictionary<string, Outcome> BuildOutcomes()
    {
        var outcomes = OutcomeCodes.Refusals.ToDictionary(o => o.ToCode(), StringComparer.Ordinal);
        outcomes["ok"] = Outcome.Ok;
        outcomes["replayed"] = Outcome.Replayed;
        return outcomes;
    }
}
