using System.Globalization;
using Coupons.Bench.Reporting;

namespace Coupons.Bench.Scenarios;

/// <summary>The steps of <see cref="CodesCompare"/>: rates from <c>From</c> to <c>To</c>, each held for <c>StepDuration</c>, the ramp done <c>Rounds</c> times.</summary>
public sealed record CompareSettings(double From, double To, int Steps, TimeSpan StepDuration, int Rounds, double SloMs, bool StopWhenSaturated = true)
{
    /// <summary>A smoke test for CI: three short steps, one round.</summary>
    public static CompareSettings Short(double from, double to, double sloMs) => new(from, to, 3, TimeSpan.FromSeconds(1), 1, sloMs);
}

/// <summary>
/// Claim by id against claim by code in the same run, on the same service: per round a ramp whose
/// steps go through the kinds at the same rate (which goes first rotates), so that whatever else the
/// machine does falls on all alike. Claims by code send a new Idempotency-Key each (a shared code
/// gives a user one coupon without one); claims by id are run twice, without a key (the plain claim)
/// and with a new key each (the same key work as by code), so the report tells the code's own cost
/// from the key's. Reports each one's maximum achieved rate and highest rate held within the SLO,
/// the ratios, and the p99s at each rate.
/// </summary>
public static class CodesCompare
{
    private static readonly WorkloadKind[] Kinds = [WorkloadKind.Claim, WorkloadKind.KeyedClaim, WorkloadKind.Code];

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Label(WorkloadKind kind) => kind switch
    {
        WorkloadKind.Claim => "id",
        WorkloadKind.KeyedClaim => "id+key",
        _ => "code",
    };

    public static async Task<RunReport> RunAsync(BenchContext context, CompareSettings compare, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var kinds = Kinds.Select(kind => new CompareKind(Label(kind), new WorkloadFactory(context, kind, new Ratio(1, 0), "/constant"))).ToList();
        var started = DateTimeOffset.UtcNow;
        var (steps, byRun) = await InterleavedRamps.RunAsync(context, kinds, compare, progress, cancellationToken);
        var findings = Findings(compare, byRun);
        var failures = steps.Where(step => step.Result.Errors > 0).Select(step => $"step {step.Name}: {step.Result.Errors} error(s)").ToList();
        var settings = Scenarios.Settings(context, ("workloads", $"claims by id, without and with a key; {WorkloadFactory.CodeRequestShape}"), ("from", F(compare.From)), ("to", F(compare.To)),
            ("steps", compare.Steps.ToString(CultureInfo.InvariantCulture)), ("stepDuration", $"{compare.StepDuration.TotalSeconds}s"),
            ("rounds", compare.Rounds.ToString(CultureInfo.InvariantCulture)), ("sloMs", F(compare.SloMs)));
        return new RunReport("codes-compare", started, context.TargetDescription, MachineInfo.Current(), settings, steps, findings, failures);
    }

    /// <summary>What one ramp of one kind reached: the maximum achieved, the highest target held within the SLO, and the server's CPU per request at the maximum.</summary>
    public sealed record RampSummary(double MaxAchieved, double? HeldWithinSlo, double? ServerCpuAtMax)
    {
        public static RampSummary Of(IReadOnlyList<StepReport> steps, double sloMs)
        {
            var best = steps.MaxBy(step => step.Result.AchievedPerSecond)!;
            var held = steps.Where(step => step.Result.Held && step.Result.All.P99Ms <= sloMs).MaxBy(step => step.Result.TargetPerSecond);
            return new RampSummary(best.Result.AchievedPerSecond, held?.Result.TargetPerSecond, best.ServerCpuMicrosecondsPerRequest);
        }
    }

