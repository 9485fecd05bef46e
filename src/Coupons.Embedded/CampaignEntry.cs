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
    private long _revoked;
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
    public ValidityEndQueue ValidityEnds { get; } = new();

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
        _revoked += counts.Revoked;
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
        Add(ref _revoked, delta.Revoked);
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

    /// <summary>The campaign's row as it stands, for a log record (with the part that changes replaced).</summary>
    public CampaignRow ToRow() => new(Id, Definition, Status, TotalStock, CreatedAtMs);

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
            Volatile.Read(ref _expired), Volatile.Read(ref _revoked), RejectedByCode());
    }
}
