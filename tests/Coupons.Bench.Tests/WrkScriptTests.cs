using System.Diagnostics;
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
        var results = Path.Combine(Path.GetTempPath(), "coupons-wrk-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = LocalCluster.RepoRoot };
        start.ArgumentList.Add(Path.Combine(LocalCluster.RepoRoot, "bench", "wrk.sh"));
        start.Environment["ROUNDS"] = "1";
        start.Environment["DURATION"] = "1";
        start.Environment["CONNECTIONS"] = "8";
        start.Environment["OUT"] = results;
        start.Environment["TARGETS"] = "baseline get claim code nometrics";
        start.Environment["PORT_BASE"] = FreePorts().ToString(CultureInfo.InvariantCulture);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, "bench/wrk.sh failed: " + await output + await error);

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
        finally
        {
            if (Directory.Exists(results))
            {
                Directory.Delete(results, recursive: true);
            }
        }
    }

    /// <summary>A base port with the baseline's and the two services' ports (+0, +1, +4) free.</summary>
    private static int FreePorts() => LocalCluster.FreeBase(15_000, 90, 10, 0, 1, 4);
}
