using System.Globalization;
using Coupons.Bench.Reporting;

namespace Coupons.Bench.Scenarios;

/// <summary>
/// The 3:7 mix with single-coupon redemptions against the same mix with two-coupon orders, in one
/// run on one service (<see cref="InterleavedRamps"/>): per round a ramp whose steps go through both
/// at the same rates. A redemption is two requests either way (lock, then redeem: of one coupon, or
/// of an order of two). Reports each one's maximum achieved rate, the ratio (bar: orders ≥ 80 % of
/// single), their p99s, and the verifier's verdict on the orders (<see cref="OrderMixVerifier"/>).
/// </summary>
public static class OrdersCompare
{
    private const string Single = "single";
    private const string Orders = "orders";

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static async Task<RunReport> RunAsync(BenchContext context, Ratio ratio, CompareSettings compare, int verifyEvery, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var orders = new WorkloadFactory(context, WorkloadKind.OrderMix, ratio, "");
        var kinds = new List<CompareKind> { new(Single, new WorkloadFactory(context, WorkloadKind.Mix, ratio, "")), new(Orders, orders) };
        var started = DateTimeOffset.UtcNow;
        var (steps, byRun) = await InterleavedRamps.RunAsync(context, kinds, compare, progress, cancellationToken);
        context.Log.WriteLine("verifying the orders");
        var attempts = orders.OrderWorkloads.SelectMany(workload => workload.Attempts).ToList();
        var verdict = await OrderMixVerifier.VerifyAsync(context.Service, attempts, verifyEvery, cancellationToken);
        var findings = Findings(compare, byRun);
        findings.Add($"verifier: {verdict.Orders} orders sent, {verdict.Checked} checked (every race, every refusal, one in {verifyEvery} of the rest): " +
            $"{verdict.Held} hold their two coupons whole, {verdict.Refused} hold nothing, {verdict.Races} races of two orders for one pair; {verdict.Violations.Count} violation(s)");
        var failures = steps.Where(step => step.Result.Errors > 0).Select(step => $"step {step.Name}: {step.Result.Errors} error(s)").Concat(verdict.Violations).ToList();
        var starved = orders.OrderWorkloads.Sum(workload => workload.Starved);
        if (starved > 0)
        {
            failures.Add($"{starved} order(s) found no pair of coupons in the pool");
        }

        var settings = Scenarios.Settings(context, ("ratio", ratio.ToString()), ("from", F(compare.From)), ("to", F(compare.To)),
            ("steps", compare.Steps.ToString(CultureInfo.InvariantCulture)), ("stepDuration", $"{compare.StepDuration.TotalSeconds}s"),
            ("rounds", compare.Rounds.ToString(CultureInfo.InvariantCulture)), ("sloMs", F(compare.SloMs)));
        return new RunReport("orders-compare", started, context.TargetDescription, MachineInfo.Current(), settings, steps, findings, failures);
    }

    /// <summary>The order mix alone at one rate (the cluster's kill test runs it): its step, and every order it sent, for <see cref="OrderMixVerifier"/>.</summary>
    public static async Task<(StepReport Step, IReadOnlyList<Load.OrderAttempt> Attempts)> MixAsync(
        BenchContext context, Ratio ratio, double rate, TimeSpan duration, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var factory = new WorkloadFactory(context, WorkloadKind.OrderMix, ratio, "");
        var step = await Scenarios.PhaseAsync(context, factory, $"orders {F(rate)}/s", rate, duration, 0, progress, cancellationToken);
        return (step, [.. factory.OrderWorkloads.SelectMany(workload => workload.Attempts)]);
    }

    private static List<string> Findings(CompareSettings compare, Dictionary<(int Round, string Kind), List<StepReport>> byRun)
    {
        var findings = new List<string>();
        var summaries = byRun.ToDictionary(pair => pair.Key, pair => CodesCompare.RampSummary.Of(pair.Value, compare.SloMs));
        var rounds = summaries.Keys.Select(key => key.Round).Distinct().Order().Where(round => summaries.ContainsKey((round, Single)) && summaries.ContainsKey((round, Orders))).ToList();
        foreach (var round in rounds)
        {
            var (single, orders) = (summaries[(round, Single)], summaries[(round, Orders)]);
            findings.Add($"round {round}: max single {F(single.MaxAchieved)}/s, orders {F(orders.MaxAchieved)}/s (orders ÷ single {InterleavedRamps.Percent(orders.MaxAchieved, single.MaxAchieved)}); " +
                $"server CPU µs/req at max single {single.ServerCpuAtMax?.ToString("0.#", CultureInfo.InvariantCulture) ?? "–"}, orders {orders.ServerCpuAtMax?.ToString("0.#", CultureInfo.InvariantCulture) ?? "–"}");
        }

        if (rounds.Count > 0)
        {
            var single = rounds.Average(round => summaries[(round, Single)].MaxAchieved);
            var orders = rounds.Average(round => summaries[(round, Orders)].MaxAchieved);
            findings.Add($"maximum achieved, mean of {rounds.Count} round(s): single {F(Math.Round(single))} req/s, orders {F(Math.Round(orders))} req/s: " +
                $"orders ÷ single = {InterleavedRamps.Percent(orders, single)} (bar ≥ 80 %: {(orders >= 0.8 * single ? "met" : "missed")})" +
                (byRun.Values.SelectMany(steps => steps).Any(step => !step.Result.Held) ? "" : "; none saturated, so this compares the top step only: raise --to"));
        }

        findings.Add("p99 by rate, median of rounds (single / orders): " + string.Join("; ", InterleavedRamps.P99ByRate(byRun, [Single, Orders])));
        return findings;
    }
}
