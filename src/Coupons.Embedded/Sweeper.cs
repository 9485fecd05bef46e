using System.Collections.Concurrent;
using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>
/// Writes what the clock did into the stored state and the stats: locks past their expiry become
/// unused again, coupons past their validity expired. Readers see both at once anyway
/// (<see cref="CouponRules.Normalize"/>); the sweep makes them durable and counted. Each campaign
/// keeps its locks in expiry order and its coupons in claim order (which is validity-end order), so
/// a sweep looks only at the heads of two queues. Runs every sweep interval on a timer of the
/// store's clock; <see cref="Sweep"/> runs it at once.
/// </summary>
internal sealed class Sweeper : IDisposable
{
    private readonly ConcurrentDictionary<Guid, CampaignEntry> _campaigns;
    private readonly GroupCommitLog _log;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly ITimer _timer;

    public Sweeper(ConcurrentDictionary<Guid, CampaignEntry> campaigns, GroupCommitLog log, TimeProvider time, TimeSpan interval)
    {
        _campaigns = campaigns;
        _log = log;
        _time = time;
        _timer = time.CreateTimer(static sweeper => ((Sweeper)sweeper!).SweepOnTimer(), this, interval, interval);
    }

    /// <summary>Puts a coupon whose state changed into the queues where it needs watching; under the coupon's lock.</summary>
    public static void Watch(CampaignEntry campaign, CouponEntry coupon, in CouponState before, in CouponState after)
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

    /// <summary>Sweeps lapsed locks and passed validities into the stored state now; returns how many coupons changed.</summary>
    public int Sweep()
    {
        // Lapses and expiries are nobody's doing but the clock's, whatever flow calls the sweep.
        AuditScope.Set(AuditActor.System);
        // One sweeper at a time: each queue is peeked, then dequeued, which is safe for a single consumer only.
        lock (_gate)
        {
            return SweepQueues(_time.GetUtcNow().ToUnixTimeMilliseconds());
        }
    }

    public void Dispose() => _timer.Dispose();

    private int SweepQueues(long nowMs)
    {
        var swept = 0;
        foreach (var campaign in _campaigns.Values)
        {
            // Dequeued only once swept: if the append throws (overloaded), the next sweep tries again.
            while (campaign.LockExpiries.TryPeek(out var head) && head.LockExpiresAtMs <= nowMs)
            {
                swept += SweepOne(head.Coupon, nowMs);
                campaign.LockExpiries.TryDequeue(out _);
            }

            while (campaign.ValidityEnds.TryPeek(out var coupon) && coupon.ValidToMs <= nowMs)
            {
                swept += SweepOne(coupon, nowMs);
                campaign.ValidityEnds.Dequeue();
            }
        }

        return swept;
    }

    private int SweepOne(CouponEntry coupon, long nowMs)
    {
        lock (coupon)
        {
            var before = coupon.State;
            var after = before;
            var events = CouponRules.Normalize(ref after, nowMs);
            if (events == CouponEvents.None)
            {
                return 0;
            }

            EmbeddedCouponStore.StoreChange(_log, coupon, before, after, events, nowMs);
            return 1;
        }
    }

    private void SweepOnTimer()
    {
        if (_log.IsFailed)
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
}
