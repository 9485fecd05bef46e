using System.Net;
using System.Text.Json;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>GET /v1/me/coupons and GET /v1/coupons/{id}.</summary>
public sealed class MyCouponsTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private static async Task<(List<JsonElement> Items, string? NextCursor)> PageAsync(HttpClient client, string query)
    {
        using var response = await client.GetPathAsync("/v1/me/coupons" + query);
        var page = await response.AssertStatusAsync(HttpStatusCode.OK);
        var next = page.GetProperty("nextCursor");
        return ([.. page.GetProperty("items").EnumerateArray()], next.ValueKind == JsonValueKind.Null ? null : next.GetString());
    }

    [Fact]
    public async Task Lists_only_the_callers_coupons_in_pages_oldest_first()
    {
        var (userId, user) = NewUser();
        var coupons = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            coupons.Add(await ClaimAsync(user, await NewCampaignAsync()));
        }

        // Someone else's coupon of the same campaign does not show.
        var (_, other) = NewUser();
        await ClaimAsync(other, await NewCampaignAsync());

        var (all, end) = await PageAsync(user, string.Empty);
        Assert.Equal(coupons.Order(StringComparer.Ordinal), all.Select(c => c.Str("id")));
        Assert.All(all, c => Assert.Equal(userId, c.Str("userId")));
        Assert.Null(end);

        var (first, cursor) = await PageAsync(user, "?limit=2");
        Assert.Equal(2, first.Count);
        Assert.NotNull(cursor);
        var (second, last) = await PageAsync(user, "?limit=2&cursor=" + Uri.EscapeDataString(cursor));
        Assert.Single(second);
        Assert.Null(last);
        Assert.Equal(all.Select(c => c.Str("id")), first.Concat(second).Select(c => c.Str("id")));

        var (exact, none) = await PageAsync(user, "?limit=3");
        Assert.Equal(3, exact.Count);
        Assert.Null(none);
    }

    [Fact]
    public async Task A_user_without_coupons_gets_an_empty_last_page()
    {
        var (items, next) = await PageAsync(NewUser().Client, "?status=unused");
        Assert.Empty(items);
        Assert.Null(next);
    }

    [Fact]
    public async Task The_status_filter_follows_the_lifecycle()
    {
        var (_, user) = NewUser();
        var unused = await ClaimAsync(user, await NewCampaignAsync());
        var locked = await ClaimAsync(user, await NewCampaignAsync());
        var used = await ClaimAsync(user, await NewCampaignAsync());
        using (var response = await PostCouponAsync(user, locked, "lock", Order("o-" + Unique(), 2000)))
        {
            await response.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var response = await PostCouponAsync(user, used, "redeem", Order("o-" + Unique(), 2000)))
        {
            await response.AssertStatusAsync(HttpStatusCode.OK);
        }

        Assert.Equal([unused], (await PageAsync(user, "?status=unused")).Items.Select(c => c.Str("id")));
        Assert.Equal([locked], (await PageAsync(user, "?status=locked")).Items.Select(c => c.Str("id")));
        Assert.Equal([used], (await PageAsync(user, "?status=used")).Items.Select(c => c.Str("id")));
        Assert.Empty((await PageAsync(user, "?status=expired")).Items);
        Assert.Empty((await PageAsync(user, "?status=revoked")).Items);
        Assert.Equal(3, (await PageAsync(user, string.Empty)).Items.Count);
        Assert.Equal("locked", (await PageAsync(user, "?status=locked")).Items[0].Str("status"));
    }

    [Fact]
    public async Task Paging_works_within_a_status_filter()
    {
        var (_, user) = NewUser();
        for (var i = 0; i < 3; i++)
        {
            await ClaimAsync(user, await NewCampaignAsync());
        }

        var (first, cursor) = await PageAsync(user, "?status=unused&limit=2");
        Assert.Equal(2, first.Count);
        Assert.NotNull(cursor);
        var (second, last) = await PageAsync(user, "?status=unused&limit=2&cursor=" + Uri.EscapeDataString(cursor));
        Assert.Single(second);
        Assert.Null(last);
    }

    [Theory]
    [InlineData("status=bogus", "status")]
    [InlineData("status=UNUSED", "status")]
    [InlineData("status=Unused", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("cursor=nope", "cursor")]
    public async Task Bad_query_values_are_400(string query, string field)
    {
        using var response = await NewUser().Client.GetPathAsync("/v1/me/coupons?" + query);
        await response.AssertValidationAsync(field);
    }

    [Fact]
    public async Task A_limit_that_is_not_a_number_is_400()
    {
        using var response = await NewUser().Client.GetPathAsync("/v1/me/coupons?limit=ten");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        using var response = await Anonymous.GetPathAsync("/v1/me/coupons");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Get_coupon_answers_the_owner_the_service_and_an_admin()
    {
        var (userId, user, campaignId, couponId) = await UserWithCouponAsync();
        foreach (var client in new[] { user, Service, Admin })
        {
            var coupon = await GetCouponAsync(client, couponId);
            Assert.Equal(couponId, coupon.Str("id"));
            Assert.Equal(userId, coupon.Str("userId"));
            Assert.Equal(campaignId, coupon.Str("campaignId"));
            Assert.Equal("unused", coupon.Str("status"));
        }
    }

    [Fact]
    public async Task Get_coupon_of_another_user_is_404_as_if_it_did_not_exist()
    {
        var (_, _, _, couponId) = await UserWithCouponAsync();
        using var response = await NewUser().Client.GetPathAsync($"/v1/coupons/{couponId}");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
    }

    [Fact]
    public async Task Get_coupon_of_a_token_with_an_unknown_role_sees_only_its_own()
    {
        var (userId, _, _, couponId) = await UserWithCouponAsync();
        using (var stranger = await Factory.ClientFor("someone-" + Unique(), "auditor").GetPathAsync($"/v1/coupons/{couponId}"))
        {
            await stranger.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
        }

        using var owner = await Factory.ClientFor(userId, "auditor").GetPathAsync($"/v1/coupons/{couponId}");
        await owner.AssertStatusAsync(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("0198f0f0-0000-7000-8000-000000000000")]
    [InlineData("xyz")]
    [InlineData("0198f0f000007000800000000000000000")]
    public async Task Get_coupon_of_an_unknown_or_malformed_id_is_404(string id)
    {
        using var response = await Service.GetPathAsync($"/v1/coupons/{id}");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
    }
}
