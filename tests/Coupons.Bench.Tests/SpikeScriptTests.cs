using System.Globalization;
using System.Text.Json;

namespace Coupons.Bench.Tests;

/// <summary>
/// bench/spike.sh's short version (<c>QUICK=1</c>: phases of a few seconds, the timing bars advisory),
/// as CI runs every bench script: the node confined by its cgroup, its capacity measured, the spike
/// run, every answer 2xx, 409 or 503 overloaded, and the report written. No timing is asserted. The
/// cgroup needs root and a writable cgroup v1 cpu controller (CI has both): without them the script
/// exits 2 and this test fails saying so.
/// </summary>
public sealed class SpikeScriptTests
{
    [Fact]
    public async Task The_short_spike_gets_only_admitted_or_overloaded_answers_and_writes_its_report()
    {
        using var run = await BenchScriptRun.RunAsync("spike.sh", [], ("QUICK", "1"), ("PORT_BASE", FreePort().ToString(CultureInfo.InvariantCulture)));
        Assert.False(run.ExitCode == 2, "bench/spike.sh could not confine the node (root and a writable cgroup v1 cpu controller are needed): " + run.Error);
        Assert.True(run.ExitCode == 0, $"bench/spike.sh exited {run.ExitCode}: " + run.Output + run.Error);

        using var report = JsonDocument.Parse(run.Read("result.json"));
        var steps = report.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["warm-up", "before", "spike", "after"], steps.Select(step => step.GetProperty("name").GetString()));
        foreach (var step in steps)
        {
            var answers = step.GetProperty("result").GetProperty("answers").GetProperty("claim").EnumerateObject().ToList();
            Assert.NotEmpty(answers);
            Assert.All(answers, answer => Assert.True(
                answer.Name is "200" or "201" or "503 overloaded" || answer.Name.StartsWith("409 ", StringComparison.Ordinal),
                $"{step.GetProperty("name").GetString()}: {answer.Value.GetInt64()} answer(s) {answer.Name}"));
        }

        var summary = run.Read("summary.md");
        Assert.Contains("bar met: every answer 2xx, 409 or 503 overloaded: 0 other answer(s)", summary, StringComparison.Ordinal);
        Assert.Contains("back to full rate", summary, StringComparison.Ordinal);
        Assert.StartsWith("second,offered,admitted,shed,other", run.Read("timeline.csv"), StringComparison.Ordinal);
        Assert.Contains("capacity (wrk closed loop", run.Read("settings.txt"), StringComparison.Ordinal);
    }

    private static int FreePort() => LocalCluster.FreeBase(14_000, 900, 1, 0);
}
