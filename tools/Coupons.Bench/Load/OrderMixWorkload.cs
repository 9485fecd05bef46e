using System.Collections.Concurrent;
using System.Diagnostics;
using Coupons.Bench.Service;
using Coupons.Client;

namespace Coupons.Bench.Load;

/// <summary>One order the run sent: its coupons and what its lock and redeem were answered (0: not sent).</summary>
public sealed record OrderAttempt(string OrderId, Guid First, Guid Second, int LockStatus, string? LockCode, int RedeemStatus, bool Contended);

/// <summary>
/// <see cref="MixWorkload"/> with two-coupon orders: claims and redemptions at a ratio, where a
/// redemption locks an order of two coupons of one user (one of each of two stackable campaigns)
/// and redeems it, two requests as in the single-coupon mix. Claims alternate between the two
/// campaigns. Every <see cref="ContendedEvery"/>th redemption sends two orders for the same pair at
/// once (one must win whole, the other get nothing), then redeems the winner. Every order is kept
/// (<see cref="Attempts"/>) for the verifier.
/// </summary>
public sealed class OrderMixWorkload : IWorkload
{
    public const long OrderAmount = 10_000;
    public const int ContendedEvery = 20;
    private readonly Guid[] _campaigns;
    private readonly CouponsClient[] _users;
    private readonly CouponsClient _service;
    private readonly ConcurrentQueue<(Guid First, Guid Second)> _pairs;
    private readonly int _claims;
    private readonly int _redemptions;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly ConcurrentQueue<OrderAttempt> _attempts = new();
    private long _starved;

    public OrderMixWorkload(Guid[] campaigns, CouponsClient[] users, CouponsClient service, ConcurrentQueue<(Guid First, Guid Second)> pairs, int claims, int redemptions)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(campaigns.Length, 2);
        ArgumentOutOfRangeException.ThrowIfZero(claims + redemptions);
        _campaigns = campaigns;
        _users = users;
        _service = service;
        _pairs = pairs;
        _claims = claims;
        _redemptions = redemptions;
    }

    public IReadOnlyList<string> Kinds { get; } = ["claim", "lock order", "redeem order"];

    /// <summary>A claim is one request, a redemption two, a contended one three.</summary>
    public double RequestsPerOperation => (_claims + (_redemptions * (2 + 1.0 / ContendedEvery))) / (_claims + _redemptions);

    public long Starved => Volatile.Read(ref _starved);

    /// <summary>Every order sent so far.</summary>
    public IReadOnlyCollection<OrderAttempt> Attempts => _attempts;

    /// <summary>Pairs a run at <paramref name="requestsPerSecond"/> for <paramref name="seconds"/> uses.</summary>
    public long PairsNeeded(double requestsPerSecond, double seconds) =>
        (long)Math.Ceiling(requestsPerSecond / RequestsPerOperation * seconds * _redemptions / (_claims + _redemptions) * 1.1) + 500;

    public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        if ((arrival.Number * _claims) % (_claims + _redemptions) < _claims)
        {
            var campaign = _campaigns[arrival.Number / _users.Length % 2];
            var claim = await _users[arrival.Number % _users.Length].ClaimAnswerAsync(campaign, null, cancellationToken);
            meter.Record(0, arrival.IntendedTimestamp, claim, claim.IsSuccess, arrival.Measured);
            return;
        }

        if (!_pairs.TryDequeue(out var pair))
        {
            Interlocked.Increment(ref _starved);
            meter.Record(1, arrival.IntendedTimestamp, new Answer(0, "no_coupon_in_pool", Guid.Empty), expected: false, arrival.Measured);
            return;
        }

        var orderId = $"{_runId}-{arrival.Number}";
        // Not 0: with 3:7, every multiple of 10 is a claim.
        var contended = arrival.Number % ContendedEvery == 1;
        var winner = contended
            ? await RaceAsync(orderId, pair, arrival, meter, cancellationToken)
            : await LockAsync(orderId, pair, contended: false, arrival, meter, cancellationToken);
        if (winner is null)
        {
            return;
        }

        var redeemStarted = Stopwatch.GetTimestamp();
        var redeemed = await _service.RedeemOrderAnswerAsync(winner.OrderId, cancellationToken);
        meter.Record(2, redeemStarted, redeemed, redeemed.IsSuccess, arrival.Measured);
        _attempts.Enqueue(winner with { RedeemStatus = redeemed.Status });
    }

    /// <summary>Locks an order of the pair; the attempt if it was locked (kept later, with its redeem), else kept now.</summary>
    private async Task<OrderAttempt?> LockAsync(string orderId, (Guid First, Guid Second) pair, bool contended, Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        var locked = await _service.LockOrderAnswerAsync(orderId, [pair.First, pair.Second], OrderAmount, cancellationToken);
        var lost = contended && locked.Code is "locked_by_other_order" or "already_used";
        meter.Record(1, arrival.IntendedTimestamp, locked, locked.IsSuccess || lost, arrival.Measured);
        var attempt = new OrderAttempt(orderId, pair.First, pair.Second, locked.Status, locked.Code, 0, contended);
        if (locked.IsSuccess)
        {
            return attempt;
        }

        _attempts.Enqueue(attempt);
        return null;
    }

    /// <summary>Two orders for one pair at once: the one that locked (at most one may), or null.</summary>
    private async Task<OrderAttempt?> RaceAsync(string orderId, (Guid First, Guid Second) pair, Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        var both = await Task.WhenAll(
            LockAsync(orderId + "-a", pair, contended: true, arrival, meter, cancellationToken),
            LockAsync(orderId + "-b", (pair.Second, pair.First), contended: true, arrival, meter, cancellationToken));
        if (both[0] is { } first && both[1] is { } second)
        {
            // Both locked the same coupons: the verifier reports it; redeem one, keep the other.
            _attempts.Enqueue(second);
            return first;
        }

        return both[0] ?? both[1];
    }
}
