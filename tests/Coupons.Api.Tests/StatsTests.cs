using System.Net;
using System.Text.Json;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>GET /v1/campaigns/{id}/stats.</summary>
public sealed class StatsTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task A_new_campaign_has_zero_counts()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 7));
        var stats = await StatsAsync(campaignId);
        Assert.Equal(campaignId, stats.Str("campaignId"));
        Assert.Equal(7, stats.Long("totalStock"));
        Assert.Equal(0, stats.Long("issued"));
        Assert.Equal(7, stats.Long("remainingStock"));
        foreach (var name in new[] { "locked", "used", "released", "refunded", "expired" })
        {
            Assert.Equal(0, stats.Long(name));
        }

        Assert.Equal(JsonValueKind.Object, stats.GetProperty("rejected").ValueKind);
        Assert.Empty(stats.GetProperty("rejected").EnumerateObject());
    }

    [Fact]
    public async Task Counts_follow_a_whole_lifecycle_and_rejections_are_counted_by_code()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 5));
        var users = Enumerable.Range(0, 4).Select(_ => NewUser().Client).ToArray();
        var coupons = new string[4];
        for (var i = 0; i < 4; i++)
        {
            coupons[i] = await ClaimAsync(users[i], campaignId);
        }

        async Task ExpectAsync(Task<HttpResponseMessage> call, HttpStatusCode status, string? code = null)
        {
            using var response = await call;
            if (code is null)
            {
                await response.AssertStatusAsync(status);
            }
            else
            {
                await response.AssertProblemAsync(status, code);
            }
        }

        // user 0: a second claim → limit_reached (×2); keeps a lock.
        await ExpectAsync(users[0].PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"), HttpStatusCode.Conflict, "limit_reached");
        await ExpectAsync(users[0].PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"), HttpStatusCode.Conflict, "limit_reached");
        await ExpectAsync(PostCouponAsync(users[0], coupons[0], "lock", Order("o0", 2000)), HttpStatusCode.OK);
        await ExpectAsync(PostCouponAsync(users[0], coupons[0], "lock", Order("o0", 2000)), HttpStatusCode.OK);
        await ExpectAsync(PostCouponAsync(Service, coupons[0], "lock", Order("other", 2000)), HttpStatusCode.Conflict, "locked_by_other_order");

        // user 1: used in one step; another order is refused.
        await ExpectAsync(PostCouponAsync(users[1], coupons[1], "redeem", Order("o1", 2000)), HttpStatusCode.OK);
        await ExpectAsync(PostCouponAsync(users[1], coupons[1], "lock", Order("o1b", 2000)), HttpStatusCode.Conflict, "already_used");

        // user 2: locked then released; a lock below the minimum is refused.
        await ExpectAsync(PostCouponAsync(users[2], coupons[2], "lock", Order("o2", 999)), HttpStatusCode.UnprocessableEntity, "below_minimum");
        await ExpectAsync(PostCouponAsync(users[2], coupons[2], "lock", Order("o2", 2000)), HttpStatusCode.OK);
        await ExpectAsync(PostCouponAsync(users[2], coupons[2], "release", Order("o2")), HttpStatusCode.OK);

        // user 3: used then refunded; a refund of nothing is refused.
        await ExpectAsync(PostCouponAsync(Service, coupons[3], "refund", Order("o3")), HttpStatusCode.Conflict, "not_redeemed");
        await ExpectAsync(PostCouponAsync(users[3], coupons[3], "redeem", Order("o3", 5000)), HttpStatusCode.OK);
        await ExpectAsync(PostCouponAsync(Service, coupons[3], "refund", Order("o3")), HttpStatusCode.OK);
        await ExpectAsync(PostCouponAsync(Service, coupons[3], "refund", Order("o3")), HttpStatusCode.OK);

        // Paused: a new user is refused.
        await ExpectAsync(Admin.PostEmptyAsync($"/v1/campaigns/{campaignId}/pause"), HttpStatusCode.OK);
        await ExpectAsync(NewUser().Client.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"), HttpStatusCode.Conflict, "campaign_not_active");

        var stats = await StatsAsync(campaignId);
        Assert.Equal(5, stats.Long("totalStock"));
        Assert.Equal(4, stats.Long("issued"));
        Assert.Equal(1, stats.Long("remainingStock"));
        Assert.Equal(1, stats.Long("locked"));
        Assert.Equal(1, stats.Long("used"));
        Assert.Equal(1, stats.Long("released"));
        Assert.Equal(1, stats.Long("refunded"));
        Assert.Equal(0, stats.Long("expired"));

        var rejected = stats.GetProperty("rejected").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["limit_reached"] = 2,
                ["locked_by_other_order"] = 1,
                ["already_used"] = 1,
                ["below_minimum"] = 1,
                ["not_redeemed"] = 1,
                ["campaign_not_active"] = 1,
            },
            rejected);

        // The campaign view agrees on the stock.
        var campaign = await GetCampaignAsync(campaignId);
        Assert.Equal(stats.Long("issued"), campaign.Long("issued"));
        Assert.Equal(stats.Long("remainingStock"), campaign.Long("remainingStock"));
    }

    [Fact]
    public async Task Sold_out_claims_are_counted()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 1));
        await ClaimAsync(NewUser().Client, campaignId);
        for (var i = 0; i < 3; i++)
        {
            using var response = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
            await response.AssertProblemAsync(HttpStatusCode.Conflict, "sold_out");
        }

        var stats = await StatsAsync(campaignId);
        Assert.Equal(3, stats.GetProperty("rejected").GetProperty("sold_out").GetInt64());
        Assert.Equal(0, stats.Long("remainingStock"));
    }

    [Theory]
    [InlineData("user")]
    [InlineData("service")]
    public async Task Stats_for_a_non_admin_are_403(string who)
    {
        var campaignId = await NewCampaignAsync();
        var client = who == "service" ? Service : NewUser().Client;
        using var response = await client.GetPathAsync($"/v1/campaigns/{campaignId}/stats");
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("0198f0f0-0000-7000-8000-000000000000")]
    [InlineData("junk")]
    public async Task Stats_of_an_unknown_campaign_are_404(string campaignId)
    {
        using var response = await Admin.GetPathAsync($"/v1/campaigns/{campaignId}/stats");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
    }
}
