using System.Diagnostics;
using System.Globalization;

namespace Coupons.Bench.Tests;

/// <summary>
/// bench/restore.sh's short version, as CI runs every bench script: a few thousand coupons put in
/// PostgreSQL, Redis emptied, restored, and reconcile agreeing, with the seconds printed.
/// </summary>
public sealed class RestoreScriptTests
{
    [Fact]
    public async Task The_restore_bench_restores_every_coupon_and_reconcile_agrees()
    {
        var results = Path.Combine(Path.GetTempPath(), "coupons-restore-bench-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = LocalCluster.RepoRoot };
        start.ArgumentList.Add(Path.Combine(LocalCluster.RepoRoot, "bench", "restore.sh"));
        start.ArgumentList.Add("2000");
        start.Environment["OUT"] = results;
        start.Environment["PORT_BASE"] = FreePorts().ToString(CultureInfo.InvariantCulture);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, "bench/restore.sh failed: " + await output + await error);

            Assert.StartsWith("restored 1 campaign(s), 2000 coupon(s)", File.ReadAllText(Path.Combine(results, "restore.txt")), StringComparison.Ordinal);
            Assert.Contains("Redis and PostgreSQL agree", File.ReadAllText(Path.Combine(results, "reconcile.txt")), StringComparison.Ordinal);
            Assert.Matches(@"^restore of 2000 coupons: [0-9]+\.[0-9]{2} s", File.ReadAllText(Path.Combine(results, "summary.txt")));
        }
        finally
        {
            if (Directory.Exists(results))
            {
                Directory.Delete(results, recursive: true);
            }
        }
    }

    /// <summary>A base port with the service's, Redis's and PostgreSQL's ports (+0, +1, +2) free.</summary>
    private static int FreePorts() => LocalCluster.FreeBase(13_000, 90, 10, 0, 1, 2);
}
