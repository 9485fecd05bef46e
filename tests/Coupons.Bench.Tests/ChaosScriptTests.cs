using System.Globalization;
using System.Text.RegularExpressions;

namespace Coupons.Bench.Tests;

/// <summary>
/// bench/chaos.sh's short versions, as CI runs every bench script: each fault injected under load,
/// and what the script checks afterwards holding (no acknowledged claim lost, no oversell, Redis and
/// PostgreSQL agreeing, claims served again after the repair). In the local cluster's collection:
/// two deployments at once would share the machine's two cores.
/// </summary>
[Collection(LocalClusterCollection.Name)]
public sealed partial class ChaosScriptTests
{
    [Fact]
    public async Task A_hung_redis_fails_claims_as_503_and_they_come_back_after_it_resumes()
    {
        var (exit, output, summary) = await RunAsync("redis-stop", ("STOP_SECONDS", "2"), ("CONNECTIONS", "8"));

        Assert.True(exit == 0, "bench/chaos.sh redis-stop failed: " + output);
        Assert.Matches(FirstSuccess(), summary);
        Assert.Contains("status 503:", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("status 500:", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slow_network_to_redis_slows_claims_down_without_failing_them_as_500()
    {
        var (exit, output, summary) = await RunAsync("redis-delay", ("STOP_SECONDS", "2"), ("CONNECTIONS", "8"));

        Assert.True(exit == 0, "bench/chaos.sh redis-delay failed: " + output);
        Assert.Matches(FirstSuccess(), summary);
        Assert.Contains("status 201:", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("status 500:", summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_fault_of_the_scale_out_deployment_loses_nothing_acknowledged_and_oversells_nothing()
    {
        var (exit, output, summary) = await RunAsync(
            "cluster", ("DURATION", "8"), ("FAULT_AT", "2"), ("STOP_SECONDS", "2"), ("PG_STOP_SECONDS", "4"), ("CONNECTIONS", "16"),
            ("STOCK", "3000"), ("RECONCILE_SECONDS", "90"));

        Assert.True(exit == 0, "bench/chaos.sh cluster failed: " + summary + output);
        var lines = summary.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["cluster-redis-stop", "master-kill", "pg-stop", "persister-kill", "api-kill"], lines.Select(line => line[..line.IndexOf(':', StringComparison.Ordinal)]));
        Assert.All(lines, line => Assert.EndsWith(": OK", line, StringComparison.Ordinal));
        // Failures are 503s the client may retry, or a node's connection cut at its kill: never a 500.
        Assert.All(lines, line => Assert.DoesNotContain("500:", line, StringComparison.Ordinal));
    }

    private static async Task<(int Exit, string Output, string Summary)> RunAsync(string scenario, params (string Name, string Value)[] settings)
    {
        using var run = await BenchScriptRun.RunAsync("chaos.sh", [scenario], [("PORT_BASE", FreePorts().ToString(CultureInfo.InvariantCulture)), .. settings]);
        return (run.ExitCode, run.Output + run.Error, run.Read("summary.txt"));
    }

    /// <summary>A base port whose neighbours the script takes are free: +1, +2 (one Redis), +3 (the delaying proxy), nginx +10, API nodes +11 and +12, Redis Cluster +21 to +23 and their bus ports, PostgreSQL +30.</summary>
    private static int FreePorts() => LocalCluster.FreeBase(12_100, 20, 40, 1, 2, 3, 10, 11, 12, 21, 22, 23, 30, 10021, 10022, 10023);

    [GeneratedRegex(@"first claim that succeeded after the repair: \d+ ms")]
    private static partial Regex FirstSuccess();
}
