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
        using var run = await BenchScriptRun.RunAsync("restore.sh", ["2000"], ("PORT_BASE", FreePorts().ToString(CultureInfo.InvariantCulture)));
        Assert.True(run.ExitCode == 0, "bench/restore.sh failed: " + run.Output + run.Error);

        Assert.StartsWith("restored 1 campaign(s), 2000 coupon(s)", run.Read("restore.txt"), StringComparison.Ordinal);
        Assert.Contains("Redis and PostgreSQL agree", run.Read("reconcile.txt"), StringComparison.Ordinal);
        Assert.Matches(@"^restore of 2000 coupons: [0-9]+\.[0-9]{2} s", run.Read("summary.txt"));
    }

    /// <summary>A base port with the service's, Redis's and PostgreSQL's ports (+0, +1, +2) free.</summary>
    private static int FreePorts() => LocalCluster.FreeBase(13_000, 90, 10, 0, 1, 2);
}
