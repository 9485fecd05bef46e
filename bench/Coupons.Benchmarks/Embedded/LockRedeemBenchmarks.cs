using BenchmarkDotNet.Attributes;
using Coupons.Core;

namespace Coupons.Benchmarks.Embedded;

/// <summary>
/// A coupon locked for an order and then redeemed (the lock confirmed), each step waiting for its
/// commit: two durable changes per operation. Every operation needs a fresh unused coupon, so each
/// iteration claims its coupons first, outside the measurement; that is why the number of
/// invocations per iteration is fixed.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(InvocationsPerIteration)]
public class LockRedeemBenchmarks
{
    private const int InvocationsPerIteration = 128;
    private const int Callers = 64;
    private const long OrderAmount = 10_000;

    private readonly ValueTask[] _inFlight = new ValueTask[Callers];
    private readonly string[] _orders = [.. Enumerable.Range(0, Callers).Select(i => $"order-{i}")];
    private StoreFixture _fixture = null!;
    private Coupon[] _coupons = [];
    private int _next;

    [GlobalSetup]
    public void Setup() => _fixture = new StoreFixture();

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [IterationSetup(Target = nameof(LockRedeem_OneCaller))]
    public void ClaimForOneCaller() => ClaimCoupons(InvocationsPerIteration);

    [IterationSetup(Target = nameof(LockRedeem_64Callers))]
    public void ClaimFor64Callers() => ClaimCoupons(InvocationsPerIteration * Callers);

    [Benchmark(Baseline = true)]
    public ValueTask LockRedeem_OneCaller() => LockThenRedeemAsync(NextCoupon(), _orders[0]);

    /// <summary>64 coupons of different users locked and redeemed together, as concurrent requests would be.</summary>
    [Benchmark(OperationsPerInvoke = Callers)]
    public async Task LockRedeem_64Callers()
    {
        for (var i = 0; i < Callers; i++)
        {
            _inFlight[i] = LockThenRedeemAsync(NextCoupon(), _orders[i]);
        }

        for (var i = 0; i < Callers; i++)
        {
            await _inFlight[i];
        }
    }

    private void ClaimCoupons(int count)
    {
        _coupons = _fixture.ClaimManyAsync(count, Callers).GetAwaiter().GetResult();
        _next = 0;
    }

    private Coupon NextCoupon() =>
        _next < _coupons.Length ? _coupons[_next++] : throw new InvalidOperationException("no claimed coupon left for this iteration");

    private async ValueTask LockThenRedeemAsync(Coupon coupon, string orderId)
    {
        Expect.Ok(await _fixture.Store.LockAsync(coupon.Id, coupon.UserId, orderId, OrderAmount));
        Expect.Ok(await _fixture.Store.RedeemAsync(coupon.Id, coupon.UserId, orderId, orderAmount: null));
    }
}
