using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Benchmarks.Core;

/// <summary>
/// The best combination of a shopper's 200 coupons for a cart of 50 items (issue 15: p99 under 1 ms).
/// Each invocation is one search on the next of 500 random shoppers, timed alone (one invocation per
/// iteration), so the percentile columns are those of single searches over varied inputs; the P100
/// column (the slowest) bounds the p99. Two kinds of shopper:
/// <list type="bullet">
/// <item><c>Mixed</c>: coupons of 60 campaigns (several of some), amounts, thresholds, percentages and
/// free shipping, half scoped to a few SKUs or a category, seven in ten stackable.</item>
/// <item><c>AllStackable</c>: the hard case for the search: 200 campaigns, every coupon stackable and
/// unscoped, amounts and percentages all different, so no branch is cut by scope or by equal terms.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(SingleSearches))]
public class CheckoutBenchmarks
{
    private const int Shoppers = 500;
    private const int Items = 50;
    private const int Coupons = 200;

    private (Cart Cart, Offer[] Offers)[] _shoppers = [];
    private int _next;

    public enum Shopper
    {
        Mixed,
        AllStackable,
    }

    [Params(Shopper.Mixed, Shopper.AllStackable)]
    public Shopper Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(15);
        _shoppers = [.. Enumerable.Range(0, Shoppers).Select(_ => (CartOf(random), Kind == Shopper.Mixed ? Mixed(random) : AllStackable(random)))];
    }

    [Benchmark]
    public long BestOf200Coupons()
    {
        var (cart, offers) = _shoppers[_next++ % _shoppers.Length];
        return BestCombination.Find(cart, offers).Price.Discount;
    }

    private static Cart CartOf(Random random)
    {
        var items = Enumerable.Range(0, Items).Select(i => new OrderItem($"sku-{random.Next(500)}", $"cat-{random.Next(20)}", random.Next(1, 4), random.Next(100, 20_000))).ToList();
        _ = Cart.Create(items, null, random.Next(0, 1_500), out var cart);
        return cart!;
    }

    private static Offer[] Mixed(Random random)
    {
        var campaigns = Enumerable.Range(0, 60).Select(_ => (Id: Guid.NewGuid(), Terms: MixedTerms(random))).ToArray();
        return [.. Enumerable.Range(0, Coupons).Select(_ => campaigns[random.Next(campaigns.Length)])
            .Select(campaign => new Offer(Guid.NewGuid(), campaign.Id, random.Next(1, 1_000), campaign.Terms))];
    }

    private static CheckoutTerms MixedTerms(Random random)
    {
        var discount = random.Next(4) switch
        {
            0 => Discount.AmountOffOf(random.Next(100, 5_000)),
            1 => Discount.ThresholdOf(random.Next(10_000, 400_000), random.Next(500, 20_000)),
            2 => Discount.PercentOffOf(random.Next(5, 50), random.Next(2) == 0 ? null : random.Next(1_000, 30_000)),
            _ => Discount.FreeShippingOf(random.Next(2) == 0 ? null : random.Next(300, 1_000)),
        };
        Scope? scope = null;
        if (random.Next(2) == 0)
        {
            _ = random.Next(2) == 0
                ? Scope.Create([.. Enumerable.Range(0, random.Next(1, 6)).Select(_ => $"sku-{random.Next(500)}")], null, out scope)
                : Scope.Create(null, [$"cat-{random.Next(20)}"], out scope);
        }

        return new CheckoutTerms(discount, random.Next(3) == 0 ? random.Next(0, 50_000) : 0, scope, random.Next(10) < 7 ? Stacking.Stackable : Stacking.Exclusive);
    }

    private static Offer[] AllStackable(Random random) =>
    [
        .. Enumerable.Range(0, Coupons).Select(i => new Offer(Guid.NewGuid(), Guid.NewGuid(), random.Next(1, 1_000), new CheckoutTerms(
            i % 2 == 0 ? Discount.AmountOffOf(1_000 + i * 37) : Discount.PercentOffOf(1 + (i % 60), 5_000 + i * 101),
            Stacking: Stacking.Stackable))),
    ];

    /// <summary>One invocation per iteration, so that every measurement is one search; the columns show the spread.</summary>
    private sealed class SingleSearches : ManualConfig
    {
        public SingleSearches()
        {
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithInvocationCount(1).WithUnrollFactor(1).WithWarmupCount(200).WithIterationCount(2_000));
            AddColumn(StatisticColumn.P50, StatisticColumn.P95, new P99Column(), StatisticColumn.P100);
        }
    }

    /// <summary>The 99th percentile of the measurements, which BenchmarkDotNet has no column for.</summary>
    private sealed class P99Column : IColumn
    {
        public string Id => "P99";

        public string ColumnName => "P99";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Statistics;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Time;

        public string Legend => "Percentile 99";

        public string GetValue(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style) =>
            summary[benchmarkCase]?.ResultStatistics is { } statistics
                ? $"{statistics.Percentiles.Percentile(99) / 1_000:N1} μs"
                : "NA";

        public bool IsDefault(BenchmarkDotNet.Reports.Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(BenchmarkDotNet.Reports.Summary summary) => true;
    }
}
