using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>/v1/orders/{orderId}: an order's coupons locked, used, released and refunded as one, over HTTP.</summary>
public sealed class OrdersApiTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private static readonly JsonArray Cart = new(
        new JsonObject { ["sku"] = "shoe-1", ["category"] = "shoes", ["quantity"] = 1, ["unitPrice"] = 8_000 },
        new JsonObject { ["sku"] = "sock-1", ["category"] = "socks", ["quantity"] = 4, ["unitPrice"] = 500 });

    private async Task<(HttpClient Client, string User, string TenOff, string HalfSocks, string Shipping)> ShopperAsync()
    {
        var (user, client) = NewUser();
        var tenOff = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 1_000 }, stacking: "stackable"));
        var halfSocks = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "percent_off", ["percentOff"] = 50 }, stacking: "stackable", categories: ["socks"]));
        var shipping = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "free_shipping" }, stacking: "stackable"));
        return (client, user, tenOff, halfSocks, shipping);
    }

    private static JsonObject Body(params string[] couponIds) =>
        new() { ["couponIds"] = new JsonArray([.. couponIds.Select(id => (JsonNode)id)]), ["items"] = Cart.DeepClone(), ["shippingAmount"] = 700 };

    private static async Task<JsonElement> OkAsync(HttpClient caller, string path, JsonNode? body = null)
    {
        using var response = body is null ? await caller.PostEmptyAsync(path) : await caller.PostJsonAsync(path, body);
        return await response.AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_order_is_locked_redeemed_and_refunded_as_one_with_each_coupons_line()
    {
        var (client, user, tenOff, halfSocks, shipping) = await ShopperAsync();
        var orderId = "order-" + Unique();

        var locked = await OkAsync(client, $"/v1/orders/{orderId}/lock", Body(shipping, halfSocks, tenOff));

        Assert.Equal((orderId, user, "locked"), (locked.Str("orderId"), locked.Str("userId"), locked.Str("status")));
        Assert.Equal((10_000L, 700L, 2_700L, 8_000L), (locked.Long("orderAmount"), locked.Long("shippingAmount"), locked.Long("discount"), locked.Long("payable")));
        Assert.Equal([(tenOff, 1_000L), (halfSocks, 1_000L), (shipping, 700L)], locked.GetProperty("lines").EnumerateArray().Select(l => (l.Str("couponId"), l.Long("discount"))));
        Assert.All(locked.GetProperty("coupons").EnumerateArray(), c => Assert.Equal(("locked", orderId), (c.Str("status"), c.Str("orderId"))));
        Assert.Equal(locked.ToString(), (await OkAsync(client, $"/v1/orders/{orderId}/lock", Body(tenOff, halfSocks, shipping))).ToString());

        var used = await OkAsync(client, $"/v1/orders/{orderId}/redeem");
        Assert.Equal("used", used.Str("status"));
        Assert.All(used.GetProperty("coupons").EnumerateArray(), c => Assert.Equal("used", c.Str("status")));
        using (var read = await client.GetPathAsync($"/v1/orders/{orderId}"))
        {
            Assert.Equal("used", (await read.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        using (var byUser = await client.PostEmptyAsync($"/v1/orders/{orderId}/refund"))
        {
            await byUser.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        var refunded = await OkAsync(Service, $"/v1/orders/{orderId}/refund", new JsonObject());
        Assert.Equal("refunded", refunded.Str("status"));
        Assert.All(refunded.GetProperty("coupons").EnumerateArray(), c => Assert.Equal("unused", c.Str("status")));
    }

    [Fact]
    public async Task A_refusal_names_the_coupon_and_changes_nothing()
    {
        var (client, _, tenOff, _, shipping) = await ShopperAsync();
        var exclusive = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 }));
        using (var other = await PostCouponAsync(client, shipping, "lock", Order("elsewhere", 5_000)))
        {
            await other.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var taken = await client.PostJsonAsync($"/v1/orders/o-{Unique()}/lock", Body(tenOff, shipping)))
        {
            Assert.Equal(shipping, (await taken.AssertProblemAsync(HttpStatusCode.Conflict, "locked_by_other_order")).Str("couponId"));
        }

        var hats = await ClaimOfAsync(client, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 }, stacking: "stackable", categories: ["hats"]));
        using (var outOfScope = await client.PostJsonAsync($"/v1/orders/o-{Unique()}/lock", Body(tenOff, hats)))
        {
            var problem = await outOfScope.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "out_of_scope");
            Assert.Equal(hats, problem.Str("couponId"));
        }

        using (var notCombinable = await client.PostJsonAsync($"/v1/orders/o-{Unique()}/lock", Body(tenOff, exclusive)))
        {
            await notCombinable.AssertProblemAsync(HttpStatusCode.Conflict, "not_combinable");
        }

        var stranger = Factory.ClientFor("user-" + Unique());
        using (var notTheirs = await stranger.PostJsonAsync($"/v1/orders/o-{Unique()}/lock", Body(tenOff)))
        {
            Assert.Equal(tenOff, (await notTheirs.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found")).Str("couponId"));
        }

        Assert.Equal("unused", (await GetCouponAsync(client, tenOff)).Str("status"));
        using var missing = await client.PostEmptyAsync($"/v1/orders/o-{Unique()}/release");
        await missing.AssertProblemAsync(HttpStatusCode.NotFound, "order_not_found");
    }

    [Fact]
    public async Task The_service_acts_for_a_user_and_nobody_sees_someone_elses_order()
    {
        var (client, user, tenOff, _, _) = await ShopperAsync();
        var orderId = "order-" + Unique();
        var body = Body(tenOff);
        body["userId"] = user;
        await OkAsync(Service, $"/v1/orders/{orderId}/redeem", body);

        using (var read = await client.GetPathAsync($"/v1/orders/{orderId}"))
        {
            Assert.Equal("used", (await read.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        var stranger = Factory.ClientFor("user-" + Unique());
        using (var hidden = await stranger.GetPathAsync($"/v1/orders/{orderId}"))
        {
            await hidden.AssertProblemAsync(HttpStatusCode.NotFound, "order_not_found");
        }

        using (var release = await stranger.PostEmptyAsync($"/v1/orders/{orderId}/release"))
        {
            await release.AssertProblemAsync(HttpStatusCode.NotFound, "order_not_found");
        }

        using var asOther = await client.PostJsonAsync($"/v1/orders/{orderId}/release", new JsonObject { ["userId"] = "someone-else" });
        await asOther.AssertValidationAsync("userId");
    }

    [Fact]
    public async Task A_single_coupon_is_locked_and_redeemed_with_items_and_shipping_at_the_price_it_was_locked_at()
    {
        var (client, _, _, halfSocks, shipping) = await ShopperAsync();
        var body = new JsonObject { ["orderId"] = "o-" + Unique(), ["items"] = Cart.DeepClone(), ["shippingAmount"] = 700 };

        using (var locked = await PostCouponAsync(client, halfSocks, "lock", body))
        {
            var answer = await locked.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal((1_000L, 9_700L, 10_000L), (answer.Long("discount"), answer.Long("payable"), answer.GetProperty("coupon").Long("orderAmount")));
        }

        using (var used = await PostCouponAsync(client, halfSocks, "redeem", new JsonObject { ["orderId"] = body["orderId"]!.GetValue<string>() }))
        {
            Assert.Equal((1_000L, 9_700L), (await used.AssertStatusAsync(HttpStatusCode.OK)) is var u ? (u.Long("discount"), u.Long("payable")) : default);
        }

        using (var oneStep = await PostCouponAsync(client, shipping, "redeem", new JsonObject { ["orderId"] = "o-" + Unique(), ["orderAmount"] = 3_000, ["shippingAmount"] = 450 }))
        {
            Assert.Equal((450L, 3_000L), (await oneStep.AssertStatusAsync(HttpStatusCode.OK)) is var o ? (o.Long("discount"), o.Long("payable")) : default);
        }

        using (var bareAmount = await PostCouponAsync(client, halfSocks, "lock", Order("o-" + Unique(), 5_000)))
        {
            await bareAmount.AssertProblemAsync(HttpStatusCode.Conflict, "already_used");
        }

        using var badItems = await PostCouponAsync(client, shipping, "lock", new JsonObject { ["orderId"] = "o-1", ["items"] = new JsonArray(new JsonObject { ["sku"] = "a", ["quantity"] = 0, ["unitPrice"] = 1 }) });
        await badItems.AssertValidationAsync("items[0].quantity");
        using var shippingAlone = await PostCouponAsync(client, shipping, "lock", new JsonObject { ["orderId"] = "o-1", ["shippingAmount"] = 100 });
        await shippingAlone.AssertValidationAsync("orderAmount");
    }

    [Theory]
    [InlineData("lock", """{"orderAmount":5}""", "couponIds")]
    [InlineData("lock", """{"couponIds":[],"orderAmount":5}""", "couponIds")]
    [InlineData("lock", """{"couponIds":["nope"],"orderAmount":5}""", "couponIds[0]")]
    [InlineData("lock", """{"couponIds":["0193a0a0-0000-7000-8000-000000000001","0193a0a0-0000-7000-8000-000000000001"],"orderAmount":5}""", "couponIds[1]")]
    [InlineData("lock", """{"couponIds":["0193a0a0-0000-7000-8000-000000000001"]}""", "orderAmount")]
    [InlineData("lock", """{"couponIds":["0193a0a0-0000-7000-8000-000000000001"],"items":[{"sku":"a","quantity":2,"unitPrice":1000000000000000}]}""", "items[0]")]
    [InlineData("lock", "", "body")]
    [InlineData("redeem", """{"items":[{"sku":"a","quantity":1,"unitPrice":5}]}""", "couponIds")]
    [InlineData("release", """{"orderAmount":5}""", "couponIds")]
    public async Task A_bad_order_body_is_400_naming_the_field(string action, string json, string field)
    {
        var (_, client) = NewUser();
        using var response = await client.PostRawAsync($"/v1/orders/o-{Unique()}/{action}", json);
        await response.AssertValidationAsync(field);
    }
}
