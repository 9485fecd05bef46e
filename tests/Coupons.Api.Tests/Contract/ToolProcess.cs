using System.Diagnostics;
using System.Text;

namespace Coupons.Api.Tests.Contract;

/// <summary>What a finished command printed and how it exited.</summary>
public sealed record ToolResult(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    /// <summary>The command, its exit code and all it printed: for failure messages.</summary>
    public string Describe() =>
        $"{Command} exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout ---\n{StandardOutput.TrimEnd()}\n--- stderr ---\n{StandardError.TrimEnd()}";
}

/// <summary>
/// Runs a command line tool (node, npm) with a time limit, its output captured. A command still
/// running at the limit is killed with its children and the test fails with what it printed so far.
/// </summary>
internal static class ToolProcess
{
    /// <summary>Quiet, colourless tools that ask no server anything beyond the package registry.</summary>
    private static readonly (string Name, string Value)[] Quiet =
    [
        ("NO_COLOR", "1"),
        ("FORCE_COLOR", "0"),
        ("NO_UPDATE_NOTIFIER", "1"),
        ("npm_config_update_notifier", "false"),
        ("npm_config_fund", "false"),
        ("npm_config_audit", "false"),
        ("npm_config_progress", "false"),
        ("REDOCLY_TELEMETRY", "off"),
        ("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"),
    ];

    public static async Task<ToolResult> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Quiet)
        {
            info.Environment[name] = value;
        }

        var command = string.Join(' ', new[] { Path.GetFileName(fileName) }.Concat(info.ArgumentList.Select(a => a.Length > 60 ? a[..20] + "…" : a)));
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        var elapsed = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{command} did not finish within {timeout.TotalSeconds:F0} s\n--- stdout ---\n{Text(stdout)}\n--- stderr ---\n{Text(stderr)}");
        }

        // The exit is seen before the last output lines: this waits for the end of both streams.
        process.WaitForExit();
        return new ToolResult(command, process.ExitCode, Text(stdout), Text(stderr), elapsed.Elapsed);
    }

    /// <summary>The full path of a program on the PATH, or null.</summary>
    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    private static string Text(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
