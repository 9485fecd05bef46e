using System.Collections.Concurrent;
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
    public ConcurrentQueue<CouponEntry> ValidityEnds { get; } = new();

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

    /// <summary>Counts a coupon found on disk at recovery.</summary>
    public void CountRecovered(CouponStatus status)
    {
        _issued++;
        CountStatus(status, +1);
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

    /// <summary>Moves the status gauges from <paramref name="before"/> to <paramref name="after"/> and counts events.</summary>
    public void Apply(CouponStatus before, CouponStatus after, CouponEvents events)
    {
        if (before != after)
        {
            CountStatus(before, -1);
            CountStatus(after, +1);
        }

        if ((events & (CouponEvents.Released | CouponEvents.Lapsed)) != 0)
        {
            Interlocked.Increment(ref _released);
        }

        if ((events & CouponEvents.Refunded) != 0)
        {
            Interlocked.Increment(ref _refunded);
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

    private void CountStatus(CouponStatus status, int delta)
    {
        switch (status)
        {
            case CouponStatus.Locked:
                Interlocked.Add(ref _locked, delta);
                break;
            case CouponStatus.Used:
                Interlocked.Add(ref _used, delta);
                break;
            case CouponStatus.Expired:
                Interlocked.Add(ref _expired, delta);
                break;
            default:
                break;
        }
    }
}

/// <summary>A coupon in memory. Everything but <see cref="State"/> is fixed at claim; the state changes only under <c>lock (entry)</c>.</summary>
internal sealed class CouponEntry(Guid id, CampaignEntry campaign, string userId, long claimedAtMs, string? idempotencyKey, CouponState state)
{
    public Guid Id { get; } = id;
    public CampaignEntry Campaign { get; } = campaign;
    public string UserId { get; } = userId;
    public long ClaimedAtMs { get; } = claimedAtMs;
    public string? IdempotencyKey { get; } = idempotencyKey;

#pragma warning disable CA1051 // a mutable struct field, changed in place under the entry's lock
    public CouponState State = state;
#pragma warning restore CA1051

    public Coupon ToCoupon(in CouponState state) => Coupon.From(Id, Campaign.Id, UserId, ClaimedAtMs, state, Campaign.Definition);
}

/// <summary>What one user holds of one campaign: the count against the per-user limit and the idempotency keys used.</summary>
internal sealed class Holding
{
    public int Claimed;
    public Dictionary<string, CouponEntry>? ByIdempotencyKey;
}

internal readonly record struct HoldingKey(Guid CampaignId, string UserId);

/// <summary>All coupons of one user, for listing.</summary>
internal sealed class UserCoupons
{
    private readonly List<CouponEntry> _coupons = [];

    public void Add(CouponEntry coupon)
    {
        lock (_coupons)
        {
            _coupons.Add(coupon);
        }
    }

    public CouponEntry[] Snapshot()
    {
        lock (_coupons)
        {
            return [.. _coupons];
        }
    }
}
