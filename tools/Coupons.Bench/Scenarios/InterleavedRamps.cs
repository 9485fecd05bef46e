using System.Globalization;
using Coupons.Bench.Reporting;

namespace Coupons.Bench.Scenarios;

/// <summary>One kind of load a comparison runs: its label in the report and the factory of its workloads.</summary>
internal sealed record CompareKind(string Label, WorkloadFactory Factory);

/// <summary>
/// Workloads compared in one run on one service: per round a ramp whose steps go through the kinds
/// at the same rate (which goes first rotates), so that whatever else the machine does falls on all
/// alike. A kind that fell below 90 % of its target two steps in a row is done for the round.
/// </summary>
internal static class InterleavedRamps
{
    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Every step in the order run, and the steps of each (round, kind).</summary>
    public static async Task<(List<StepReport> Steps, Dictionary<(int Round, string Kind), List<StepReport>> ByRun)> RunAsync(
        BenchContext context, IReadOnlyList<CompareKind> kinds, CompareSettings compare, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(compare.Steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(compare.Rounds, 1);
        var steps = new List<StepReport>();
        var byRun = new Dictionary<(int Round, string Kind), List<StepReport>>();
        var clock = 0.0;
        for (var round = 1; round <= compare.Rounds; round++)
        {
            var saturated = kinds.ToDictionary(kind => kind.Label, _ => 0);
            for (var i = 0; i < compare.Steps; i++)
            {
                var rate = Math.Round(compare.Steps == 1 ? compare.From : compare.From + (compare.To - compare.From) * i / (compare.Steps - 1));
                var first = (round + i) % kinds.Count;
                foreach (var kind in kinds.Skip(first).Concat(kinds.Take(first)).Where(kind => !compare.StopWhenSaturated || saturated[kind.Label] < 2))
                {
                    var step = await Scenarios.PhaseAsync(context, kind.Factory, $"r{round} {kind.Label} {F(rate)}/s", rate, compare.StepDuration, clock, progress, cancellationToken);
                    steps.Add(step);
                    clock += step.Result.Series.Count > 0 ? step.Result.Series[^1].AtSeconds : compare.StepDuration.TotalSeconds;
                    saturated[kind.Label] = step.Result.AchievedPerSecond < 0.9 * rate ? saturated[kind.Label] + 1 : 0;
                    (byRun.TryGetValue((round, kind.Label), out var list) ? list : byRun[(round, kind.Label)] = []).Add(step);
                }

                if (compare.StopWhenSaturated && saturated.Values.All(count => count >= 2))
                {
                    context.Log.WriteLine($"round {round}: every kind saturated two steps in a row, next round");
                    break;
                }
            }
        }

        return (steps, byRun);
    }

    /// <summary>The p99 at each rate, median of rounds, kind by kind in <paramref name="labels"/>' order.</summary>
    public static IEnumerable<string> P99ByRate(IReadOnlyDictionary<(int Round, string Kind), List<StepReport>> byRun, IReadOnlyList<string> labels)
    {
        var p99s = byRun.SelectMany(pair => pair.Value.Select(step => (pair.Key.Kind, Rate: step.Result.TargetPerSecond, step.Result.All.P99Ms)))
            .GroupBy(point => point.Rate).OrderBy(group => group.Key);
        foreach (var rate in p99s)
        {
            yield return $"{F(rate.Key)}/s " + string.Join(" / ", labels.Select(label => Median(rate.Where(point => point.Kind == label).Select(point => point.P99Ms)) is { } p99 ? F(p99) : "–")) + " ms";
        }
    }

    public static string Percent(double part, double whole) => whole <= 0 ? "–" : $"{F(Math.Round(100 * part / whole, 1))} %";

    private static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? null : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
