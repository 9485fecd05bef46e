using BenchmarkDotNet.Attributes;
using Coupons.Api.Hosting;
using Coupons.Core;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Coupons.Benchmarks.Api;

/// <summary>
/// What the business metrics add to one request: a claim's count (outcome, way, and the campaign's
/// tally for the stock gauges) and a coupon change's, with OpenTelemetry's SDK listening as the
/// service's does (aggregating into the same kind of metric points the Prometheus exporter reads),
/// against nobody listening (<c>Coupons:Metrics:Enabled=false</c>). Collection (a scrape) is not on a
/// request's path and is left out.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private readonly List<Metric> _exported = [];
    private readonly Guid _campaign = Guid.CreateVersion7();
    private ServiceProvider _services = null!;
    private MeterProvider? _listener;
    private BusinessMetrics _metrics = null!;

    [Params(false, true)]
    public bool Listened { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // The store is asked only by the readiness gauge's callback, at collection, which this never does.
        _services = new ServiceCollection().AddMetrics().AddSingleton<ICouponStore>(_ => null!).AddSingleton<BusinessMetrics>().BuildServiceProvider();
        if (Listened)
        {
            _listener = Sdk.CreateMeterProviderBuilder().AddMeter("Coupons").AddInMemoryExporter(_exported).Build();
        }

        _metrics = _services.GetRequiredService<BusinessMetrics>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _services.Dispose();
    }

    [Benchmark(Description = "a claim counted")]
    public void Claim() => _metrics.Claimed(_campaign, Outcome.Ok, "id");

    [Benchmark(Description = "a coupon change counted")]
    public void Lock() => _metrics.CouponChanged("lock", Outcome.Ok);
}
