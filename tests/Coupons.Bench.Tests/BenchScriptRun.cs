using System.Diagnostics;

namespace Coupons.Bench.Tests;

/// <summary>
/// One run of a bench script as CI runs it (bash, from the repository's root), with its results in a
/// folder of its own (the script's <c>OUT</c>), deleted when the run is disposed.
/// </summary>
internal sealed class BenchScriptRun : IDisposable
{
    private BenchScriptRun(string results) => Results = results;

    /// <summary>The folder the script wrote its results to.</summary>
    public string Results { get; }

    public int ExitCode { get; private set; }

    public string Output { get; private set; } = "";

    public string Error { get; private set; } = "";

    /// <summary>Runs bench/<paramref name="script"/> with <paramref name="arguments"/> and <paramref name="environment"/> to its end.</summary>
    public static async Task<BenchScriptRun> RunAsync(string script, IEnumerable<string> arguments, params (string Name, string Value)[] environment)
    {
        var run = new BenchScriptRun(Path.Combine(Path.GetTempPath(), $"coupons-{Path.GetFileNameWithoutExtension(script)}-{Guid.NewGuid():N}"));
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = LocalCluster.RepoRoot };
        start.ArgumentList.Add(Path.Combine(LocalCluster.RepoRoot, "bench", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OUT"] = run.Results;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        (run.ExitCode, run.Output, run.Error) = (process.ExitCode, await output, await error);
        return run;
    }

    /// <summary>The text of <paramref name="file"/> in the results, or "" when the script did not write it.</summary>
    public string Read(string file) => File.Exists(Path.Combine(Results, file)) ? File.ReadAllText(Path.Combine(Results, file)) : "";

    public void Dispose()
    {
        if (Directory.Exists(Results))
        {
            Directory.Delete(Results, recursive: true);
        }
    }
}
