using Coupons.Bench.Load;
using Coupons.Bench.Reporting;
using Coupons.Bench.Service;

namespace Coupons.Bench.Tests;

public class LoadEngineTests
{
    /// <summary>A workload that answers after a set delay, the first arrival after a long stall.</summary>
    private sealed class StallingWorkload(TimeSpan stall, TimeSpan normal) : IWorkload
    {
        public IReadOnlyList<string> Kinds { get; } = ["op"];

        public double RequestsPerOperation => 1;

        public long Runs;

        public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Runs);
            await Task.Delay(arrival.Number == 0 ? stall : normal, cancellationToken);
            meter.Record(0, arrival.IntendedTimestamp, new Answer(200, null, Guid.Empty), expected: true, arrival.Measured);
        }
    }

    [Fact]
    public async Task Every_arrival_is_sent_once_at_a_rate_the_workload_keeps_up_with()
    {
        var workload = new StallingWorkload(TimeSpan.Zero, TimeSpan.Zero);

        var result = await LoadEngine.RunAsync(workload, new PhaseSettings(200, TimeSpan.FromSeconds(1), TimeSpan.Zero, 4, TimeSpan.FromSeconds(5)), null, null, CancellationToken.None);

        Assert.Equal(200, result.Arrivals);
        Assert.Equal(200, workload.Runs);
        Assert.Equal(200, result.Requests);
        Assert.Equal(0, result.Dropped);
        Assert.Equal(200, result.All.Count);
        Assert.Equal(200, result.Answers["op"]["200"]);
    }

    [Fact]
    public async Task A_stall_counts_against_every_arrival_that_waited_behind_it()
    {
        // One connection, 100 arrivals a second: while the first request stalls for 500 ms, about 50
        // more fall due. A closed-loop tool would record one slow request; the open model records
        // each of them from the time it was meant to go out.
        var workload = new StallingWorkload(TimeSpan.FromMilliseconds(500), TimeSpan.Zero);

        var result = await LoadEngine.RunAsync(workload, new PhaseSettings(100, TimeSpan.FromSeconds(1), TimeSpan.Zero, 1, TimeSpan.FromSeconds(5)), null, null, CancellationToken.None);

        Assert.Equal(100, result.All.Count);
        Assert.True(result.All.MaxMs >= 450, $"max {result.All.MaxMs} ms");
        // Arrival k of the first 50 waited about 500 - 10k ms, so the slowest tenth waited 400 ms or more.
        Assert.True(result.All.P90Ms >= 300, $"the arrivals that waited behind the stall are not counted: p90 is {result.All.P90Ms} ms");
    }

    [Fact]
    public async Task Warm_up_arrivals_are_sent_but_not_measured()
    {
        var workload = new StallingWorkload(TimeSpan.Zero, TimeSpan.Zero);

        var result = await LoadEngine.RunAsync(workload, new PhaseSettings(100, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0.5), 2, TimeSpan.FromSeconds(5)), null, null, CancellationToken.None);

        Assert.Equal(150, workload.Runs);
        Assert.Equal(100, result.All.Count);
        Assert.Contains(result.Series, point => point.Warmup);
    }

    [Fact]
    public async Task Arrivals_not_started_within_the_drain_time_are_dropped_not_hidden()
    {
        var workload = new StallingWorkload(TimeSpan.FromSeconds(2), TimeSpan.Zero);

        var result = await LoadEngine.RunAsync(workload, new PhaseSettings(50, TimeSpan.FromSeconds(0.5), TimeSpan.Zero, 1, TimeSpan.FromSeconds(0.5)), null, null, CancellationToken.None);

        Assert.True(result.Dropped > 0);
        Assert.Equal(result.Arrivals, result.Dropped + workload.Runs);
        Assert.Equal(result.Dropped, result.Answers["op"]["dropped"]);
        Assert.False(result.Held);
    }

    [Fact]
    public async Task An_exact_arrival_count_is_kept()
    {
        var workload = new StallingWorkload(TimeSpan.Zero, TimeSpan.Zero);

        var result = await LoadEngine.RunAsync(
            workload, new PhaseSettings(1000, TimeSpan.FromSeconds(0.1), TimeSpan.Zero, 2, TimeSpan.FromSeconds(5)) { ArrivalLimit = 37 }, null, null, CancellationToken.None);

        Assert.Equal(37, result.Arrivals);
        Assert.Equal(37, workload.Runs);
    }

    [Fact]
    public async Task Concurrent_recording_loses_no_count()
    {
        var meter = new Meter(["op"]);
        var start = System.Diagnostics.Stopwatch.GetTimestamp();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                meter.Record(0, start, new Answer(200, null, Guid.Empty), expected: true, measured: true);
            }
        })));

        Assert.Equal(400_000, meter.Requests);
        Assert.Equal(400_000, meter.Summary(0).Count);
        Assert.Equal(400_000, meter.SummaryOfAll().Count);
        Assert.Equal(400_000, meter.Tally(0)["200"]);
    }

    [Fact]
    public async Task The_report_writes_json_markdown_and_a_well_formed_svg()
    {
        var result = await LoadEngine.RunAsync(
            new StallingWorkload(TimeSpan.Zero, TimeSpan.FromMilliseconds(1)), new PhaseSettings(100, TimeSpan.FromSeconds(1.5), TimeSpan.Zero, 4, TimeSpan.FromSeconds(5)), () => 42.0, null, CancellationToken.None);
        var report = new RunReport("ramp", DateTimeOffset.UtcNow, "test", MachineInfo.Current(), new Dictionary<string, string> { ["rate"] = "100" },
            [new StepReport("100/s", 0, result), new StepReport("again", 2, result)], ["a finding"], []);
        var folder = Path.Combine(Path.GetTempPath(), "coupons-bench-report-" + Guid.NewGuid().ToString("N"));
        try
        {
            var markdown = report.Write(folder);

            Assert.Contains("| 100/s | 100 |", markdown, StringComparison.Ordinal);
            Assert.Contains("- a finding", markdown, StringComparison.Ordinal);
            Assert.Contains("**PASSED**", markdown, StringComparison.Ordinal);
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "result.json")));
            Assert.Equal(2, json.RootElement.GetProperty("steps").GetArrayLength());
            Assert.Equal(42.0, json.RootElement.GetProperty("steps")[0].GetProperty("result").GetProperty("series")[0].GetProperty("serverMemoryMb").GetDouble());
            var svg = System.Xml.Linq.XDocument.Load(Path.Combine(folder, "chart.svg"));
            Assert.Equal(5, svg.Descendants().Count(element => element.Name.LocalName == "polyline"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
