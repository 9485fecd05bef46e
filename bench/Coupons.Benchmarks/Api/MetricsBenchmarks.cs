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
/// request's path and is left out. "A request's HTTP metrics" makes the three measurements ASP.NET
/// Core's hosting makes of every request when its meter is listened to (http.server.active_requests
/// up and down, http.server.request.duration with its five tags), on instruments of the same kinds
/// and tags under a meter of the benchmark's own: together with "a claim counted" it is what the
/// metrics add to a claim.
/// </summary>
[MemoryDiagnoser]
public class MetricsBenchmarks
{
    private readonly List<Metric> _exported = [];
    private readonly Guid _campaign = Guid.CreateVersion7();
    private ServiceProvider _services = null!;
    private MeterProvider? _listener;
    private BusinessMetrics _metrics = null!;
    private System.Diagnostics.Metrics.Meter _hosting = null!;
    private System.Diagnostics.Metrics.UpDownCounter<long> _activeRequests = null!;
    private System.Diagnostics.Metrics.Histogram<double> _requestDuration = null!;

    [Params(false, true)]
    public bool Listened { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        // The store is asked only by the readiness gauge's callback, at collection, which this never does.
        _services = new ServiceCollection().AddMetrics().AddSingleton<ICouponStore>(_ => null!).AddSingleton<BusinessMetrics>().BuildServiceProvider();
        if (Listened)
        {
            _listener = Sdk.CreateMeterProviderBuilder().AddMeter("Coupons", HostingMeter).AddInMemoryExporter(_exported).Build();
        }

        _metrics = _services.GetRequiredService<BusinessMetrics>();
        _hosting = new System.Diagnostics.Metrics.Meter(HostingMeter);
        _activeRequests = _hosting.CreateUpDownCounter<long>("http.server.active_requests", "{request}");
        _requestDuration = _hosting.CreateHistogram<double>("http.server.request.duration", "s", advice: new() { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] });
    }

    private const string HostingMeter = "Coupons.Benchmarks.Hosting";

    /// <summary>The status code's tag value boxed once, as ASP.NET Core keeps the common ones.</summary>
    private static readonly object Created = 201;

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _hosting.Dispose();
        _services.Dispose();
    }

    [Benchmark(Description = "a claim counted")]
    public void Claim() => _metrics.Claimed(_campaign, Outcome.Ok, "id");

    [Benchmark(Description = "a coupon change counted")]
    public void Lock() => _metrics.CouponChanged("lock", Outcome.Ok);

    [Benchmark(Description = "a request's HTTP metrics")]
    public void Request()
    {
        var started = new System.Diagnostics.TagList { { "http.request.method", "POST" }, { "url.scheme", "http" } };
        if (_activeRequests.Enabled)
        {
            _activeRequests.Add(1, started);
        }

        if (_requestDuration.Enabled)
        {
            var ended = new System.Diagnostics.TagList
            {
                { "http.request.method", "POST" }, { "url.scheme", "http" }, { "network.protocol.version", "1.1" },
                { "http.route", "/v1/campaigns/{campaignId}/claim" }, { "http.response.status_code", Created },
            };
            _requestDuration.Record(0.000_4, ended);
        }

        if (_activeRequests.Enabled)
        {
            _activeRequests.Add(-1, started);
        }
    }
}
