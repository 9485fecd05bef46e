using System.Globalization;
using Coupons.Bench.Load;
using Coupons.Bench.Reporting;
using Coupons.Bench.Service;

namespace Coupons.Bench.Scenarios;

/// <summary>The four scenarios: each runs against a <see cref="BenchContext"/> and returns its report.</summary>
public static class Scenarios
{
    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>
    /// Steps of rising rate. Reports per step, the highest achieved rate, the highest rate held with
    /// p99 within the SLO, and optionally a last phase at a fraction of the maximum.
    /// </summary>
    public static async Task<RunReport> RampAsync(
        BenchContext context, WorkloadKind kind, Ratio ratio, string constantPath, double from, double to, int steps, TimeSpan stepDuration,
        double sloMs, double? thenAtFraction, bool stopWhenSaturated, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var factory = new WorkloadFactory(context, kind, ratio, constantPath);
        var started = DateTimeOffset.UtcNow;
        var results = new List<StepReport>();
        var clock = 0.0;
        var saturatedSteps = 0;
        for (var i = 0; i < steps; i++)
        {
            var rate = Math.Round(steps == 1 ? from : from + (to - from) * i / (steps - 1));
            var step = await PhaseAsync(context, factory, $"{F(rate)}/s", rate, stepDuration, clock, progress, cancellationToken);
            results.Add(step);
            clock += step.Result.Series.Count > 0 ? step.Result.Series[^1].AtSeconds : stepDuration.TotalSeconds;
            saturatedSteps = step.Result.AchievedPerSecond < 0.9 * rate ? saturatedSteps + 1 : 0;
            if (stopWhenSaturated && saturatedSteps >= 2)
            {
                context.Log.WriteLine("two steps in a row below 90% of their target: the server is saturated, stopping the ramp");
                break;
            }
        }

        var findings = new List<string>();
        var best = results.MaxBy(step => step.Result.AchievedPerSecond)!;
        findings.Add($"maximum achieved: {F(best.Result.AchievedPerSecond)} req/s (step {best.Name})");
        var held = results.Where(step => step.Result.Held && step.Result.All.P99Ms <= sloMs).MaxBy(step => step.Result.TargetPerSecond);
        findings.Add(held is null
            ? $"no step held its rate with p99 ≤ {F(sloMs)} ms"
            : $"highest rate held with p99 ≤ {F(sloMs)} ms: {F(held.Result.TargetPerSecond)} req/s (achieved {F(held.Result.AchievedPerSecond)}, p99 {F(held.Result.All.P99Ms)} ms)");
        if (thenAtFraction is { } fraction)
        {
            var rate = Math.Round(best.Result.AchievedPerSecond * fraction);
            var step = await PhaseAsync(context, factory, $"{F(fraction * 100)}% of max", rate, stepDuration, clock, progress, cancellationToken);
            results.Add(step);
            findings.Add($"at {F(fraction * 100)}% of the maximum ({F(rate)} req/s): achieved {F(step.Result.AchievedPerSecond)} req/s, p50 {F(step.Result.All.P50Ms)} ms, p99 {F(step.Result.All.P99Ms)} ms, p99.9 {F(step.Result.All.P999Ms)} ms");
        }

        var failures = results.Where(step => step.Result.Errors > 0)
            .Select(step => $"step {step.Name}: {step.Result.Errors} error(s)").ToList();
        var settings = Settings(context, ("workload", factory.Describe()), ("from", F(from)), ("to", F(to)), ("steps", steps.ToString(CultureInfo.InvariantCulture)),
            ("stepDuration", $"{stepDuration.TotalSeconds}s"), ("sloMs", F(sloMs)));
        return new RunReport("ramp", started, context.TargetDescription, MachineInfo.Current(), settings, results, findings, failures);
    }

