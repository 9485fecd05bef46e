using System.Collections.Concurrent;
using System.Diagnostics;
using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>A campaign in memory: its definition, status, stock and live counters.</summary>
internal sealed class CampaignEntry(Guid id, CampaignDefinition definition, long createdAtMs, CampaignStatus status, long totalStock)
{
    private long _totalStock = totalStock;
    private long _issued;
    private long _locked;
    private long _used;
    private long _expired;
    private long _released;
    private long _refunded;
    private readonly long[] _rejected = new long[OutcomeCodes.Capacity];
    private int _rejectedDirty;
    private volatile CampaignStatus _status = status;

    public Guid Id { get; } = id;
    public CampaignDefinition Definition { get; } = definition;
    public long CreatedAtMs { get; } = createdAtMs;

    /// <summary>Held while the status or the total stock changes, so their records are appended in order.</summary>
    public object Gate { get; } = new();

    public CampaignStatus Status { get => _status; set => _status = value; }
    public long TotalStock => Volatile.Read(ref _totalStock);
    public long Issued => Volatile.Read(ref _issued);
    public long Released => Volatile.Read(ref _released);
    public long Refunded => Volatile.Read(ref _refunded);

    /// <summary>Locks by expiry time, for the sweeper.</summary>
    public ConcurrentQueue<(CouponEntry Coupon, long LockExpiresAtMs)> LockExpiries { get; } = new();

    /// <summary>Coupons by end of validity (claim order is validity order), for the sweeper.</summary>
    public SweepQueue ValidityEnds { get; } = new();

    /// <summary>Takes one unit of stock unless none is left. Lock-free: claims of one campaign never wait on each other.</summary>
    public bool TryTakeStock()
    {
        while (true)
        {
            var issued = Volatile.Read(ref _issued);
            if (issued >= Volatile.Read(ref _totalStock))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _issued, issued + 1, issued) == issued)
            {
                return true;
            }
        }
    }

    public void AddStock(long add) => Interlocked.Add(ref _totalStock, add);

    /// <summary>Adds the counts of coupons found on disk at recovery (before the store takes requests).</summary>
    public void CountRecovered(in RecoveredCounts counts)
    {
        _issued += counts.Issued;
        _locked += counts.Locked;
        _used += counts.Used;
        _expired += counts.Expired;
    }

    public void RestoreCounters(long released, long refunded, IEnumerable<(Outcome Outcome, long Count)> rejected)
    {
        _released = released;
        _refunded = refunded;
        foreach (var (outcome, count) in rejected)
        {
            _rejected[(int)outcome] = count;
        }
    }

    /// <summary>Applies what one coupon change did to the stats, as <see cref="StatsDelta.Of"/> gave it.</summary>
    public void Apply(StatsDelta delta)
    {
        Add(ref _locked, delta.Locked);
        Add(ref _used, delta.Used);
        Add(ref _expired, delta.Expired);
        Add(ref _released, delta.Released);
        Add(ref _refunded, delta.Refunded);
    }

    private static void Add(ref long counter, int delta)
    {
        if (delta != 0)
        {
            Interlocked.Add(ref counter, delta);
        }
    }

    /// <summary>Counts a refusal; returns true when the counters became dirty and need writing.</summary>
    public bool CountRejection(Outcome outcome)
    {
        Interlocked.Increment(ref _rejected[(int)outcome]);
        // A plain read first: in a sold-out storm the flag is almost always set already.
        return Volatile.Read(ref _rejectedDirty) == 0 && Interlocked.Exchange(ref _rejectedDirty, 1) == 0;
    }

    /// <summary>Marks the rejection counters written; called before they are read for writing.</summary>
    public void ClearRejectedDirty() => Volatile.Write(ref _rejectedDirty, 0);

    public Dictionary<string, long> RejectedByCode()
    {
        var result = new Dictionary<string, long>();
        foreach (var outcome in OutcomeCodes.Refusals)
        {
            var count = Volatile.Read(ref _rejected[(int)outcome]);
            if (count > 0)
            {
                result[outcome.ToCode()] = count;
            }
        }

        return result;
    }

    // Issued is read before total stock in both: total only grows, so a reader never sees more
    // issued than stock, whatever claims and stock additions run meanwhile.
    public CampaignInfo ToInfo()
    {
        var issued = Issued;
        return new(Id, Definition, Status, TotalStock, issued, CreatedAtMs);
    }

    public CampaignStats ToStats()
    {
        var issued = Issued;
        return new(
            Id, TotalStock, issued, Volatile.Read(ref _locked), Volatile.Read(ref _used), Released, Refunded,
            Volatile.Read(ref _expired), RejectedByCode());
    }
}

