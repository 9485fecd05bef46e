using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Coupons.Bench.Load;

namespace Coupons.Bench.Reporting;

/// <summary>
/// One phase of a run, named (e.g. <c>12000/s</c>), with where it starts on the run's clock, and the
/// CPU time per request of the server (when its process is known) and of this tool: what a request
/// costs, a figure that other load on the machine disturbs far less than throughput.
/// </summary>
public sealed record StepReport(string Name, double StartsAtSeconds, PhaseResult Result, double? ServerCpuMicrosecondsPerRequest = null, double? ToolCpuMicrosecondsPerRequest = null);

/// <summary>Where the run happened, so figures are read against the right machine.</summary>
public sealed record MachineInfo(int Cores, string Os, string Runtime, long MemoryMb)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024));
}

/// <summary>Everything a run measured and concluded; written as result.json, summary.md and chart.svg.</summary>
public sealed record RunReport(
    string Scenario,
    DateTimeOffset StartedAt,
    string Target,
    MachineInfo Machine,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<StepReport> Steps,
    IReadOnlyList<string> Findings,
    IReadOnlyList<string> Failures)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public bool Passed => Failures.Count == 0;

    /// <summary>More files a scenario writes beside the report (name → text), e.g. a timeline.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string>? Attachments { get; init; }

    /// <summary>Writes result.json, summary.md and chart.svg into <paramref name="folder"/>; returns the Markdown.</summary>
    public string Write(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "result.json"), JsonSerializer.Serialize(this, Json));
        var markdown = ToMarkdown();
        File.WriteAllText(Path.Combine(folder, "summary.md"), markdown);
        File.WriteAllText(Path.Combine(folder, "chart.svg"), SvgChart.Render($"{Scenario} — {Target}", Steps));
        foreach (var (name, text) in Attachments ?? new Dictionary<string, string>())
        {
            File.WriteAllText(Path.Combine(folder, name), text);
        }
        return markdown;
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"## {Scenario}: {Target}");
        text.AppendLine();
        text.AppendLine(c, $"{StartedAt:yyyy-MM-dd HH:mm} UTC · {Machine.Cores} cores · {Machine.MemoryMb / 1024} GiB · {Machine.Os} · {Machine.Runtime}");
        text.AppendLine(c, $"settings: {string.Join(", ", Settings.Select(pair => $"{pair.Key}={pair.Value}"))}");
        text.AppendLine();
        text.AppendLine("| step | target req/s | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | dropped | server CPU µs/req | tool CPU µs/req |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var step in Steps)
        {
            var r = step.Result;
            var l = r.All;
            text.AppendLine(c, $"| {step.Name} | {r.TargetPerSecond:0} | {r.AchievedPerSecond:0} | {l.P50Ms:0.00} | {l.P90Ms:0.00} | {l.P99Ms:0.00} | {l.P999Ms:0.00} | {l.MaxMs:0.00} | {r.Errors} | {r.Dropped} | {step.ServerCpuMicrosecondsPerRequest:0} | {step.ToolCpuMicrosecondsPerRequest:0} |");
        }

        var kinds = Steps.SelectMany(step => step.Result.ByKind.Keys).Distinct().ToList();
        if (kinds.Count > 1)
        {
            text.AppendLine();
            text.AppendLine("| step | request | count | p50 ms | p99 ms | p99.9 ms | answers |");
            text.AppendLine("|---|---|---:|---:|---:|---:|---|");
            foreach (var step in Steps)
            {
                foreach (var kind in kinds.Where(step.Result.ByKind.ContainsKey))
                {
                    var l = step.Result.ByKind[kind];
                    text.AppendLine(c, $"| {step.Name} | {kind} | {l.Count} | {l.P50Ms:0.00} | {l.P99Ms:0.00} | {l.P999Ms:0.00} | {Answers(step.Result, kind)} |");
                }
            }
        }
        else
        {
            text.AppendLine();
            foreach (var step in Steps)
            {
                text.AppendLine(c, $"- {step.Name}: {string.Join("; ", step.Result.Answers.Select(pair => Answers(step.Result, pair.Key)))}");
            }
        }

        if (Findings.Count > 0)
        {
            text.AppendLine();
            foreach (var finding in Findings)
            {
                text.AppendLine(c, $"- {finding}");
            }
        }

        text.AppendLine();
        text.AppendLine(Passed ? "**PASSED**" : "**FAILED**");
        foreach (var failure in Failures)
        {
            text.AppendLine(c, $"- {failure}");
        }

        return text.ToString();
    }

    private static string Answers(PhaseResult result, string kind) =>
        result.Answers.TryGetValue(kind, out var tally) ? string.Join(", ", tally.Select(pair => $"{pair.Key}: {pair.Value}")) : "";
}