    /// <summary>Claims and redemptions at a ratio, at one fixed rate.</summary>
    public static async Task<RunReport> MixAsync(
        BenchContext context, Ratio ratio, double rate, TimeSpan duration, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var factory = new WorkloadFactory(context, WorkloadKind.Mix, ratio, "");
        var started = DateTimeOffset.UtcNow;
        var step = await PhaseAsync(context, factory, $"{F(rate)}/s", rate, duration, 0, progress, cancellationToken);
        var r = step.Result;
        var claims = r.ByKind["claim"].Count;
        var redemptions = r.ByKind["redeem"].Count;
        var findings = new List<string>
        {
            $"achieved {F(r.AchievedPerSecond)} req/s of {F(rate)}; claims {claims}, redemptions completed {redemptions} (ratio {F(claims * 10.0 / Math.Max(1, claims + redemptions))}:{F(redemptions * 10.0 / Math.Max(1, claims + redemptions))})",
        };
        var failures = new List<string>();
        if (r.Errors > 0)
        {
            failures.Add($"{r.Errors} error(s)");
        }

        if (!r.Held)
        {
            failures.Add($"the rate was not held: {F(r.AchievedPerSecond)} of {F(rate)} req/s, {r.Dropped} dropped");
        }

        var settings = Settings(context, ("ratio", ratio.ToString()), ("rate", F(rate)), ("duration", $"{duration.TotalSeconds}s"));
        return new RunReport("mix", started, context.TargetDescription, MachineInfo.Current(), settings, [step], findings, failures);
    }

    /// <summary>A fixed rate for a long time: reports latency and memory per window and their drift.</summary>
    public static async Task<RunReport> SoakAsync(
        BenchContext context, WorkloadKind kind, Ratio ratio, double rate, TimeSpan duration, TimeSpan window, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var factory = new WorkloadFactory(context, kind, ratio, "/constant");
        var started = DateTimeOffset.UtcNow;
        var step = await PhaseAsync(context, factory, $"{F(rate)}/s", rate, duration, 0, progress, cancellationToken);
        var measured = step.Result.Series.Where(point => !point.Warmup).ToList();
        var windows = measured.GroupBy(point => (int)((point.AtSeconds - measured[0].AtSeconds) / window.TotalSeconds))
            .Select(group => (
                From: group.First().AtSeconds,
                Achieved: group.Average(point => point.AchievedPerSecond),
                P99: group.Max(point => point.P99Ms),
                Memory: group.Last().ServerMemoryMb))
            .ToList();
        var findings = windows.Select(w =>
            $"from {F(w.From)} s: {F(w.Achieved)} req/s, worst p99 of a second {F(w.P99)} ms{(w.Memory is { } mb ? $", server RSS {F(mb)} MB" : "")}").ToList();
        if (windows.Count >= 2)
        {
            var first = windows[0];
            var last = windows[^1];
            findings.Add($"drift first → last window: p99 {F(first.P99)} → {F(last.P99)} ms" +
                (first.Memory is { } a && last.Memory is { } b ? $", server RSS {F(a)} → {F(b)} MB ({F(b - a):+0.#;-0.#} MB)" : ""));
        }

        var failures = new List<string>();
        if (step.Result.Errors > 0)
        {
            failures.Add($"{step.Result.Errors} error(s)");
        }

        var settings = Settings(context, ("workload", factory.Describe()), ("rate", F(rate)), ("duration", $"{duration.TotalSeconds}s"), ("window", $"{window.TotalSeconds}s"));
        return new RunReport("soak", started, context.TargetDescription, MachineInfo.Current(), settings, [step], findings, failures);
    }

