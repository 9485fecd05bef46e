using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Contract;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// The Grafana dashboard (<c>deploy/grafana/coupons-dashboard.json</c>) against a real Prometheus
/// scraping two real nodes under a short load of every kind (<see cref="ObservedDeployment"/>): each
/// panel's every query, run through Prometheus's HTTP API as Grafana would run it, answers data.
/// No panel shows a query nothing answers. Prometheus also loads the alert rules.
/// </summary>
public sealed class DashboardTests(ObservedDeployment deployment) : IClassFixture<ObservedDeployment>
{
    private static readonly string DashboardPath = Path.Combine(CommittedDocument.RepositoryRoot(), "deploy", "grafana", "coupons-dashboard.json");

    [Fact]
    public async Task Every_panel_query_answers_data_from_a_real_prometheus_scraping_real_nodes_under_load()
    {
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(DashboardPath))!;
        var queries = dashboard["panels"]!.AsArray()
            .SelectMany(panel => panel!["targets"]!.AsArray().Select(target => (Panel: (string)panel["title"]!, Expr: (string)target!["expr"]!)))
            .ToList();
        Assert.True(queries.Count >= 15, $"the dashboard has {queries.Count} queries");

        await LoadAsync(TimeSpan.FromSeconds(12));

        using var prometheus = new HttpClient { BaseAddress = deployment.Prometheus };
        var empty = new List<string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        foreach (var (panel, expr) in queries)
        {
            // Grafana's variables as it fills them: every node, a rate window of a few scrapes.
            var query = expr.Replace("$instance", ".*", StringComparison.Ordinal).Replace("$__rate_interval", "1m", StringComparison.Ordinal);
            while (true)
            {
                var result = await QueryAsync(prometheus, query);
                if (result.GetArrayLength() > 0)
                {
                    break;
                }

                if (DateTime.UtcNow > deadline)
                {
                    empty.Add($"{panel}: {query}");
                    break;
                }

                await Task.Delay(500);
            }
        }

        Assert.True(empty.Count == 0, "panels whose query answered nothing:\n" + string.Join('\n', empty));
        var rules = await QueryRulesAsync(prometheus);
        Assert.Equal(8, rules);
    }

    private static async Task<JsonElement> QueryAsync(HttpClient prometheus, string query)
    {
        using var response = await prometheus.GetAsync(new Uri("api/v1/query?query=" + Uri.EscapeDataString(query), UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{query}: {body}");
        using var document = JsonDocument.Parse(body);
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document.RootElement.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>How many alerting rules Prometheus loaded from the project's rule file.</summary>
    private static async Task<int> QueryRulesAsync(HttpClient prometheus)
    {
        using var response = await prometheus.GetAsync(new Uri("api/v1/rules?type=alert", UriKind.Relative));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray().Sum(group => group.GetProperty("rules").GetArrayLength());
    }

    /// <summary>
    /// Every kind of request on both nodes for <paramref name="duration"/>: claims by id (some sold
    /// out) and by a shared code, a coupon locked and redeemed, a two-coupon order locked and
    /// redeemed, an issuance job; on the node with protections on, claims past its address limit.
    /// </summary>
    private async Task LoadAsync(TimeSpan duration)
    {
        foreach (var node in new[] { deployment.Embedded, deployment.ScaledOut })
        {
            using var admin = ObservedDeployment.Client(node, "observer-admin", "admin");
            var single = await CampaignAsync(admin, 40, null, null);
            var shared = await CampaignAsync(admin, 1_000, "OBSERVED-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant(), null);
            var stackable = new[] { await CampaignAsync(admin, 1_000, null, "stackable"), await CampaignAsync(admin, 1_000, null, "stackable") };
            using (var issued = await admin.PostJsonAsync($"/v1/campaigns/{single.Id}/issuances", new JsonObject { ["userIds"] = new JsonArray("issued-1", "issued-2") }))
            {
                await issued.AssertStatusAsync(HttpStatusCode.Accepted);
            }

            var until = DateTime.UtcNow + duration / 2;
            for (var i = 0; DateTime.UtcNow < until; i++)
            {
                using var user = ObservedDeployment.Client(node, $"observed-{Guid.NewGuid():N}");
                if (await ClaimAsync(user, $"/v1/campaigns/{single.Id}/claim", null) is { } coupon)
                {
                    await PostAsync(user, $"/v1/coupons/{coupon}/lock", new JsonObject { ["orderId"] = $"o-{i}", ["orderAmount"] = 5_000 });
                    await PostAsync(user, $"/v1/coupons/{coupon}/redeem", new JsonObject { ["orderId"] = $"o-{i}" });
                }

                await ClaimAsync(user, "/v1/codes/claim", new JsonObject { ["code"] = shared.Code });
                if (i % 4 == 0
                    && await ClaimAsync(user, $"/v1/campaigns/{stackable[0].Id}/claim", null) is { } first
                    && await ClaimAsync(user, $"/v1/campaigns/{stackable[1].Id}/claim", null) is { } second)
                {
                    await PostAsync(user, $"/v1/orders/order-{i}/lock", new JsonObject { ["couponIds"] = new JsonArray(first, second), ["orderAmount"] = 5_000 });
                    await PostAsync(user, $"/v1/orders/order-{i}/redeem", null);
                }
            }
        }
    }

    private static async Task<(string Id, string? Code)> CampaignAsync(HttpClient admin, long stock, string? code, string? stacking)
    {
        var body = new JsonObject
        {
            ["name"] = "Observed",
            ["discount"] = new JsonObject { ["type"] = "amount_off", ["amountOff"] = 500 },
            ["totalStock"] = stock,
            ["perUserLimit"] = 1,
            ["validity"] = new JsonObject { ["days"] = 30 },
        };
        if (code is not null)
        {
            body["code"] = code;
        }

        if (stacking is not null)
        {
            body["stacking"] = stacking;
        }

        using var response = await admin.PostJsonAsync("/v1/campaigns", body);
        return ((await response.AssertStatusAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!, code);
    }

    /// <summary>The new coupon's id, or null when refused (sold out, or the address limit on the node with protections).</summary>
    private static async Task<string?> ClaimAsync(HttpClient user, string path, JsonObject? body)
    {
        using var response = body is null ? await user.PostEmptyAsync(path) : await user.PostJsonAsync(path, body);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return response.StatusCode == HttpStatusCode.Created ? (await response.AssertStatusAsync(HttpStatusCode.Created)).GetProperty("id").GetString() : null;
    }

    private static async Task PostAsync(HttpClient user, string path, JsonObject? body)
    {
        using var response = body is null ? await user.PostEmptyAsync(path) : await user.PostJsonAsync(path, body);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
