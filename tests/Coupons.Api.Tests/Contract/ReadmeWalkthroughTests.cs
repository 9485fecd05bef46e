using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Contract;

/// <summary>
/// The README's "A coupon's life over HTTP" runs as written: each curl command of its first shell
/// block is sent with its method, path, token, headers and body, through the contract-checked client
/// (so each request and answer also holds to the OpenAPI document), and each must succeed.
/// </summary>
public sealed partial class ReadmeWalkthroughTests(CouponsApiFactory factory) : IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task The_readme_walkthrough_runs_as_written()
    {
        var tokens = new Dictionary<string, string>
        {
            ["ADMIN"] = CouponsApiFactory.Token("ops", "admin"),
            ["ALICE"] = CouponsApiFactory.Token("alice"),
            ["ORDERS"] = CouponsApiFactory.Token("orders", "service"),
        };
        var variables = new Dictionary<string, string>();
        var commands = Commands(await File.ReadAllTextAsync(Path.Combine(CommittedDocument.RepositoryRoot(), "README.md")));
        Assert.True(commands.Count >= 5, $"expected the walk-through's curl commands, found {commands.Count}");
        var client = factory.CreateClient();
        JsonElement last = default;
        foreach (var command in commands)
        {
            using var request = new HttpRequestMessage(new HttpMethod(Match(Method(), command) ?? "GET"), Substitute(Match(Url(), command) ?? throw new FormatException("no $API path in: " + command), variables));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[Match(Token(), command) ?? throw new FormatException("no bearer token in: " + command)]);
            if (Match(IdempotencyKey(), command) is { } key)
            {
                request.Headers.Add("Idempotency-Key", key);
            }

            if (Match(Body(), command) is { } body)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{command}\n→ {(int)response.StatusCode}: {text}");
            last = JsonDocument.Parse(text).RootElement.Clone();
            if (Match(Assignment(), command) is { } variable)
            {
                variables[variable] = last.GetProperty("id").GetString()!;
            }
        }

        // The last command reads the stats: one coupon issued and used, as the README shows.
        Assert.Equal(1, last.GetProperty("issued").GetInt64());
        Assert.Equal(1, last.GetProperty("used").GetInt64());
    }

    /// <summary>The curl commands of the README's first shell block, each on one line.</summary>
    private static List<string> Commands(string readme)
    {
        var section = readme[readme.IndexOf("## A coupon's life over HTTP", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```sh", StringComparison.Ordinal) + 5)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        var joined = Regex.Replace(block, @"\\\n\s*", " ").Replace("\n       ", " ", StringComparison.Ordinal);
        return [.. joined.Split('\n').Where(line => line.Contains("curl ", StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'))];
    }

    private static string Substitute(string url, Dictionary<string, string> variables) =>
        Regex.Replace(url, @"\$([A-Z]+)", m => variables[m.Groups[1].Value]);

    private static string? Match(Regex pattern, string command) =>
        pattern.Match(command) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex(@"-X (\w+)")]
    private static partial Regex Method();

    [GeneratedRegex(@"\$API(\S+)")]
    private static partial Regex Url();

    [GeneratedRegex(@"Bearer \$(\w+)")]
    private static partial Regex Token();

    [GeneratedRegex(@"Idempotency-Key: ([^']+)'")]
    private static partial Regex IdempotencyKey();

    [GeneratedRegex(@"-d '([^']*)'")]
    private static partial Regex Body();

    [GeneratedRegex(@"^(\w+)=\$\(curl")]
    private static partial Regex Assignment();
}