    internal static List<string> Findings(CompareSettings compare, IReadOnlyDictionary<(int Round, string Kind), List<StepReport>> byRun)
    {
        var findings = new List<string> { $"request shapes: {WorkloadFactory.CodeRequestShape}" };
        var summaries = byRun.ToDictionary(pair => pair.Key, pair => RampSummary.Of(pair.Value, compare.SloMs));
        var rounds = summaries.Keys.Select(key => key.Round).Distinct().Order().Where(round => Kinds.All(kind => summaries.ContainsKey((round, Label(kind))))).ToList();
        foreach (var round in rounds)
        {
            var (id, keyed, code) = (summaries[(round, Label(WorkloadKind.Claim))], summaries[(round, Label(WorkloadKind.KeyedClaim))], summaries[(round, Label(WorkloadKind.Code))]);
            findings.Add($"round {round}: max by id {F(id.MaxAchieved)}/s, by id+key {F(keyed.MaxAchieved)}/s, by code {F(code.MaxAchieved)}/s " +
                $"(code ÷ id {InterleavedRamps.Percent(code.MaxAchieved, id.MaxAchieved)}, code ÷ id+key {InterleavedRamps.Percent(code.MaxAchieved, keyed.MaxAchieved)}); " +
                $"held with p99 ≤ {F(compare.SloMs)} ms by id {Held(id)}, by id+key {Held(keyed)}, by code {Held(code)}; " +
                $"server CPU µs/req at max by id {Cpu(id)}, by id+key {Cpu(keyed)}, by code {Cpu(code)}");
        }

        if (rounds.Count == 0)
        {
            return findings;
        }

        double Mean(WorkloadKind kind, Func<RampSummary, double> value) => rounds.Average(round => value(summaries[(round, Label(kind))]));
        var (idMax, keyedMax, codeMax) = (Mean(WorkloadKind.Claim, s => s.MaxAchieved), Mean(WorkloadKind.KeyedClaim, s => s.MaxAchieved), Mean(WorkloadKind.Code, s => s.MaxAchieved));
        findings.Add($"maximum achieved, mean of {rounds.Count} round(s): by id {F(Math.Round(idMax))}/s, by id+key {F(Math.Round(keyedMax))}/s, by code {F(Math.Round(codeMax))}/s: " +
            $"code ÷ id = {InterleavedRamps.Percent(codeMax, idMax)} ({Bar(codeMax, idMax)}), code ÷ id+key = {InterleavedRamps.Percent(codeMax, keyedMax)} ({Bar(codeMax, keyedMax)})" +
            (byRun.Values.SelectMany(steps => steps).Any(step => !step.Result.Held) ? "" : "; none saturated, so this compares the top step only: raise --to"));
        var (idHeld, keyedHeld, codeHeld) = (Mean(WorkloadKind.Claim, s => s.HeldWithinSlo ?? 0), Mean(WorkloadKind.KeyedClaim, s => s.HeldWithinSlo ?? 0), Mean(WorkloadKind.Code, s => s.HeldWithinSlo ?? 0));
        findings.Add($"highest rate held with p99 ≤ {F(compare.SloMs)} ms, mean of rounds (0 when none): by id {F(Math.Round(idHeld))}/s, by id+key {F(Math.Round(keyedHeld))}/s, by code {F(Math.Round(codeHeld))}/s" +
            (idHeld > 0 ? $": code ÷ id = {InterleavedRamps.Percent(codeHeld, idHeld)}" : ""));
        findings.Add("p99 by rate, median of rounds (id / id+key / code): " + string.Join("; ", InterleavedRamps.P99ByRate(byRun, [.. Kinds.Select(Label)])));
        return findings;
    }

    private static string Bar(double part, double whole) => part >= 0.9 * whole ? "bar ≥ 90 %: met" : "bar ≥ 90 %: missed";

    private static string Held(RampSummary summary) => summary.HeldWithinSlo is { } rate ? $"{F(rate)}/s" : "none";

    private static string Cpu(RampSummary summary) => summary.ServerCpuAtMax is { } cpu ? F(cpu) : "–";
}
