using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>
/// GET /v1/campaigns?status= on both stores, each class on a service of its own so the listing holds
/// exactly what its one listing test creates: end users (and the service) see the campaigns open
/// to claims now; admins filter by any status, or none.
/// </summary>
public abstract class CampaignFilterTests<TFactory>(TFactory factory) : ApiTestBase<TFactory>(factory)
    where TFactory : CouponsApiFactory
{
    [Fact]
    public async Task End_users_list_the_campaigns_open_to_claims_now_and_admins_list_by_any_status()
    {
        // The only test of this class that creates campaigns; the others only read or are refused.
        var now = DateTimeOffset.UtcNow;
        var open = await NewCampaignAsync();
        var paused = await NewCampaignAsync();
        var ended = await NewCampaignAsync();
        var later = await NewCampaignAsync(With(CampaignBody(), "claimStartsAt", now.AddDays(1)));
        var closed = await NewCampaignAsync(With(With(CampaignBody(), "claimStartsAt", now.AddDays(-2)), "claimEndsAt", now.AddDays(-1)));
        var spent = await NewCampaignAsync(With(CampaignBody(), "validity", new JsonObject { ["to"] = Iso(now.AddMinutes(-1)) }));
        var soldOut = await NewCampaignAsync(CampaignBody(totalStock: 1));
        await ClaimAsync(NewUser().Client, soldOut);
        using (var pause = await Admin.PostEmptyAsync($"/v1/campaigns/{paused}/pause"))
        {
            await pause.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var end = await Admin.PostEmptyAsync($"/v1/campaigns/{ended}/end"))
        {
            await end.AssertStatusAsync(HttpStatusCode.OK);
        }

        string[] claimable = [open, soldOut];
        foreach (var caller in new[] { NewUser().Client, Service, Factory.ClientFor("someone-" + Unique(), "superuser") })
        {
            Assert.Equal(Sorted(claimable), await ListAllAsync(caller, "status=active", 1));
            Assert.Equal(Sorted(claimable), await ListAllAsync(caller, "status=active", 50));
        }

        using (var shown = await NewUser().Client.GetPathAsync("/v1/campaigns?status=active"))
        {
            var items = (await shown.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
            Assert.All(items, c => Assert.Equal("active", c.Str("status")));
            Assert.Equal(0, items.Single(c => c.Str("id") == soldOut).Long("remainingStock"));
        }

        Assert.Equal(Sorted(open, later, closed, spent, soldOut), await ListAllAsync(Admin, "status=active", 2));
        Assert.Equal(Sorted(paused), await ListAllAsync(Admin, "status=paused", 2));
        Assert.Equal(Sorted(ended), await ListAllAsync(Admin, "status=ended", 2));
        Assert.Equal(Sorted(open, paused, ended, later, closed, spent, soldOut), await ListAllAsync(Admin, "", 3));
    }

    [Theory]
    [InlineData("user", "")]
    [InlineData("user", "?status=paused")]
    [InlineData("user", "?status=ended")]
    [InlineData("service", "?status=ended")]
    [InlineData("unknown role", "?limit=5")]
    public async Task Anything_but_status_active_is_forbidden_to_all_but_admins(string who, string query)
    {
        var client = who switch
        {
            "user" => NewUser().Client,
            "service" => Service,
            _ => Factory.ClientFor("someone-" + Unique(), "superuser"),
        };

        using var response = await client.GetPathAsync("/v1/campaigns" + query);
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("user", "?status=unused")]
    [InlineData("user", "?status=Active")]
    [InlineData("admin", "?status=revoked")]
    [InlineData("admin", "?status=")]
    [InlineData("user", "?status=active&status=paused")] // one status at a time
    public async Task A_status_that_is_not_a_campaign_status_is_400_for_anyone(string who, string query)
    {
        using var response = await (who == "admin" ? Admin : NewUser().Client).GetPathAsync("/v1/campaigns" + query);
        await response.AssertValidationAsync("status");
    }

    [Fact]
    public async Task An_anonymous_listing_is_401()
    {
        using var response = await Anonymous.GetPathAsync("/v1/campaigns?status=active");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    private static JsonObject With(JsonObject body, string field, DateTimeOffset time) => With(body, field, JsonValue.Create(Iso(time)));

    private static JsonObject With(JsonObject body, string field, JsonNode value)
    {
        body[field] = value;
        return body;
    }

    private static List<string> Sorted(params string[] ids) => [.. ids.Order(StringComparer.Ordinal)];

    /// <summary>Every campaign the query lists, page by page: never more than the limit a page, each once.</summary>
    private static async Task<List<string>> ListAllAsync(HttpClient client, string query, int limit)
    {
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var path = $"/v1/campaigns?{query}&limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await client.GetPathAsync(path);
            var page = await response.AssertStatusAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().Select(c => c.Str("id")).ToList();
            Assert.InRange(items.Count, 0, limit);
            seen.AddRange(items);
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.Str("nextCursor");
            Assert.True(seen.Count <= 20, "the listing does not end");
        }
        while (cursor is not null);

        Assert.Equal(seen.Distinct().Count(), seen.Count);
        return seen;
    }
}

public sealed class EmbeddedCampaignFilterTests(CouponsApiFactory factory) : CampaignFilterTests<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>;

public sealed class RedisCampaignFilterTests(RedisApiFactory factory) : CampaignFilterTests<RedisApiFactory>(factory), IClassFixture<RedisApiFactory>;
