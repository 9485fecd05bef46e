using System.Text.Json;
using System.Text.RegularExpressions;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// The repository's <c>Dockerfile</c> as the tests read it: each stage's base image, and the final
/// stage's WORKDIR, ENV, EXPOSE, USER, VOLUME, ENTRYPOINT and HEALTHCHECK, so that the tests start
/// the published app the way the image would.
/// </summary>
public sealed partial class DockerfileSpec
{
    public static readonly string Path = System.IO.Path.Combine(Contract.CommittedDocument.RepositoryRoot(), "Dockerfile");

    public List<(string Image, string? Stage)> Stages { get; } = [];

    /// <summary>The COPY instructions of every stage that take from the build context (not from another stage), by stage.</summary>
    public List<(int Stage, string WorkDir, string[] Sources, string Destination)> ContextCopies { get; } = [];

    /// <summary>Every RUN of every stage, with the WORKDIR it runs in.</summary>
    public List<(int Stage, string WorkDir, string Command)> Runs { get; } = [];

    public string WorkDir { get; private set; } = "/";

    public Dictionary<string, string> Env { get; } = new(StringComparer.Ordinal);

    public List<string> Expose { get; } = [];

    public List<string> Volumes { get; } = [];

    public string? User { get; private set; }

    public string[] EntryPoint { get; private set; } = [];

    public string HealthCheckOptions { get; private set; } = "";

    public string[] HealthCheck { get; private set; } = [];

    public static DockerfileSpec Read()
    {
        var spec = new DockerfileSpec();
        var text = File.ReadAllText(Path).Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            spec.Apply(line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
        }

        return spec;
    }

    private void Apply(string instruction, string argument)
    {
        switch (instruction)
        {
            case "FROM":
                var from = From().Match(argument);
                Stages.Add((from.Groups["image"].Value, from.Groups["stage"].Success ? from.Groups["stage"].Value : null));
                // What follows belongs to the new stage: only the last stage's settings are the image's.
                (WorkDir, User, EntryPoint, HealthCheck) = ("/", null, [], []);
                Env.Clear();
                Expose.Clear();
                Volumes.Clear();
                break;
            case "WORKDIR":
                WorkDir = argument.StartsWith('/') ? argument : System.IO.Path.Combine(WorkDir, argument);
                break;
            case "ENV":
                foreach (Match pair in EnvPair().Matches(argument))
                {
                    Env[pair.Groups["name"].Value] = pair.Groups["value"].Value.Trim('"');
                }

                break;
            case "EXPOSE":
                Expose.AddRange(argument.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                break;
            case "VOLUME":
                Volumes.AddRange(argument.StartsWith('[') ? JsonSerializer.Deserialize<string[]>(argument)! : argument.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                break;
            case "USER":
                User = argument;
                break;
            case "ENTRYPOINT":
                EntryPoint = JsonSerializer.Deserialize<string[]>(argument)!;
                break;
            case "HEALTHCHECK":
                var cmd = argument.IndexOf("CMD ", StringComparison.Ordinal);
                HealthCheckOptions = argument[..cmd].Trim();
                HealthCheck = JsonSerializer.Deserialize<string[]>(argument[(cmd + 4)..])!;
                break;
            case "RUN":
                Runs.Add((Stages.Count - 1, WorkDir, argument));
                break;
            case "COPY" when !argument.StartsWith("--from", StringComparison.Ordinal):
                var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList();
                ContextCopies.Add((Stages.Count - 1, WorkDir, [.. parts[..^1]], parts[^1]));
                break;
            default:
                break;
        }
    }

    [GeneratedRegex(@"^(?<image>\S+)(?:\s+AS\s+(?<stage>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex From();

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""[^""]*""|\S*)")]
    private static partial Regex EnvPair();
}
