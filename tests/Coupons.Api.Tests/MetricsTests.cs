using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Coupons.Api.Tests.Contract;
using Coupons.Api.Tests.Crash;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>
/// The service as its own process (<see cref="ServerProcess"/>), its stock read every second: what a
/// Prometheus scraping it would see. Not the in-memory host of the other tests: instruments are named
/// per process, and the tests' hosts, started and stopped side by side, would share them.
/// </summary>
public sealed class MetricsServer : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "coupons-metrics-tests-" + Guid.NewGuid().ToString("N"));
    private ServerProcess? _server;

    public Uri BaseAddress => _server!.BaseAddress;

    public HttpClient Anonymous { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient As(string userId)
    {
        var client = new HttpClient { BaseAddress = _server!.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", CouponsApiFactory.Token(userId));
        return client;
    }

    /// <summary>A campaign of <paramref name="stock"/> coupons, one a user, 500 off orders of 10.00 or more.</summary>
    public async Task<string> NewCampaignAsync(long stock, string name = "Metrics")
    {
        var body = new JsonObject
        {
            ["name"] = name,
            ["discount"] = new JsonObject { ["type"] = "amount_off", ["amountOff"] = 500 },
            ["minOrderAmount"] = 1000,
            ["totalStock"] = stock,
            ["perUserLimit"] = 1,
            ["validity"] = new JsonObject { ["days"] = 30 },
        };
        using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
        return (await response.AssertStatusAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public async Task InitializeAsync()
    {
        _server = ServerProcess.Start(_dataDir, CouponsApiFactory.SigningKeyText, "--Coupons:Metrics:StockInterval=00:00:01");
        Anonymous = new HttpClient { BaseAddress = _server.BaseAddress };
        Admin = As("metrics-admin");
        Admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", CouponsApiFactory.Token("metrics-admin", "admin"));
        await _server.WaitReadyAsync(Anonymous, TimeSpan.FromSeconds(60), CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        Anonymous.Dispose();
        Admin.Dispose();
        _server?.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The business series on <c>/metrics</c> (README, "Operating it"), read from the real service
/// after real requests; and the alert rules in <c>deploy/prometheus</c>, checked and unit-tested by
/// the real <c>promtool</c> (Debian's <c>prometheus</c> package), each series they ask for shown by
/// the service. Counters are checked by how much they grew over what a test did (the tests of this
/// class run one after another on one service).
/// </summary>
public sealed partial class MetricsTests(MetricsServer server) : IClassFixture<MetricsServer>
{
    private static readonly string RulesDir = Path.Combine(CommittedDocument.RepositoryRoot(), "deploy", "prometheus");

    [Fact]
    public async Task Claims_and_coupon_changes_are_counted_by_outcome_and_the_hot_campaigns_stock_is_shown()
    {
        var before = await ScrapeAsync();
        var campaignId = await server.NewCampaignAsync(2);
        var coupons = new List<(HttpClient User, string Coupon)>();
        for (var i = 0; i < 3; i++)
        {
            var user = server.As("metrics-user-" + Guid.NewGuid().ToString("N"));
            using var response = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
            if (response.StatusCode == HttpStatusCode.Created)
            {
                coupons.Add((user, (await response.AssertStatusAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!));
            }
        }

        using (var locked = await coupons[0].User.PostJsonAsync($"/v1/coupons/{coupons[0].Coupon}/lock", new JsonObject { ["orderId"] = "order-m1", ["orderAmount"] = 5_000 }))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var belowMinimum = await coupons[1].User.PostJsonAsync($"/v1/coupons/{coupons[1].Coupon}/lock", new JsonObject { ["orderId"] = "order-m2", ["orderAmount"] = 10 }))
        {
            await belowMinimum.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "below_minimum");
        }

        // The exporter keeps a scrape's answer for 300 ms: read until a newer one shows what was done.
        var after = await EventuallyAsync(async () =>
        {
            var scraped = await ScrapeAsync();
            return Grew(before, scraped, "coupons_claims_total", ("outcome", "sold_out"), ("via", "id")) >= 1
                && Grew(before, scraped, "coupons_redemptions_total", ("operation", "lock"), ("outcome", "below_minimum")) >= 1
                ? scraped
                : null;
        });
        Assert.True(Grew(before, after, "coupons_claims_total", ("outcome", "ok"), ("via", "id")) >= 2);
        Assert.True(Grew(before, after, "coupons_redemptions_total", ("operation", "lock"), ("outcome", "ok")) >= 1);
        Assert.True(Grew(before, after, "coupons_store_commit_batch_size_count") >= 1);
        Assert.Contains(after, sample => sample.Name == "coupons_store_ready" && sample.Value == 1);

        // The campaign was claimed from: within a reading or two its stock shows, all of it taken.
        var stock = await EventuallyAsync(async () =>
        {
            var scraped = await ScrapeAsync();
            return Find(scraped, "coupons_campaign_stock_remaining", ("campaign", campaignId)) is { } remaining
                ? new[] { remaining, Value(scraped, "coupons_campaign_stock_total", ("campaign", campaignId)) }
                : null;
        });
        Assert.Equal([0d, 2d], stock);
    }

    [Fact]
    public async Task The_alert_rules_pass_promtool_and_their_unit_tests()
    {
        var check = await PromtoolAsync("check", "rules", "coupons-alerts.yml");
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains("SUCCESS: 8 rules found", check.Output, StringComparison.Ordinal);

        var test = await PromtoolAsync("test", "rules", "coupons-alerts.test.yml");
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("SUCCESS", test.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_alert_rule_has_a_unit_test_that_fires_it_and_asks_for_series_the_service_shows()
    {
        var rules = await File.ReadAllTextAsync(Path.Combine(RulesDir, "coupons-alerts.yml"));
        var tests = await File.ReadAllTextAsync(Path.Combine(RulesDir, "coupons-alerts.test.yml"));
        var alerts = AlertName().Matches(rules).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(8, alerts.Count);
        foreach (var alert in alerts)
        {
            Assert.Matches($"alertname: {alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels:", tests);
        }

        // Claims, a lock and a commit, so that every series the rules read has something to show.
        var campaignId = await server.NewCampaignAsync(5);
        using (var claimed = await server.As("metrics-user-" + Guid.NewGuid().ToString("N")).PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))
        {
            await claimed.AssertStatusAsync(HttpStatusCode.Created);
        }

        var shown = await EventuallyAsync(async () =>
        {
            var text = await ScrapeTextAsync();
            return text.Contains("coupons_campaign_stock_remaining{", StringComparison.Ordinal) ? text : null;
        });

        // coupons_persister_lag is the Redis store's (RedisStoreApiTests reads it there); up is Prometheus's own.
        var expressions = string.Join("\n", Expression().Matches(rules).Select(m => m.Groups[1].Value));
        var asked = SeriesName().Matches(expressions).Select(m => m.Value).Distinct().Where(name => name != "coupons_persister_lag").ToList();
        Assert.NotEmpty(asked);
        Assert.All(asked, name => Assert.Contains(name, shown, StringComparison.Ordinal));
    }

    private async Task<string> ScrapeTextAsync()
    {
        using var response = await server.Anonymous.GetPathAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Every sample of the scrape: its name, its labels and its value.</summary>
    private async Task<List<(string Name, Dictionary<string, string> Labels, double Value)>> ScrapeAsync()
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (Match line in Sample().Matches(await ScrapeTextAsync()))
        {
            var labels = Label().Matches(line.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
            samples.Add((line.Groups["name"].Value, labels, double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    private static double? Find(List<(string Name, Dictionary<string, string> Labels, double Value)> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).Select(s => (double?)s.Value).FirstOrDefault();

    private static double Value(List<(string Name, Dictionary<string, string> Labels, double Value)> samples, string name, params (string Key, string Value)[] labels) =>
        Find(samples, name, labels) ?? throw new Xunit.Sdk.XunitException($"{name} is not on /metrics");

    /// <summary>How much a series grew between two scrapes (0 when the later has it not either).</summary>
    private static double Grew(
        List<(string Name, Dictionary<string, string> Labels, double Value)> before,
        List<(string Name, Dictionary<string, string> Labels, double Value)> after,
        string name,
        params (string Key, string Value)[] labels) =>
        (Find(after, name, labels) ?? 0) - (Find(before, name, labels) ?? 0);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "what the test waited for did not show on /metrics in 60 s (a busy machine can be slow; passing tests do not wait)");
            await Task.Delay(200);
        }
    }

    private static async Task<(int ExitCode, string Output)> PromtoolAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("promtool") { WorkingDirectory = RulesDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start (Debian: apt-get install prometheus)");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eE]+|NaN)(?: \d+)?$", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();

    [GeneratedRegex(@"expr:(.*?)\n\s+for:", RegexOptions.Singleline)]
    private static partial Regex Expression();

    [GeneratedRegex(@"- alert: (\w+)")]
    private static partial Regex AlertName();

    [GeneratedRegex(@"\b(coupons_[a-z_]+|http_server_request_duration_seconds_(bucket|count))\b")]
    private static partial Regex SeriesName();
}
