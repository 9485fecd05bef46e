using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Contract;

/// <summary>
/// The README's walk-throughs run as written: each curl command of the first shell block of "A
/// coupon's life over HTTP", of "Codes" and of "Checkout" is sent with its method, path, token, headers and body,
/// through the contract-checked client (so each request and answer also holds to the OpenAPI
/// document), and each must succeed. A variable set from an answer (<c>X=$(curl … | jq -r .path)</c>)
/// is used by the commands after it; a job read (<c>GET /v1/jobs/…</c>) is read again until the job has
/// ended, as a person would run it again.
/// </summary>
public sealed partial class ReadmeWalkthroughTests(CouponsApiFactory factory) : IClassFixture<CouponsApiFactory>
{
    private readonly Dictionary<string, string> _tokens = new()
    {
        ["ADMIN"] = CouponsApiFactory.Token("ops", "admin"),
        ["ALICE"] = CouponsApiFactory.Token("alice"),
        ["ORDERS"] = CouponsApiFactory.Token("orders", "service"),
    };

    [Fact]
    public async Task The_readme_walkthrough_runs_as_written()
    {
        var commands = Commands(await ReadmeAsync(), "## A coupon's life over HTTP");
        Assert.True(commands.Count >= 5, $"expected the walk-through's curl commands, found {commands.Count}");
        var last = await RunAsync(commands, []);

        // The last command reads the stats: one coupon issued and used, as the README shows.
        Assert.Equal(1, last.GetProperty("issued").GetInt64());
        Assert.Equal(1, last.GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task The_readme_codes_walkthrough_runs_as_written()
    {
        var readme = await ReadmeAsync();
        var commands = Commands(readme, "## Codes");
        Assert.True(commands.Count >= 7, $"expected the codes walk-through's curl commands, found {commands.Count}");
        var variables = new Dictionary<string, string>();
        await RunAsync(Commands(readme, "## A coupon's life over HTTP"), variables); // it sets $CAMPAIGN
        var last = await RunAsync(commands, variables);

        // The last command is the till's lookup: it finds the coupon alice claimed by code.
        Assert.Equal(variables["OWN"], last.GetProperty("code").GetString());
        Assert.Equal("alice", last.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task The_readme_checkout_walkthrough_runs_as_written()
    {
        var readme = await ReadmeAsync();
        var commands = Commands(readme, "## Checkout");
        Assert.True(commands.Count >= 10, $"expected the checkout walk-through's curl commands, found {commands.Count}");
        var variables = new Dictionary<string, string>();
        await RunAsync(Commands(readme, "## A coupon's life over HTTP"), variables);
        var last = await RunAsync(commands, variables);

        // The last command reads the order back: refunded, its three coupons unused again, 27.00 off in all.
        Assert.Equal(("refunded", 2_700L), (last.GetProperty("status").GetString(), last.GetProperty("discount").GetInt64()));
        Assert.Equal([variables["A"], variables["B"], variables["C"]], last.GetProperty("lines").EnumerateArray().Select(line => line.GetProperty("couponId").GetString()));
        Assert.All(last.GetProperty("coupons").EnumerateArray(), coupon => Assert.Equal("unused", coupon.GetProperty("status").GetString()));
    }

    private static Task<string> ReadmeAsync() => File.ReadAllTextAsync(Path.Combine(CommittedDocument.RepositoryRoot(), "README.md"));

    /// <summary>Sends each command in turn; the last JSON answer.</summary>
    private async Task<JsonElement> RunAsync(List<string> commands, Dictionary<string, string> variables)
    {
        var client = factory.CreateClient();
        JsonElement last = default;
        foreach (var command in commands)
        {
            var (status, text, json) = await SendAsync(client, command, variables);
            for (var reads = 1; json is { } job && IsJobRead(command) && job.GetProperty("status").GetString() is "queued" or "running"; reads++)
            {
                Assert.True(reads < 1_200, $"{command}\n→ the job did not end: {text}");
                await Task.Delay(50);
                (status, text, json) = await SendAsync(client, command, variables);
            }

            Assert.True(status is >= 200 and < 300, $"{command}\n→ {status}: {text}");
            if (json is { } answer)
            {
                last = answer;
            }

            if (Match(Assignment(), command) is { } variable)
            {
                var path = Match(JqPath(), command) ?? throw new FormatException("no jq path in: " + command);
                variables[variable] = Select(last, path).GetString()!;
            }
        }

        return last;
    }

    private async Task<(int Status, string Text, JsonElement? Json)> SendAsync(HttpClient client, string command, Dictionary<string, string> variables)
    {
        using var request = new HttpRequestMessage(new HttpMethod(Match(Method(), command) ?? "GET"), Substitute(Match(Url(), command) ?? throw new FormatException("no $API path in: " + command), variables));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[Match(Token(), command) ?? throw new FormatException("no bearer token in: " + command)]);
        if (Match(IdempotencyKey(), command) is { } key)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        if (Match(Accept(), command) is { } accept)
        {
            request.Headers.Add("Accept", accept);
        }

        if ((Match(Body(), command) ?? Match(QuotedBody(), command)?.Replace("\\\"", "\"", StringComparison.Ordinal)) is { } body)
        {
            request.Content = new StringContent(Substitute(body, variables), Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var isJson = response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) == true;
        return ((int)response.StatusCode, text, isJson ? JsonDocument.Parse(text).RootElement.Clone() : null);
    }

    /// <summary>The curl commands of the first shell block after <paramref name="heading"/>, each on one line.</summary>
    private static List<string> Commands(string readme, string heading)
    {
        var section = readme[readme.IndexOf(heading + "\n", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```sh", StringComparison.Ordinal) + 5)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        var joined = Regex.Replace(block, @"\\\n\s*", " ").Replace("\n       ", " ", StringComparison.Ordinal);
        return [.. joined.Split('\n').Where(line => line.Contains("curl ", StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'))];
    }

    private static bool IsJobRead(string command) => Match(Method(), command) is null && command.Contains("/v1/jobs/", StringComparison.Ordinal);

    /// <summary>What a jq path such as <c>.id</c> or <c>.items[0].code</c> picks out of <paramref name="json"/>.</summary>
    private static JsonElement Select(JsonElement json, string path)
    {
        foreach (var step in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var index = step.IndexOf('[', StringComparison.Ordinal);
            json = json.GetProperty(index < 0 ? step : step[..index]);
            if (index >= 0)
            {
                json = json[int.Parse(step[(index + 1)..^1], System.Globalization.CultureInfo.InvariantCulture)];
            }
        }

        return json;
    }

    private static string Substitute(string text, Dictionary<string, string> variables) =>
        Regex.Replace(text, @"\$([A-Z]+)", m => variables[m.Groups[1].Value]);

    private static string? Match(Regex pattern, string command) =>
        pattern.Match(command) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex(@"-X (\w+)")]
    private static partial Regex Method();

    [GeneratedRegex(@"\$API([^\s""']+)")]
    private static partial Regex Url();

    [GeneratedRegex(@"Bearer \$(\w+)")]
    private static partial Regex Token();

    [GeneratedRegex(@"Idempotency-Key: ([^']+)'")]
    private static partial Regex IdempotencyKey();

    [GeneratedRegex(@"Accept: ([^']+)'")]
    private static partial Regex Accept();

    [GeneratedRegex(@"-d '([^']*)'")]
    private static partial Regex Body();

    [GeneratedRegex(@"-d ""((?:[^""\\]|\\.)*)""")]
    private static partial Regex QuotedBody();

    [GeneratedRegex(@"^(\w+)=\$\(curl")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"\| jq -r '?(\.[^'\s)]+)")]
    private static partial Regex JqPath();
}
