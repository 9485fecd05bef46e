using System.Diagnostics;
using System.Globalization;
using System.Text;
using Coupons.Bench.Load;
using Coupons.Bench.Reporting;
using Coupons.Bench.Service;
using Coupons.Client;

namespace Coupons.Bench.Scenarios;

/// <summary>
/// The spike's shape and bars (issue 17): <see cref="BeforeFraction"/> of the node's capacity for
/// <see cref="Before"/>, <see cref="Factor"/> times its capacity for <see cref="Spike"/>, then the
/// before rate again for <see cref="After"/>. <see cref="NodeMaxInFlight"/> (the node's
/// <c>Coupons:Admission:MaxInFlight</c>, when known) is only reported, and checked against the connections.
/// </summary>
public sealed record SpikeSettings(
    double Capacity, double Factor, double BeforeFraction, TimeSpan Before, TimeSpan Spike, TimeSpan After,
    double P99BarMs, double RecoveryBarSeconds, bool AdvisoryTiming, int? NodeMaxInFlight)
{
    public double BeforeRate => Math.Round(Capacity * BeforeFraction);

    public double SpikeRate => Math.Round(Capacity * Factor);
}

/// <summary>Claims by id (users cycled), each answer recorded by <see cref="SpikeRecorder"/> as well as by the meter.</summary>
internal sealed class SpikeWorkload(Guid campaignId, CouponsClient[] users, SpikeRecorder recorder) : IWorkload
{
    public IReadOnlyList<string> Kinds { get; } = ["claim"];

    public double RequestsPerOperation => 1;

    public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        var startLag = Stopwatch.GetTimestamp() - arrival.IntendedTimestamp;
        var answer = await users[arrival.Number % users.Length].ClaimAnswerAsync(campaignId, null, cancellationToken);
        recorder.Record(arrival.Number, answer, Stopwatch.GetTimestamp() - arrival.IntendedTimestamp, startLag);
        meter.Record(0, arrival.IntendedTimestamp, answer, SpikeRecorder.Classify(answer) != SpikeAnswerClass.Other, arrival.Measured);
    }
}

/// <summary>
/// The 10× spike: one open-model run whose schedule is warm-up, before, spike and after with no
/// pause between (so the recovery is timed from the spike's real end). Reported per phase: answers
/// by status and code, the p99 of admitted claims (2xx, 409) and of shed ones, what the tool sent
/// late; per second the after phase; and the time from the spike's end until a one-second window
/// (sliding by 100 ms) had ≥ 95 % of its arrivals admitted with their p99 within the bar.
/// </summary>
public static class Spike
{
    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static async Task<RunReport> RunAsync(BenchContext context, SpikeSettings spike, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var started = DateTimeOffset.UtcNow;
        var names = new List<string>();
        var segments = new List<RateSegment>();
        if (options.Warmup > TimeSpan.Zero)
        {
            names.Add("warm-up");
            segments.Add(new RateSegment(spike.BeforeRate, options.Warmup));
        }

        names.AddRange(["before", "spike", "after"]);
        segments.AddRange([new(spike.BeforeRate, spike.Before), new(spike.SpikeRate, spike.Spike), new(spike.BeforeRate, spike.After)]);
        var recorder = new SpikeRecorder(new ArrivalSchedule(segments));
        var campaignId = await context.CreateCampaignAsync("spike", 1_000_000_000, 1_000, cancellationToken);
        var users = context.Client.As(context.Tokens.Users($"s{Guid.NewGuid().ToString("N")[..6]}-", options.Users));
        context.Log.WriteLine($"spike: claims at {F(spike.BeforeRate)}/s for {options.Warmup.TotalSeconds} s (warm-up) + {spike.Before.TotalSeconds} s, " +
            $"{F(spike.SpikeRate)}/s for {spike.Spike.TotalSeconds} s, {F(spike.BeforeRate)}/s for {spike.After.TotalSeconds} s; {options.Connections} connections");
        var settings = new PhaseSettings(spike.BeforeRate, spike.Before + spike.Spike + spike.After, options.Warmup, options.Connections, options.Drain) { Schedule = segments };
        var (result, serverCpu, toolCpu) = await Scenarios.MeasureCpuAsync(
            context, () => LoadEngine.RunAsync(new SpikeWorkload(campaignId, users, recorder), settings, context.ServerMemoryMb, progress, cancellationToken));

        var steps = names.Select((name, i) => Step(name, i, recorder, result)).ToList();
        var verdict = new SpikeVerdict(spike, recorder, names);
        var findings = verdict.Findings(serverCpu, toolCpu, options.Connections);
        var reportSettings = Scenarios.Settings(context,
            ("capacity", F(spike.Capacity)), ("factor", F(spike.Factor)), ("beforeRate", F(spike.BeforeRate)), ("spikeRate", F(spike.SpikeRate)),
            ("before", $"{spike.Before.TotalSeconds}s"), ("spike", $"{spike.Spike.TotalSeconds}s"), ("after", $"{spike.After.TotalSeconds}s"),
            ("p99BarMs", F(spike.P99BarMs)), ("recoveryBarSeconds", F(spike.RecoveryBarSeconds)),
            ("nodeMaxInFlight", spike.NodeMaxInFlight?.ToString(CultureInfo.InvariantCulture) ?? "unknown"), ("timingBars", spike.AdvisoryTiming ? "advisory" : "enforced"));
        return new RunReport("spike", started, context.TargetDescription, MachineInfo.Current(), reportSettings, steps, findings, verdict.Failures)
        {
            Attachments = new Dictionary<string, string> { ["timeline.csv"] = Timeline(recorder) },
        };
    }

    /// <summary>Phase <paramref name="segment"/> as a report step: achieved is what was answered per second, the latencies those of its admitted claims.</summary>
    private static StepReport Step(string name, int segment, SpikeRecorder recorder, PhaseResult run)
    {
        var schedule = recorder.Schedule;
        var from = schedule.StartSeconds(segment);
        var to = segment + 1 < schedule.Segments.Count ? schedule.StartSeconds(segment + 1) : double.MaxValue;
        var figures = recorder.Figures(segment);
        var seconds = schedule.Segments[segment].Duration.TotalSeconds;
        var series = run.Series.Where(point => point.AtSeconds > from && point.AtSeconds <= to)
            .Select(point => point with { AtSeconds = Math.Round(point.AtSeconds - from, 2) }).ToList();
        var phase = new PhaseResult(
            schedule.Segments[segment].RequestsPerSecond, Math.Round(figures.Answered / seconds), figures.Offered, figures.Answered, figures.Other,
            figures.Unanswered, figures.Admitted, new Dictionary<string, LatencySummary> { ["claim"] = figures.Admitted },
            new Dictionary<string, IReadOnlyDictionary<string, long>> { ["claim"] = figures.Answers }, series);
        return new StepReport(name, from, phase);
    }

    /// <summary>Per second of the run (by intended time): offered, admitted, shed, other and the admitted p50 and p99.</summary>
    private static string Timeline(SpikeRecorder recorder)
    {
        var text = new StringBuilder("second,offered,admitted,shed,other,unanswered,admitted_p50_ms,admitted_p99_ms\n");
        for (var first = 0; first < recorder.BucketCount; first += 10)
        {
            var w = recorder.Window(first, 10);
            text.Append(CultureInfo.InvariantCulture, $"{F(w.AtSeconds)},{w.Offered},{w.Admitted},{w.Shed},{w.Other},{w.Offered - w.Admitted - w.Shed - w.Other},{F(w.AdmittedP50Ms)},{F(w.AdmittedP99Ms)}\n");
        }

        return text.ToString();
    }
}
