using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>POST /v1/checkout/quote: the best of a user's coupons, a given combination priced, each candidate explained, nothing changed.</summary>
public sealed class QuoteTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private static readonly JsonArray Cart = new(
        new JsonObject { ["sku"] = "shoe-1", ["category"] = "shoes", ["quantity"] = 1, ["unitPrice"] = 8_000 },
        new JsonObject { ["sku"] = "sock-1", ["category"] = "socks", ["quantity"] = 4, ["unitPrice"] = 500 });

    [Fact]
    public async Task The_best_combination_of_the_users_coupons_is_chosen_and_every_coupon_is_explained()
    {
        var user = Unique();
        var client = Factory.ClientFor(user);
        var tenOff = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 1_000 }, stacking: "stackable"));
        var halfSocks = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "percent_off", ["percentOff"] = 50 }, stacking: "stackable", categories: ["socks"]));
        var shipping = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "free_shipping" }, stacking: "stackable"));
        var exclusive = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 2_500 }));
        var hats = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 5_000 }, stacking: "stackable", categories: ["hats"]));
        var tooBig = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 9_000 }, minOrderAmount: 50_000));

        var quote = await QuoteAsync(client, new JsonObject { ["items"] = Cart.DeepClone(), ["shippingAmount"] = 700 });

        // 1,000 off everything comes off the shoes first, so half off the socks still finds 2,000: 1,000 + 1,000 + 700.
        Assert.Equal([tenOff, halfSocks, shipping], quote.GetProperty("couponIds").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal((10_000L, 700L, 2_700L, 8_000L), (quote.Long("orderAmount"), quote.Long("shippingAmount"), quote.Long("discount"), quote.Long("payable")));
        Assert.Equal([1_000L, 1_000, 700], quote.GetProperty("lines").EnumerateArray().Select(line => line.Long("discount")));
        var candidates = quote.GetProperty("candidates").EnumerateArray().ToDictionary(c => c.Str("couponId"));
        Assert.Equal((true, 2_500L), (candidates[exclusive].GetProperty("applicable").GetBoolean(), candidates[exclusive].Long("discount")));
        Assert.Equal("out_of_scope", candidates[hats].Str("code"));
        Assert.Equal("below_minimum", candidates[tooBig].Str("code"));
        Assert.Equal("unused", (await GetCouponAsync(client, tenOff)).Str("status"));
    }

    [Fact]
    public async Task Given_coupons_are_priced_together_or_refused_as_not_combinable_or_explained()
    {
        var user = Unique();
        var client = Factory.ClientFor(user);
        var a = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 300 }, stacking: "stackable"));
        var b = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "percent_off", ["percentOff"] = 10 }, stacking: "stackable"));
        var exclusive = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 }));
        var scoped = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 }, stacking: "stackable", categories: ["hats"]));

        var priced = await QuoteAsync(client, new JsonObject { ["orderAmount"] = 5_000, ["couponIds"] = new JsonArray(b, a) });
        Assert.Equal([a, b], priced.GetProperty("couponIds").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal(300 + 470, priced.Long("discount"));

        using (var refused = await client.PostJsonAsync("/v1/checkout/quote", new JsonObject { ["orderAmount"] = 5_000, ["couponIds"] = new JsonArray(a, exclusive) }))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "not_combinable");
        }

        var explained = await QuoteAsync(client, new JsonObject { ["orderAmount"] = 5_000, ["couponIds"] = new JsonArray(a, scoped) });
        Assert.Equal((0, 0L), (explained.GetProperty("couponIds").GetArrayLength(), explained.Long("discount")));
        Assert.Equal("out_of_scope", explained.GetProperty("candidates").EnumerateArray().Single(c => c.Str("couponId") == scoped).Str("code"));
    }

    [Fact]
    public async Task The_service_quotes_for_a_user_and_nobody_quotes_with_someone_elses_coupon()
    {
        var user = Unique();
        var client = Factory.ClientFor(user);
        var coupon = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 300 }));

        var forUser = await QuoteAsync(Service, new JsonObject { ["userId"] = user, ["orderAmount"] = 5_000 });
        Assert.Equal([coupon], forUser.GetProperty("couponIds").EnumerateArray().Select(id => id.GetString()));

        using (var missingUser = await Service.PostJsonAsync("/v1/checkout/quote", new JsonObject { ["orderAmount"] = 5_000 }))
        {
            await missingUser.AssertValidationAsync("userId");
        }

        using (var otherUser = await client.PostJsonAsync("/v1/checkout/quote", new JsonObject { ["userId"] = "someone-else", ["orderAmount"] = 5_000 }))
        {
            await otherUser.AssertValidationAsync("userId");
        }

        var stranger = Factory.ClientFor(Unique());
        using var notTheirs = await stranger.PostJsonAsync("/v1/checkout/quote", new JsonObject { ["orderAmount"] = 5_000, ["couponIds"] = new JsonArray(coupon) });
        await notTheirs.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
    }

    [Theory]
    [InlineData("""{"items":[{"sku":"a","quantity":0,"unitPrice":1}]}""", "items[0].quantity")]
    [InlineData("""{"items":[{"sku":"a","quantity":2,"unitPrice":1000000000000000}]}""", "items[0]")]
    [InlineData("""{"items":[{"sku":"a","quantity":1,"unitPrice":5}],"orderAmount":6}""", "orderAmount")]
    [InlineData("""{"items":[{"quantity":1,"unitPrice":5}]}""", "items[0]")]
    [InlineData("""{}""", "orderAmount")]
    [InlineData("""{"orderAmount":5,"couponIds":[]}""", "couponIds")]
    [InlineData("""{"orderAmount":5,"couponIds":["nope"]}""", "couponIds[0]")]
    [InlineData("""{"orderAmount":5,"shippingAmount":-1}""", "shippingAmount")]
    public async Task A_bad_order_is_400_naming_the_field(string json, string field)
    {
        var client = Factory.ClientFor(Unique());
        using var response = await client.PostRawAsync("/v1/checkout/quote", json);
        await response.AssertValidationAsync(field);
    }

    private static async Task<JsonElement> QuoteAsync(HttpClient caller, JsonObject body)
    {
        using var response = await caller.PostJsonAsync("/v1/checkout/quote", body);
        return await response.AssertStatusAsync(HttpStatusCode.OK);
    }
}
