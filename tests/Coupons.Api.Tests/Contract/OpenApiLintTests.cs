using System.Text.Json;

namespace Coupons.Api.Tests.Contract;

/// <summary>
/// Issue 13, part 3: the committed docs/openapi.json under two well-kept linters from npm, with the
/// versions and rule sets of clients/typescript (redocly.yaml: Redocly's recommended rules;
/// .spectral.yaml: Spectral's spectral:oas). Bars: Redocly 0 errors and 0 warnings, Spectral 0
/// errors. A failure lists every problem with its rule and place in the document.
/// </summary>
[Collection(NodeToolsCollection.Name)]
public sealed class OpenApiLintTests : IAsyncLifetime
{
    private static readonly TimeSpan LintTime = TimeSpan.FromMinutes(3);

    public Task InitializeAsync() => TypeScriptFolder.EnsureInstalledAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Redocly_recommended_rules_find_no_error_and_no_warning()
    {
        var lint = await TypeScriptFolder.RunScriptAsync("lint:redocly", ["--format=json"], LintTime);
        var report = ParseJson(lint);
        var problems = report.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()} at {Pointer(p)}: {p.GetProperty("message").GetString()}")
            .ToList();
        var totals = report.GetProperty("totals");
        var errors = totals.GetProperty("errors").GetInt32();
        var warnings = totals.GetProperty("warnings").GetInt32();

        Assert.True(errors == 0 && warnings == 0 && problems.Count == 0,
            $"Redocly (recommended) on docs/openapi.json: {errors} error(s), {warnings} warning(s)\n" + string.Join('\n', problems));
        Assert.True(lint.ExitCode == 0, lint.Describe());
    }

    [Fact]
    public async Task Spectral_oas_rules_find_no_error()
    {
        var lint = await TypeScriptFolder.RunScriptAsync("lint:spectral", ["--format=json", "--quiet"], LintTime);
        var results = ParseJson(lint).EnumerateArray()
            .Select(r => (Severity: r.GetProperty("severity").GetInt32(), Text: $"{r.GetProperty("code")} at {Path(r)}: {r.GetProperty("message").GetString()}"))
            .ToList();
        var errors = results.Where(r => r.Severity == 0).Select(r => "error " + r.Text).ToList();
        var others = results.Where(r => r.Severity != 0).Select(r => "warning " + r.Text);

        Assert.True(errors.Count == 0,
            $"Spectral (spectral:oas) on docs/openapi.json: {errors.Count} error(s)\n" + string.Join('\n', errors)
            + "\nand below the bar (not counted):\n" + string.Join('\n', others));
        Assert.True(lint.ExitCode == 0, lint.Describe());
    }

    /// <summary>The linter's JSON report from its standard output; anything else fails with all it printed.</summary>
    private static JsonElement ParseJson(ToolResult lint)
    {
        var output = lint.StandardOutput;
        var start = output.IndexOfAny(['{', '[']);
        try
        {
            using var document = JsonDocument.Parse(start < 0 ? output : output[start..]);
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"the linter printed no JSON report ({exception.Message}):\n{lint.Describe()}", exception);
        }
    }

    private static string Pointer(JsonElement problem) =>
        problem.GetProperty("location").EnumerateArray().Select(l => l.GetProperty("pointer").GetString()).FirstOrDefault() ?? "?";

    private static string Path(JsonElement result) =>
        "#/" + string.Join('/', result.GetProperty("path").EnumerateArray().Select(p => p.ToString().Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
}
