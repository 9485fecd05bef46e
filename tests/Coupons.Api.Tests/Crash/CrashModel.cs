using System.Collections.Concurrent;

namespace Coupons.Api.Tests.Crash;

/// <summary>
/// What the crash test knows for certain: every change the server acknowledged, and for each
/// change it sent without an answer, what the state would be if it happened. After a restart the
/// server must show an acknowledged state, or the state after the one change that was cut off.
/// </summary>
internal sealed class CrashModel(string campaignId, long initialStock)
{
    private readonly Lock _gate = new();
    private readonly List<AckedClaim> _ackedList = [];
    private long _claimSlots;
    private bool _serverGone;

    public string CampaignId { get; } = campaignId;

    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>(user, idempotency key) → the coupon id the server acknowledged for it.</summary>
    public ConcurrentDictionary<(string User, string Key), string> AckedClaims { get; } = new();

    /// <summary>Every coupon some acknowledged claim returned.</summary>
    public ConcurrentDictionary<string, CouponModel> Coupons { get; } = new(StringComparer.Ordinal);

    /// <summary>Coupons no worker is working on and whose state is known: a worker takes one, changes it, puts it back.</summary>
    public ConcurrentQueue<CouponModel> Idle { get; } = new();

    /// <summary>The acknowledged coupons of each user.</summary>
    public ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> AckedByUser { get; } = new(StringComparer.Ordinal);

    // Lower bound: acknowledged; upper bound: attempted. Both reset to what the server shows after each restart.
#pragma warning disable CA1051 // updated with Interlocked from many workers
    public long StockLow = initialStock;
    public long StockHigh = initialStock;
    public long RefundedLow;
    public long RefundedHigh;
    public long ReleasedLow;
    public long ReleasedHigh;

    // Per cycle, for the report.
    public long InFlight;
    public long AckedCount;
    public long UncertainCount;
    public long RefusedCount;
#pragma warning restore CA1051

    /// <summary>How many claim slots were handed out; three slots (three idempotency keys) per user.</summary>
    public long ClaimSlots => Interlocked.Read(ref _claimSlots);

    public int UsersTouched(int maxUsers) => (int)Math.Min(maxUsers, (ClaimSlots + 2) / 3);

    public long NextClaimSlot() => Interlocked.Increment(ref _claimSlots) - 1;

    public static string UserName(long index) => $"crash-u{index:D5}";

    public void Violation(string message) => Violations.Enqueue(message);

    public void AddAcked(AckedClaim claim)
    {
        lock (_gate)
        {
            _ackedList.Add(claim);
        }
    }

    public AckedClaim? PickAcked(Random random)
    {
        lock (_gate)
        {
            return _ackedList.Count == 0 ? null : _ackedList[random.Next(_ackedList.Count)];
        }
    }

    /// <summary>Set when a request got no answer: the server is gone, so the workers stop starting requests.</summary>
    public bool ServerGone
    {
        get => Volatile.Read(ref _serverGone);
        set => Volatile.Write(ref _serverGone, value);
    }

    public void ResetCycleCounters()
    {
        ServerGone = false;
        Interlocked.Exchange(ref InFlight, 0);
        Interlocked.Exchange(ref AckedCount, 0);
        Interlocked.Exchange(ref UncertainCount, 0);
        Interlocked.Exchange(ref RefusedCount, 0);
    }
}

internal sealed record AckedClaim(string User, string Key, string CouponId);

/// <summary>
/// One acknowledged coupon. Only the worker that took it from <see cref="CrashModel.Idle"/> touches
/// it during load, and only the checker after the load stopped.
/// </summary>
internal sealed class CouponModel(string id, string userId)
{
    public string Id { get; } = id;
    public string UserId { get; } = userId;

    /// <summary>The state the server last acknowledged (or showed after a restart).</summary>
    public string Status { get; set; } = "unused";

    public string? OrderId { get; set; }

    /// <summary>A change sent without an answer: its name and the state it leads to.</summary>
    public string? PendingOp { get; set; }

    public string? PendingStatus { get; set; }

    public string? PendingOrderId { get; set; }

    /// <summary>Orders made for this coupon so far, for fresh order ids.</summary>
    public int Orders { get; set; }

    /// <summary>The server disagreed with the model once: reported, then left alone.</summary>
    public bool Broken { get; set; }

    public string Describe() => PendingOp is null
        ? $"{Status}/{OrderId ?? "-"}"
        : $"{Status}/{OrderId ?? "-"} or, if the cut-off {PendingOp} happened, {PendingStatus}/{PendingOrderId ?? "-"}";
}