/// <summary>
/// A coupon in memory. Everything but the state is fixed at claim; the state changes only under
/// <c>lock (entry)</c>, and is read and written there as a whole (<see cref="State"/>).
/// </summary>
/// <remarks>
/// The state is not kept as one <see cref="CouponState"/>: most coupons are never locked, so the
/// parts an order sets live in an object of their own, made the first time an order touches the
/// coupon. That makes an entry 96 bytes instead of 136, which is 400 MB less at ten million.
/// </remarks>
internal sealed class CouponEntry
{
    private CouponStatus _status;
    private long _validFromMs;
    private long _validToMs;
    private OrderPart? _order;

    public CouponEntry(Guid id, CampaignEntry campaign, string userId, long claimedAtMs, string? idempotencyKey, in CouponState state)
    {
        Id = id;
        Campaign = campaign;
        UserId = userId;
        ClaimedAtMs = claimedAtMs;
        IdempotencyKey = idempotencyKey;
        State = state;
    }

    public Guid Id { get; }
    public CampaignEntry Campaign { get; }
    public string UserId { get; }
    public long ClaimedAtMs { get; }
    public string? IdempotencyKey { get; }

    /// <summary>End of validity; set at claim and never changed, so it may be read without the lock.</summary>
    public long ValidToMs => Volatile.Read(ref _validToMs);

    /// <summary>A copy of the state, or a new one; under the entry's lock (or before the entry is published).</summary>
    public CouponState State
    {
        get => new()
        {
            Status = _status,
            ValidFromMs = _validFromMs,
            ValidToMs = _validToMs,
            OrderId = _order?.OrderId,
            OrderAmount = _order?.OrderAmount ?? 0,
            LockExpiresAtMs = _order?.LockExpiresAtMs ?? 0,
            UsedAtMs = _order?.UsedAtMs ?? 0,
            RefundedOrderId = _order?.RefundedOrderId,
        };
        set
        {
            _status = value.Status;
            _validFromMs = value.ValidFromMs;
            Volatile.Write(ref _validToMs, value.ValidToMs);
            if (_order is null && value.OrderId is null && value.RefundedOrderId is null
                && value.OrderAmount == 0 && value.LockExpiresAtMs == 0 && value.UsedAtMs == 0)
            {
                return;
            }

            _order ??= new OrderPart();
            _order.OrderId = value.OrderId;
            _order.OrderAmount = value.OrderAmount;
            _order.LockExpiresAtMs = value.LockExpiresAtMs;
            _order.UsedAtMs = value.UsedAtMs;
            _order.RefundedOrderId = value.RefundedOrderId;
        }
    }

    public Coupon ToCoupon(in CouponState state) => Coupon.From(Id, Campaign.Id, UserId, ClaimedAtMs, state, Campaign.Definition);

    private sealed class OrderPart
    {
        public string? OrderId;
        public long OrderAmount;
        public long LockExpiresAtMs;
        public long UsedAtMs;
        public string? RefundedOrderId;
    }
}

/// <summary>
/// What one user holds of one campaign: the count against the per-user limit (every coupon ever
/// claimed) and the idempotency keys used, and the coupons claimed since the store started (those
/// recovered from disk are listed from the <see cref="UserIndex"/>). Changes under <c>lock (holding)</c>.
/// A user's holdings form a chain: the first is what the user index finds, the others hang off it
/// (<see cref="Next"/>, appended with a compare-and-swap, never removed).
/// </summary>
/// <remarks>
/// A holding is made when its user first claims after a start, from the coupons recovered for that
/// user and campaign, so recovery makes no object per user.
/// </remarks>
internal sealed class Holding
{
    // Most users claim one coupon of a campaign: it is kept inline, any others in an array.
    private CouponEntry? _first;
    private CouponEntry[]? _more;
    private int _added;
    private int _claimed;
    private Holding? _next;

    public Holding(string userId, CampaignEntry campaign, IEnumerable<CouponEntry> recovered)
    {
        UserId = userId;
        Campaign = campaign;
        foreach (var coupon in recovered)
        {
            _claimed++;
            Remember(coupon);
        }
    }

