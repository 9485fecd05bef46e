using BenchmarkDotNet.Attributes;
using Coupons.Core;

namespace Coupons.Benchmarks.Core;

/// <summary>
/// The pure rules a store runs under its locks, on inputs prepared once. The goal for the claim
/// decision is at most 200 ns and no allocation; the other rules should stay in the same range.
/// </summary>
[MemoryDiagnoser]
public class CouponRulesBenchmarks
{
    private const long OrderAmount = 10_000;
    private const string OrderId = "order-42";

    private CampaignDefinition _terms = null!;
    private CampaignDefinition _windowedTerms = null!;
    private long _nowMs;
    private CouponState _unused;
    private CouponState _locked;

    [GlobalSetup]
    public void Setup()
    {
        _nowMs = new DateTimeOffset(2025, 6, 15, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        _terms = new CampaignDefinition
        {
            Name = "Summer sale",
            Discount = Discount.AmountOffOf(500),
            MinOrderAmount = 1_000,
            PerUserLimit = 3,
            Validity = Validity.Relative(30),
        };

        // Every optional check of the claim decision present: claim window and absolute validity.
        _windowedTerms = _terms with
        {
            Discount = Discount.PercentOffOf(15, maxDiscount: 2_000),
            ClaimStartsAtMs = _nowMs - 86_400_000L,
            ClaimEndsAtMs = _nowMs + 86_400_000L,
            Validity = Validity.Absolute(_nowMs - 86_400_000L, _nowMs + (30 * 86_400_000L)),
        };

        _unused = CouponRules.NewCoupon(_terms, _nowMs - 1_000);
        _locked = _unused;
        var locked = CouponRules.Lock(ref _locked, _terms, OrderId, OrderAmount, _nowMs - 500, out _, out _);
        if (locked != Outcome.Ok)
        {
            throw new InvalidOperationException($"setup lock answered {locked}");
        }
    }

    [Benchmark(Baseline = true)]
    public Outcome DecideClaim() =>
        CouponRules.DecideClaim(CampaignStatus.Active, _terms, claimedByUser: 1, remainingStock: 1_000, _nowMs);

    [Benchmark]
    public Outcome DecideClaim_WindowedTerms() =>
        CouponRules.DecideClaim(CampaignStatus.Active, _windowedTerms, claimedByUser: 1, remainingStock: 1_000, _nowMs);

    [Benchmark]
    public Outcome DecideClaim_SoldOut() =>
        CouponRules.DecideClaim(CampaignStatus.Active, _terms, claimedByUser: 0, remainingStock: 0, _nowMs);

    [Benchmark]
    public CouponState NewCoupon() => CouponRules.NewCoupon(_terms, _nowMs);

    [Benchmark]
    public Outcome Lock()
    {
        var state = _unused;
        return CouponRules.Lock(ref state, _terms, OrderId, OrderAmount, _nowMs, out _, out _);
    }

    [Benchmark]
    public Outcome Redeem_ConfirmLock()
    {
        var state = _locked;
        return CouponRules.Redeem(ref state, _terms, OrderId, orderAmount: null, _nowMs, out _, out _);
    }

    [Benchmark]
    public Outcome Redeem_Direct()
    {
        var state = _unused;
        return CouponRules.Redeem(ref state, _windowedTerms, OrderId, OrderAmount, _nowMs, out _, out _);
    }
}