    /// <summary>
    /// A flash sale: <paramref name="users"/> users race for <paramref name="stock"/> coupons; a share of
    /// them try again (half replaying their idempotency key, half with a new one). Verified by
    /// <see cref="FlashVerifier"/> against the answers and the server's stats.
    /// </summary>
    public static async Task<RunReport> FlashAsync(
        BenchContext context, int users, long stock, int perUserLimit, double rate, double secondAttempts, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var campaignId = await context.CreateCampaignAsync("flash", stock, perUserLimit, cancellationToken);
        context.Log.WriteLine($"minting {users} user tokens");
        var tokens = context.Tokens.Users($"f{Guid.NewGuid().ToString("N")[..6]}-", users);
        var workload = new FlashWorkload(campaignId, context.Client.As(tokens), secondAttempts);
        var seconds = workload.Arrivals / rate;
        var settings = new PhaseSettings(rate, TimeSpan.FromSeconds(seconds), TimeSpan.Zero, context.Options.Connections, context.Options.Drain)
        {
            ArrivalLimit = workload.Arrivals,
        };
        var (result, serverCpu, toolCpu) = await MeasureCpuAsync(context, () => LoadEngine.RunAsync(workload, settings, context.ServerMemoryMb, progress, cancellationToken));
        var stats = await BenchClient.StatsAsync(context.Admin, campaignId, cancellationToken);
        var verdict = FlashVerifier.Verify(stock, perUserLimit, workload.Answers(), stats);
        var findings = new List<string>
        {
            $"{users} users, {workload.Arrivals} claims sent at {F(rate)}/s; stock {stock}, limit {perUserLimit} per user",
            $"issued: expected {verdict.ExpectedIssued}, acknowledged {verdict.Acknowledged}, server {verdict.ServerIssued}",
            $"refusals: {string.Join(", ", verdict.Refusals.Select(pair => $"{pair.Key} {pair.Value}"))}",
            $"server stats: issued {stats.Issued}, remaining {stats.RemainingStock}, rejected {string.Join(", ", stats.Rejected.Select(pair => $"{pair.Key} {pair.Value}"))}",
        };
        var failures = verdict.Violations.ToList();
        if (workload.Unanswered > 0)
        {
            failures.Add($"{workload.Unanswered} claim(s) were never sent (the drain time ran out)");
        }

        var report = Settings(context, ("users", users.ToString(CultureInfo.InvariantCulture)), ("stock", stock.ToString(CultureInfo.InvariantCulture)),
            ("perUserLimit", perUserLimit.ToString(CultureInfo.InvariantCulture)), ("rate", F(rate)), ("secondAttempts", F(secondAttempts)));
        return new RunReport("flash", started, context.TargetDescription, MachineInfo.Current(), report, [new StepReport($"{F(rate)}/s", 0, result, serverCpu, toolCpu)], findings, failures);
    }

    internal static async Task<StepReport> PhaseAsync(
        BenchContext context, WorkloadFactory factory, string name, double rate, TimeSpan duration, double startsAt, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var workload = await factory.ForPhaseAsync(rate, (options.Warmup + duration + options.Drain).TotalSeconds, cancellationToken);
        context.Log.WriteLine($"{name}: {factory.Describe()} at {F(rate)} req/s for {duration.TotalSeconds} s after {options.Warmup.TotalSeconds} s of warm-up");
        var settings = new PhaseSettings(rate, duration, options.Warmup, options.Connections, options.Drain);
        var (result, serverCpu, toolCpu) = await MeasureCpuAsync(context, () => LoadEngine.RunAsync(workload, settings, context.ServerMemoryMb, progress, cancellationToken));
        if (workload is MixWorkload { Starved: > 0 } mix)
        {
            context.Log.WriteLine($"warning: {mix.Starved} redemption(s) found no coupon in the pool");
        }

        return new StepReport(name, startsAt, result, serverCpu, toolCpu);
    }

    /// <summary>Runs a phase and divides the CPU time the server and this tool used by the requests answered.</summary>
    internal static async Task<(PhaseResult Result, double? ServerCpu, double ToolCpu)> MeasureCpuAsync(BenchContext context, Func<Task<PhaseResult>> run)
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var toolBefore = self.TotalProcessorTime;
        var serverBefore = context.ServerCpuSeconds();
        var result = await run();
        var serverAfter = context.ServerCpuSeconds();
        self.Refresh();
        var requests = Math.Max(1, result.Requests);
        var server = serverBefore is { } before && serverAfter is { } after ? Math.Round((after - before) * 1e6 / requests, 1) : (double?)null;
        return (result, server, Math.Round((self.TotalProcessorTime - toolBefore).TotalMicroseconds / requests, 1));
    }

    internal static Dictionary<string, string> Settings(BenchContext context, params (string Key, string Value)[] specific)
    {
        var options = context.Options;
        var settings = new Dictionary<string, string>
        {
            ["connections"] = options.Connections.ToString(CultureInfo.InvariantCulture),
            ["users"] = options.Users.ToString(CultureInfo.InvariantCulture),
            ["warmup"] = $"{options.Warmup.TotalSeconds}s",
            ["drain"] = $"{options.Drain.TotalSeconds}s",
        };
        foreach (var (key, value) in specific)
        {
            settings[key] = value;
        }

        return settings;
    }
}
