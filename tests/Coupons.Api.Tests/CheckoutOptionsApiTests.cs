using System.Net;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>A campaign's checkout options on POST/GET /v1/campaigns: scope, stacking and the free_shipping discount.</summary>
public sealed class CheckoutOptionsApiTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task A_campaign_keeps_its_scope_stacking_and_free_shipping_and_answers_them()
    {
        var body = CampaignBody();
        body["discount"] = new JsonObject { ["type"] = "free_shipping", ["maxDiscount"] = 700 };
        body["scope"] = new JsonObject { ["skus"] = new JsonArray("sku-2", "sku-1", "sku-1"), ["categories"] = new JsonArray("shoes") };
        body["stacking"] = "stackable";

        var created = await CreateCampaignAsync(body);
        var read = await GetCampaignAsync(created.Str("id"));

        foreach (var campaign in new[] { created, read })
        {
            Assert.Equal(("free_shipping", 700L), (campaign.GetProperty("discount").Str("type"), campaign.GetProperty("discount").Long("maxDiscount")));
            Assert.Equal(["sku-1", "sku-2"], campaign.GetProperty("scope").GetProperty("skus").EnumerateArray().Select(sku => sku.GetString()));
            Assert.Equal(["shoes"], campaign.GetProperty("scope").GetProperty("categories").EnumerateArray().Select(category => category.GetString()));
            Assert.Equal("stackable", campaign.Str("stacking"));
        }

        var plain = await CreateCampaignAsync(CampaignBody());
        Assert.Equal("exclusive", plain.Str("stacking"));
        Assert.True(!plain.TryGetProperty("scope", out var none) || none.ValueKind == System.Text.Json.JsonValueKind.Null, "no scope: the whole order");
    }

    [Fact]
    public async Task A_scoped_coupon_locked_or_redeemed_by_an_order_amount_alone_is_422_out_of_scope()
    {
        var campaign = CampaignBody();
        campaign["scope"] = new JsonObject { ["categories"] = new JsonArray("shoes") };
        var (_, user, campaignId, couponId) = await UserWithCouponAsync(campaign);

        using (var locked = await PostCouponAsync(user, couponId, "lock", Order("o-1", 5_000)))
        {
            await locked.AssertProblemAsync((HttpStatusCode)422, "out_of_scope");
        }

        using (var redeemed = await PostCouponAsync(user, couponId, "redeem", Order("o-1", 5_000)))
        {
            await redeemed.AssertProblemAsync((HttpStatusCode)422, "out_of_scope");
        }

        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
        Assert.Equal(2, (await StatsAsync(campaignId)).GetProperty("rejected").Long("out_of_scope"));
    }

    public static TheoryData<string, string, string> BadOptions => new()
    {
        { "stacking", "\"both\"", "stacking" },
        { "scope", "{}", "scope" },
        { "scope", "{\"skus\":[\"\"]}", "scope.skus[0]" },
        { "scope", "{\"categories\":[\"ok\",\"bad\\u0001\"]}", "scope.categories[1]" },
        { "discount", "{\"type\":\"free_shipping\",\"amountOff\":100}", "discount.amountOff" },
        { "discount", "{\"type\":\"free_shipping\",\"maxDiscount\":0}", "discount.maxDiscount" },
        { "discount", "{\"type\":\"free_lunch\"}", "discount.type" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Bad_options_are_400_naming_the_field(string property, string json, string field)
    {
        var body = CampaignBody();
        body[property] = JsonNode.Parse(json);
        using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
        await response.AssertValidationAsync(field);
    }

    [Fact]
    public async Task A_scope_of_more_than_a_hundred_entries_is_400()
    {
        var body = CampaignBody();
        body["scope"] = new JsonObject { ["skus"] = new JsonArray([.. Enumerable.Range(0, 101).Select(i => (JsonNode)$"sku-{i}")]) };
        using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
        await response.AssertValidationAsync("scope");
    }
}
