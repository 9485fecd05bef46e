using System.Collections.Concurrent;
using System.Diagnostics;
using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>
/// The default store: all state in memory, so no decision waits for the disk, and SQLite as the
/// durable record through <see cref="GroupCommitLog"/>. An answer is returned only once every
/// change it made or saw is committed.
/// </summary>
/// <remarks>
/// Concurrency: there is no global lock on the request path. A claim holds the lock of one
/// (campaign, user) holding and takes stock with a compare-and-swap; a coupon operation holds
/// the lock of that coupon. A change is appended to the log before it becomes visible in memory
/// (or while the lock that hides it is held), so whatever a reader sees has a sequence number no
/// later than the log's end when it looks, and the reader waits for that.
/// </remarks>
public sealed class EmbeddedCouponStore : ICouponStore, IAuditLog, IDisposable
{
    private readonly EmbeddedStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Guid, CampaignEntry> _campaigns = new();
    private readonly CouponIndex _coupons = new();
    private readonly UserIndex _users = new();
    private SqliteJournal? _journal;
    private GroupCommitLog? _log;
    private readonly Lock _sweepGate = new();
    private ITimer? _sweepTimer;
    private volatile bool _ready;
    private int _disposed;

    public EmbeddedCouponStore(EmbeddedStoreOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    public bool IsReady => _ready && _log is { IsFailed: false };

    /// <summary>Coupons in memory, for recovery reports.</summary>
    public int CouponCount => _coupons.Count;

    /// <summary>Opens the database and rebuilds the state from it. The store takes requests once this completes.</summary>
    public void Open()
    {
        if (_journal is not null)
        {
            throw new InvalidOperationException("the store is already open");
        }

        _journal = new SqliteJournal(_options);
        Recover(_journal);
        _log = new GroupCommitLog(_journal, _options.MaxPendingChanges, _options.SweepInterval);
        _sweepTimer = _time.CreateTimer(_ => SweepSafely(), null, _options.SweepInterval, _options.SweepInterval);
        _ready = true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _ready = false;
        _sweepTimer?.Dispose();
        _log?.Dispose();
        _journal?.Dispose();
    }

    public async ValueTask<CampaignInfo> CreateCampaignAsync(CampaignDefinition definition, long totalStock, CancellationToken cancellationToken = default)
    {
        var log = Log();
        var errors = definition.Validate(totalStock);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"invalid campaign definition: {string.Join(", ", errors.Keys)}", nameof(definition));
        }

