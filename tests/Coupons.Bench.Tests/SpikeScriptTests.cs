using System.Diagnostics;
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
        var results = Path.Combine(Path.GetTempPath(), "coupons-spike-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = LocalCluster.RepoRoot };
        start.ArgumentList.Add(Path.Combine(LocalCluster.RepoRoot, "bench", "spike.sh"));
        start.Environment["QUICK"] = "1";
        start.Environment["OUT"] = results;
        start.Environment["PORT_BASE"] = FreePort().ToString(CultureInfo.InvariantCulture);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.False(process.ExitCode == 2, "bench/spike.sh could not confine the node (root and a writable cgroup v1 cpu controller are needed): " + await error);
            Assert.True(process.ExitCode == 0, $"bench/spike.sh exited {process.ExitCode}: " + await output + await error);

            using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "result.json")));
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

            var summary = File.ReadAllText(Path.Combine(results, "summary.md"));
            Assert.Contains("bar met: every answer 2xx, 409 or 503 overloaded: 0 other answer(s)", summary, StringComparison.Ordinal);
            Assert.Contains("back to full rate", summary, StringComparison.Ordinal);
            Assert.StartsWith("second,offered,admitted,shed,other", File.ReadAllText(Path.Combine(results, "timeline.csv")), StringComparison.Ordinal);
            Assert.Contains("capacity (wrk closed loop", File.ReadAllText(Path.Combine(results, "settings.txt")), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(results))
            {
                Directory.Delete(results, recursive: true);
            }
        }
    }

    private static int FreePort() => LocalCluster.FreeBase(14_000, 900, 1, 0);
}