    public string UserId { get; }
    public CampaignEntry Campaign { get; }
    public Dictionary<string, CouponEntry>? ByIdempotencyKey { get; private set; }

    public Holding? Next => Volatile.Read(ref _next);

    /// <summary>Coupons ever claimed, recovered ones included; read under the holding's lock.</summary>
    public int Claimed => _claimed;

    /// <summary>Adds a coupon claimed now; under the holding's lock.</summary>
    public void Add(CouponEntry coupon)
    {
        Debug.Assert(coupon.Campaign == Campaign && coupon.UserId == UserId);
        if (_added == 0)
        {
            _first = coupon;
        }
        else
        {
            _more ??= new CouponEntry[1];
            if (_added - 1 == _more.Length)
            {
                Array.Resize(ref _more, _more.Length * 2);
            }

            _more[_added - 1] = coupon;
        }

        _added++;
        _claimed++;
        Remember(coupon);
    }

    /// <summary>Adds the coupons claimed since the store started to <paramref name="into"/>.</summary>
    public void CopyTo(List<CouponEntry> into)
    {
        lock (this)
        {
            if (_first is { } first)
            {
                into.Add(first);
            }

            into.AddRange(_more.AsSpan(0, Math.Max(0, _added - 1)));
        }
    }

    private void Remember(CouponEntry coupon)
    {
        if (coupon.IdempotencyKey is { } key)
        {
            (ByIdempotencyKey ??= new Dictionary<string, CouponEntry>(StringComparer.Ordinal))[key] = coupon;
        }
    }

    /// <summary>This user's holding of <paramref name="campaign"/> in the chain starting here, or null.</summary>
    public Holding? Find(CampaignEntry campaign)
    {
        for (var holding = this; holding is not null; holding = holding.Next)
        {
            if (holding.Campaign == campaign)
            {
                return holding;
            }
        }

        return null;
    }

    /// <summary>This user's holding of <paramref name="campaign"/>, appended to the chain (made by <paramref name="create"/>) if there is none yet.</summary>
    public Holding FindOrAdd(CampaignEntry campaign, Func<CampaignEntry, Holding> create)
    {
        Holding? added = null;
        var holding = this;
        while (true)
        {
            if (holding.Campaign == campaign)
            {
                return holding;
            }

            if (holding.Next is { } next)
            {
                holding = next;
                continue;
            }

            added ??= create(campaign);
            if (Interlocked.CompareExchange(ref holding._next, added, null) is null)
            {
                return added;
            }
        }
    }
}

/// <summary>Per-campaign counts of recovered coupons, summed by each recovery worker and then added up.</summary>
internal struct RecoveredCounts
{
    public long Issued;
    public long Locked;
    public long Used;
    public long Expired;

    public void Count(CouponStatus status)
    {
        Issued++;
        switch (status)
        {
            case CouponStatus.Locked:
                Locked++;
                break;
            case CouponStatus.Used:
                Used++;
                break;
            case CouponStatus.Expired:
                Expired++;
                break;
            default:
                break;
        }
    }
}

/// <summary>
/// The sweeper's queue of coupons by end of validity: the recovered coupons first, kept as the
/// arrays recovery built them in (claim order), then those claimed since, in a concurrent queue.
/// Any thread may enqueue; only one may peek and dequeue at a time (the sweeper holds its gate).
/// </summary>
internal sealed class SweepQueue
{
    private readonly ConcurrentQueue<CouponEntry> _live = new();
    private (CouponEntry[] Coupons, int Count)[] _recovered = [];
    private int _segment;
    private int _index;

    /// <summary>Sets the recovered coupons, in claim order; before the store takes requests.</summary>
    public void SetRecovered((CouponEntry[] Coupons, int Count)[] segments)
    {
        _recovered = segments;
        _segment = 0;
        _index = 0;
    }

    public void Enqueue(CouponEntry coupon) => _live.Enqueue(coupon);

    public bool TryPeek([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CouponEntry? coupon)
    {
        while (_segment < _recovered.Length)
        {
            var (coupons, count) = _recovered[_segment];
            if (_index < count)
            {
                coupon = coupons[_index];
                return true;
            }

            // Let the collector have what was swept.
            _recovered[_segment] = default;
            _segment++;
            _index = 0;
        }

        return _live.TryPeek(out coupon);
    }

    public void Dequeue()
    {
        if (TryPeek(out _) && _segment < _recovered.Length)
        {
            _index++;
        }
        else
        {
            _live.TryDequeue(out _);
        }
    }
}
