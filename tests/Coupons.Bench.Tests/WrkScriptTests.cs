using System.Globalization;

namespace Coupons.Bench.Tests;

/// <summary>
/// bench/wrk.sh's short version, as CI runs every bench script: each target answered with no
/// refusal and no socket error, and the summary's rows and the claims' ratios printed (by code ÷ by id,
/// metrics on ÷ off).
/// </summary>
public sealed class WrkScriptTests
{
    [Fact]
    public async Task The_wrk_side_by_side_runs_every_target_with_only_successful_answers()
    {
        using var run = await BenchScriptRun.RunAsync(
            "wrk.sh", [], ("ROUNDS", "1"), ("DURATION", "1"), ("CONNECTIONS", "8"), ("TARGETS", "baseline get claim code nometrics"),
            ("PORT_BASE", FreePorts().ToString(CultureInfo.InvariantCulture)));
        var results = run.Results;
        Assert.True(run.ExitCode == 0, "bench/wrk.sh failed: " + run.Output + run.Error);

        var runs = File.ReadAllLines(Path.Combine(results, "runs.txt")).Skip(1).Select(line => line.Split(' ')).ToList();
        Assert.Equal(["baseline", "get", "claim", "code", "nometrics"], runs.Select(r => r[0]));
        Assert.All(runs, r => Assert.True(double.Parse(r[2], CultureInfo.InvariantCulture) > 0 && r[4] == "0", string.Join(' ', r)));
        foreach (var file in Directory.GetFiles(results, "*-1.txt"))
        {
            Assert.Contains("socket errors: 0", File.ReadAllText(file), StringComparison.Ordinal);
        }

        var summary = File.ReadAllText(Path.Combine(results, "summary.md"));
        Assert.Contains("code ÷ claim: median", summary, StringComparison.Ordinal);
        Assert.Contains("claim ÷ nometrics, API CPU µs per request: median", summary, StringComparison.Ordinal);
    }

    /// <summary>A base port with the baseline's and the two services' ports (+0, +1, +4) free.</summary>
    private static int FreePorts() => LocalCluster.FreeBase(15_000, 90, 10, 0, 1, 4);
}