        var now = NowMs();
        var campaign = new CampaignEntry(Guid.CreateVersion7(_time.GetUtcNow()), definition, now, CampaignStatus.Active, totalStock);
        var sequence = log.Append(LogRecord.ForCampaign(ToRow(campaign), WireNames.Actions.CampaignCreated, null, now));
        _campaigns[campaign.Id] = campaign;
        await log.WhenDurableAsync(sequence).ConfigureAwait(false);
        // Nothing else can have changed it yet: its id was not known before the line above.
        return campaign.ToInfo();
    }

    public async ValueTask<CampaignInfo?> GetCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        var log = Log();
        var info = _campaigns.TryGetValue(campaignId, out var campaign) ? campaign.ToInfo() : null;
        await log.WhenSeenIsDurableAsync().ConfigureAwait(false);
        return info;
    }

    public async ValueTask<Page<CampaignInfo>> ListCampaignsAsync(Guid? after, int limit, CancellationToken cancellationToken = default)
    {
        var log = Log();
        var page = Paginate(_campaigns.Values.Where(c => after is null || c.Id.CompareTo(after.Value) > 0), c => c.Id, limit, c => c.ToInfo());
        await log.WhenSeenIsDurableAsync().ConfigureAwait(false);
        return page;
    }

    public async ValueTask<CampaignResult> ChangeCampaignStatusAsync(Guid campaignId, CampaignCommand command, CancellationToken cancellationToken = default)
    {
        var log = Log();
        if (!_campaigns.TryGetValue(campaignId, out var campaign))
        {
            return new CampaignResult(Outcome.CampaignNotFound, null);
        }

        Outcome outcome;
        CampaignInfo info;
        lock (campaign.Gate)
        {
            outcome = CampaignRules.ChangeStatus(campaign.Status, command, out var target);
            if (outcome == Outcome.Ok)
            {
                // The status changes under the log's lock, with its record: a claim, which checks the
                // status under the same lock as it appends, is wholly before the change or wholly after.
                log.AppendIf(
                    LogRecord.ForCampaign(ToRow(campaign) with { Status = target }, WireNames.Actions.OfStatusChange(target), AuditText.CampaignState(campaign.Status, campaign.TotalStock), NowMs()),
                    static change => { change.Campaign.Status = change.Target; return true; },
                    (Campaign: campaign, Target: target));
            }

            info = campaign.ToInfo();
        }

        // The answer shows stock counts too, which claims change without this gate: wait for all seen.
        await log.WhenSeenIsDurableAsync().ConfigureAwait(false);
        return new CampaignResult(outcome, info);
    }

    public async ValueTask<CampaignResult> AddStockAsync(Guid campaignId, long add, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(add);
        var log = Log();
        if (!_campaigns.TryGetValue(campaignId, out var campaign))
        {
            return new CampaignResult(Outcome.CampaignNotFound, null);
        }

        Outcome outcome;
        CampaignInfo info;
        lock (campaign.Gate)
        {
            outcome = CampaignRules.AddStock(campaign.Status, campaign.TotalStock, add, out var total);
            if (outcome == Outcome.Ok)
            {
                log.Append(LogRecord.ForCampaign(
                    ToRow(campaign) with { TotalStock = total }, WireNames.Actions.CampaignStockAdded, AuditText.CampaignState(campaign.Status, campaign.TotalStock), NowMs()));
                campaign.AddStock(add);
            }

            info = campaign.ToInfo();
        }

        await log.WhenSeenIsDurableAsync().ConfigureAwait(false);
        return new CampaignResult(outcome, info);
    }

    public async ValueTask<CouponResult> ClaimAsync(Guid campaignId, string userId, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        var log = Log();
        if (!_campaigns.TryGetValue(campaignId, out var campaign))
        {
            return new CouponResult(Outcome.CampaignNotFound, null);
        }

        var holding = _users.Find(userId, campaign);
        if (holding is null)
        {
            // A user without a holding has claimed nothing here: no replay, no limit. Refusals for a
            // campaign that is not active or sold out are answered without creating one, so a storm
            // of refused claims leaves nothing behind in memory.
            var early = DecideClaim(campaign, claimedByUser: 0);
            if (early != Outcome.Ok)
            {
                return await RefuseAsync(log, campaign, early).ConfigureAwait(false);
            }

            holding = _users.GetOrAdd(userId, campaign);
        }

        Outcome outcome;
        Coupon? answer = null;
        long sequence = 0;
        lock (holding)
        {
            if (idempotencyKey is not null && holding.ByIdempotencyKey?.TryGetValue(idempotencyKey, out var earlier) == true)
            {
                outcome = Outcome.Replayed;
                answer = earlier.ToCoupon(CouponRules.Observe(ReadState(earlier), NowMs()));
                sequence = log.Appended;
            }
            else
            {
                var now = NowMs();
                outcome = DecideClaim(campaign, holding.Claimed);
                if (outcome == Outcome.Ok)
                {
                    var state = CouponRules.NewCoupon(campaign.Definition, now);
                    var coupon = new CouponEntry(Guid.CreateVersion7(_time.GetUtcNow()), campaign, userId, now, idempotencyKey, state);
                    sequence = log.AppendIf(
                        LogRecord.ForCoupon(coupon, state, CouponEvents.None, default, null, now),
                        static c => c.Status == CampaignStatus.Active && c.TryTakeStock(),
                        campaign);
                    if (sequence == 0)
                    {
                        // Paused or ended since the decision above, or the last unit went meanwhile.
                        outcome = campaign.Status == CampaignStatus.Active ? Outcome.SoldOut : Outcome.CampaignNotActive;
                    }
                    else
                    {
                        // Taken before the coupon is published: from then on its owner may change it.
                        answer = coupon.ToCoupon(state);
                        Publish(holding, coupon);
                    }
                }

                if (outcome != Outcome.Ok)
                {
                    sequence = log.Appended;
                    CountRejection(campaign, outcome);
                }
            }
        }

        await log.WhenDurableAsync(sequence).ConfigureAwait(false);
        return new CouponResult(outcome, answer);
    }

    private Outcome DecideClaim(CampaignEntry campaign, int claimedByUser)
    {
        // Issued before total: total only grows, so this order never sees more issued than stock.
        var issued = campaign.Issued;
        return CouponRules.DecideClaim(campaign.Status, campaign.Definition, claimedByUser, campaign.TotalStock - issued, NowMs());
    }

    private async ValueTask<CouponResult> RefuseAsync(GroupCommitLog log, CampaignEntry campaign, Outcome outcome)
    {
        CountRejection(campaign, outcome);
        await log.WhenSeenIsDurableAsync().ConfigureAwait(false);
        return new CouponResult(outcome, null);
    }

    public async ValueTask<CouponResult> GetCouponAsync(Guid couponId, string? ownerId, CancellationToken cancellationToken = default)
    {
        var log = Log();
        if (!TryFind(couponId, ownerId, out var coupon))
        {
            return new CouponResult(Outcome.CouponNotFound, null);
        }

        var state = CouponRules.Observe(ReadState(coupon), NowMs());
        await log.WhenSeenIsDurableAsync().ConfigureAwait(false);
        return new CouponResult(Outcome.Ok, coupon.ToCoupon(state));
    }

    public async ValueTask<Page<Coupon>> ListUserCouponsAsync(string userId, CouponStatus? status, Guid? after, int limit, CancellationToken cancellationToken = default)
    {
        var log = Log();
        var now = NowMs();
        var entries = _users.Recovered(userId).ToList();
        for (var holding = _users.FirstHolding(userId); holding is not null; holding = holding.Next)
        {
            holding.CopyTo(entries);
        }

        var matching = entries
            .Where(c => after is null || c.Id.CompareTo(after.Value) > 0)
            .Select(c => (Entry: c, State: CouponRules.Observe(ReadState(c), now)))
            .Where(c => status is null || c.State.Status == status);
        var page = Paginate(matching, c => c.Entry.Id, limit, c => c.Entry.ToCoupon(c.State));
        await log.WhenSeenIsDurableAsync().ConfigureAwait(false);
        return page;
    }

    public ValueTask<Redemption> LockAsync(Guid couponId, string? ownerId, string orderId, long orderAmount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(orderAmount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orderAmount, Money.MaxAmount);
        return ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Lock(ref state, terms, orderId, orderAmount, now, out quote, out events));
    }

    public ValueTask<Redemption> RedeemAsync(Guid couponId, string? ownerId, string orderId, long? orderAmount, CancellationToken cancellationToken = default)
    {
        if (orderAmount is { } amount)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(amount, nameof(orderAmount));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(amount, Money.MaxAmount, nameof(orderAmount));
        }

        return ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition terms, long now, out DiscountQuote quote, out CouponEvents events) =>
            CouponRules.Redeem(ref state, terms, orderId, orderAmount, now, out quote, out events));
    }

    public async ValueTask<CouponResult> ReleaseAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default)
    {
        var result = await ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            return CouponRules.Release(ref state, orderId, now, out events);
        }).ConfigureAwait(false);
        return new CouponResult(result.Outcome, result.Coupon);
    }

    public async ValueTask<CouponResult> RefundAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default)
    {
        var result = await ChangeAsync(couponId, ownerId, (ref CouponState state, CampaignDefinition _, long now, out DiscountQuote quote, out CouponEvents events) =>
        {
            quote = default;
            return CouponRules.Refund(ref state, orderId, now, out events);
        }).ConfigureAwait(false);
        return new CouponResult(result.Outcome, result.Coupon);
    }

    public async ValueTask AppendAsync(string action, string subject, string? before, string? after, CancellationToken cancellationToken = default)
    {
        var log = Log();
        var sequence = log.Append(LogRecord.ForAudit(new AuditNote(AuditScope.Current, NowMs(), action, subject, null, null, null, before, after)));
        await log.WhenDurableAsync(sequence).ConfigureAwait(false);
    }

    public ValueTask<(IReadOnlyList<AuditEntry> Items, string? NextCursor)> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        long? before = null;
        if (query.Cursor is not null)
        {
            // The cursor is the sequence number of the last entry given.
            before = long.TryParse(query.Cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence)
                ? sequence
                : throw new ArgumentException("not a cursor of this store", nameof(query));
        }

        Log();
        try
        {
            var entries = SqliteJournal.QueryAudit(
                _options.DatabasePath, query, before, query.Limit + 1, CouponIdsOf(query.Owner), CouponIdsOf(query.ActorId));
            var next = entries.Count > query.Limit ? entries[query.Limit - 1].Id : null;
            return ValueTask.FromResult<(IReadOnlyList<AuditEntry>, string?)>((entries.Count > query.Limit ? entries[..query.Limit] : entries, next));
        }
        catch (Microsoft.Data.Sqlite.SqliteException exception)
        {
            throw new StorageUnavailableException("the audit log cannot be read: " + exception.Message, exception);
        }
    }

    /// <summary>The ids of a user's coupons as a JSON array (for the audit queries), from memory; null for no user.</summary>
    private string? CouponIdsOf(string? userId)
    {
        if (userId is null)
        {
            return null;
        }

        var entries = _users.Recovered(userId).ToList();
        for (var holding = _users.FirstHolding(userId); holding is not null; holding = holding.Next)
        {
            holding.CopyTo(entries);
        }

        return System.Text.Json.JsonSerializer.Serialize(entries.Select(e => e.Id.ToString()).ToList(), CouponIdsJson.Default.ListString);
    }

    public async ValueTask<CampaignStats?> GetStatsAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        var log = Log();
        var stats = _campaigns.TryGetValue(campaignId, out var campaign) ? campaign.ToStats() : null;
        await log.WhenSeenIsDurableAsync().ConfigureAwait(false);
        return stats;
    }

    /// <summary>Sweeps lapsed locks and passed validities into the stored state now; the timer calls it every SweepInterval.</summary>
    public int Sweep()
    {
        var log = Log();
        // Lapses and expiries are nobody's doing but the clock's, whatever flow calls the sweep.
        AuditScope.Set(AuditActor.System);
        // One sweeper at a time: each queue is peeked, then dequeued, which is safe for a single consumer only.
        lock (_sweepGate)
        {
            return SweepQueues(log, NowMs());
        }
    }

    private int SweepQueues(GroupCommitLog log, long now)
    {
        var swept = 0;
        foreach (var campaign in _campaigns.Values)
        {
            // Dequeued only once swept: if the append throws (overloaded), the next sweep tries again.
            while (campaign.LockExpiries.TryPeek(out var head) && head.LockExpiresAtMs <= now)
            {
                swept += SweepOne(log, head.Coupon, now);
                campaign.LockExpiries.TryDequeue(out _);
            }

            while (campaign.ValidityEnds.TryPeek(out var coupon) && coupon.ValidToMs <= now)
            {
                swept += SweepOne(log, coupon, now);
                campaign.ValidityEnds.Dequeue();
            }
        }

        return swept;
    }

    private delegate Outcome CouponChange(ref CouponState state, CampaignDefinition terms, long nowMs, out DiscountQuote quote, out CouponEvents events);

    /// <summary>Runs one rule on one coupon under its lock, appends the change if there is one, and waits for it to be durable.</summary>
    private async ValueTask<Redemption> ChangeAsync(Guid couponId, string? ownerId, CouponChange change)
    {
        var log = Log();
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
                var delta = StatsDelta.Of(before.Status, after.Status, events);
                sequence = log.Append(LogRecord.ForCoupon(coupon, after, events, delta, before, now));
                coupon.State = after;
                campaign.Apply(delta);
                Track(campaign, coupon, before, after);
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

        await log.WhenDurableAsync(sequence).ConfigureAwait(false);
        return new Redemption(outcome, coupon.ToCoupon(after), quote);
    }

    private int SweepOne(GroupCommitLog log, CouponEntry coupon, long now)
    {
        lock (coupon)
        {
            var before = coupon.State;
            var after = before;
            var events = CouponRules.Normalize(ref after, now);
            if (events == CouponEvents.None)
            {
                return 0;
            }

            var delta = StatsDelta.Of(before.Status, after.Status, events);
            log.Append(LogRecord.ForCoupon(coupon, after, events, delta, before, now));
            coupon.State = after;
            coupon.Campaign.Apply(delta);
            return 1;
        }
    }

    private void SweepSafely()
    {
        if (!IsReady)
        {
            return;
        }

        try
        {
            Sweep();
        }
        catch (Exception exception) when (exception is StorageUnavailableException or OverloadedException)
        {
            // The next sweep tries again; a failed log is reported by readiness.
        }
    }

    /// <summary>Puts a coupon whose state changed into the sweeper's queues where it needs watching.</summary>
    private static void Track(CampaignEntry campaign, CouponEntry coupon, in CouponState before, in CouponState after)
    {
        if (after.Status == CouponStatus.Locked && after.LockExpiresAtMs != before.LockExpiresAtMs)
        {
            campaign.LockExpiries.Enqueue((coupon, after.LockExpiresAtMs));
        }

        if (before.Status == CouponStatus.Used && after.Status == CouponStatus.Unused)
        {
            campaign.ValidityEnds.Enqueue(coupon);
        }
    }

    private void Publish(Holding holding, CouponEntry coupon)
    {
        holding.Add(coupon);
        _coupons.Add(coupon);
        coupon.Campaign.ValidityEnds.Enqueue(coupon);
    }

    private void CountRejection(CampaignEntry campaign, Outcome outcome)
    {
        if (campaign.CountRejection(outcome))
        {
            _log?.MarkCountersDirty(campaign);
        }
    }

    private bool TryFind(Guid couponId, string? ownerId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CouponEntry? coupon) =>
        _coupons.TryGetValue(couponId, out coupon) && (ownerId is null || coupon.UserId == ownerId);

    private static CouponState ReadState(CouponEntry coupon)
    {
        lock (coupon)
        {
            return coupon.State;
        }
    }

    /// <summary>One page in id order; only the items on the page are turned into answers.</summary>
    private static Page<TResult> Paginate<T, TResult>(IEnumerable<T> items, Func<T, Guid> id, int limit, Func<T, TResult> toResult)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        // One more than asked, to know whether there is a next page.
        var page = items.OrderBy(id).Take(limit + 1).ToList();
        var more = page.Count > limit;
        if (more)
        {
            page.RemoveAt(limit);
        }

        return new Page<TResult>([.. page.Select(toResult)], more ? id(page[^1]) : null);
    }

    private static CampaignRow ToRow(CampaignEntry campaign) =>
        new(campaign.Id, campaign.Definition, campaign.Status, campaign.TotalStock, campaign.CreatedAtMs);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private GroupCommitLog Log()
    {
        if (!_ready || _log is null)
        {
            throw new StorageUnavailableException("the store is not open yet: it is recovering its state from disk");
        }

        return _log;
    }

    private void Recover(SqliteJournal journal)
    {
        var stopwatch = Stopwatch.StartNew();
        journal.LoadCampaigns((row, released, refunded, rejected) =>
        {
            var campaign = new CampaignEntry(row.Id, row.Definition, row.CreatedAtMs, row.Status, row.TotalStock);
            campaign.RestoreCounters(released, refunded, SqliteJournal.ParseRejected(rejected));
            _campaigns[row.Id] = campaign;
        });

        RecoverySteps = Recovery.Run(journal, _options.DatabasePath, [.. _campaigns.Values], _coupons, _users);
        RecoveryTime = stopwatch.Elapsed;
    }

    /// <summary>How long each step of the last recovery took, for reports.</summary>
    public string? RecoverySteps { get; private set; }

    /// <summary>How long the last recovery from disk took.</summary>
    public TimeSpan RecoveryTime { get; private set; }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class CouponIdsJson : System.Text.Json.Serialization.JsonSerializerContext;
