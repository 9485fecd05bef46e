using System.Collections.Concurrent;
using System.Diagnostics;
using Coupons.Bench.Service;
using Coupons.Client;

namespace Coupons.Bench.Load;

/// <summary>Claims of one campaign, each arrival as the next of a set of users; <paramref name="keyed"/>: each with a new Idempotency-Key.</summary>
public sealed class ClaimWorkload(Guid campaignId, CouponsClient[] users, bool keyed = false) : IWorkload
{
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];

    public IReadOnlyList<string> Kinds { get; } = ["claim"];

    public double RequestsPerOperation => 1;

    public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        var key = keyed ? KeyOf(_runId, arrival) : null;
        var answer = await users[arrival.Number % users.Length].ClaimAnswerAsync(campaignId, key, cancellationToken);
        meter.Record(0, arrival.IntendedTimestamp, answer, answer.IsSuccess, arrival.Measured);
    }

    /// <summary>A key no other arrival of any run sends.</summary>
    internal static string KeyOf(string runId, Arrival arrival) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{runId}-{arrival.Number}");
}

/// <summary>
/// Claims by a campaign's shared code, each arrival as the next of a set of users and with a new
/// Idempotency-Key, so that each one is a new claim as in <see cref="ClaimWorkload"/>. The request
/// differs from a claim by id in its shape only: a small JSON body (<c>{"code":"…"}</c>) and the key.
/// </summary>
public sealed class CodeClaimWorkload(string code, CouponsClient[] users) : IWorkload
{
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];

    public IReadOnlyList<string> Kinds { get; } = ["claim by code"];

    public double RequestsPerOperation => 1;

    public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        var answer = await users[arrival.Number % users.Length].ClaimByCodeAnswerAsync(code, ClaimWorkload.KeyOf(_runId, arrival), cancellationToken);
        meter.Record(0, arrival.IntendedTimestamp, answer, answer.IsSuccess, arrival.Measured);
    }
}

/// <summary>
/// The baseline's load: the same method, path shape and bearer header as a claim, sent to an
/// endpoint that does no work, so the load generator's cost per request is the same on both sides.
/// </summary>
public sealed class ConstantWorkload(BenchClient client, string path, string[] userTokens) : IWorkload
{
    private readonly string[] _authorizations = Array.ConvertAll(userTokens, token => "Bearer " + token);

    public IReadOnlyList<string> Kinds { get; } = ["constant"];

    public double RequestsPerOperation => 1;

    public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        var answer = await client.SendAsync(HttpMethod.Post, path, _authorizations[arrival.Number % _authorizations.Length], cancellationToken);
        meter.Record(0, arrival.IntendedTimestamp, answer, answer.IsSuccess, arrival.Measured);
    }
}

/// <summary>
/// Claims and redemptions at a ratio (3:7 by default). A redemption is what checkout does with a
/// coupon claimed earlier in the run: lock it for an order, then redeem it for the same order, two
/// requests in a row. Coupons come from a pool that the run fills before it starts and that every
/// claim of the run adds to.
/// </summary>
public sealed class MixWorkload : IWorkload
{
    public const long OrderAmount = 10_000;
    private readonly Guid _campaignId;
    private readonly CouponsClient[] _users;
    private readonly CouponsClient _service;
    private readonly ConcurrentQueue<Guid> _pool;
    private readonly int _claims;
    private readonly int _redemptions;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private long _starved;

    public MixWorkload(Guid campaignId, CouponsClient[] users, CouponsClient service, ConcurrentQueue<Guid> pool, int claims, int redemptions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(claims);
        ArgumentOutOfRangeException.ThrowIfNegative(redemptions);
        ArgumentOutOfRangeException.ThrowIfZero(claims + redemptions);
        _campaignId = campaignId;
        _users = users;
        _service = service;
        _pool = pool;
        _claims = claims;
        _redemptions = redemptions;
    }

    public IReadOnlyList<string> Kinds { get; } = ["claim", "lock", "redeem"];

    public double RequestsPerOperation => (_claims + 2.0 * _redemptions) / (_claims + _redemptions);

    /// <summary>Redemptions that found no coupon in the pool (the pool was too small for the run).</summary>
    public long Starved => Volatile.Read(ref _starved);

    /// <summary>Coupons a run at <paramref name="requestsPerSecond"/> for <paramref name="seconds"/> takes from the pool beyond what its own claims add.</summary>
    public long PoolNeeded(double requestsPerSecond, double seconds)
    {
        var operations = requestsPerSecond / RequestsPerOperation * seconds;
        var net = operations * (_redemptions - _claims) / (_claims + _redemptions);
        return (long)Math.Ceiling(Math.Max(0, net) * 1.1) + 1_000;
    }

    /// <summary>Whether arrival <paramref name="number"/> is a claim: spread evenly, the same for the same number.</summary>
    public bool IsClaim(long number) => (number * _claims) % (_claims + _redemptions) < _claims;

    public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        if (IsClaim(arrival.Number))
        {
            var claim = await _users[arrival.Number % _users.Length].ClaimAnswerAsync(_campaignId, null, cancellationToken);
            meter.Record(0, arrival.IntendedTimestamp, claim, claim.IsSuccess, arrival.Measured);
            if (claim.IsSuccess)
            {
                _pool.Enqueue(claim.CouponId);
            }

            return;
        }

        if (!_pool.TryDequeue(out var couponId))
        {
            Interlocked.Increment(ref _starved);
            meter.Record(1, arrival.IntendedTimestamp, new Answer(0, "no_coupon_in_pool", Guid.Empty), expected: false, arrival.Measured);
            return;
        }

        var orderId = $"{_runId}-{arrival.Number}";
        var locked = await _service.LockAnswerAsync(couponId, orderId, OrderAmount, cancellationToken);
        meter.Record(1, arrival.IntendedTimestamp, locked, locked.IsSuccess, arrival.Measured);
        if (!locked.IsSuccess)
        {
            return;
        }

        var redeemStarted = Stopwatch.GetTimestamp();
        var redeemed = await _service.RedeemAnswerAsync(couponId, orderId, OrderAmount, cancellationToken);
        meter.Record(2, redeemStarted, redeemed, redeemed.IsSuccess, arrival.Measured);
    }
}
