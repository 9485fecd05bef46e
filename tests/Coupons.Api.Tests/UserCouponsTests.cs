using System.Net;
using System.Text.Json;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>GET /v1/users/{userId}/coupons on both stores: any user's coupons for the service and admins, paged and filtered as /v1/me/coupons.</summary>
public abstract class UserCouponsTests<TFactory>(TFactory factory) : ApiTestBase<TFactory>(factory)
    where TFactory : CouponsApiFactory
{
    private static async Task<(List<JsonElement> Items, string? NextCursor)> PageAsync(HttpClient client, string path)
    {
        using var response = await client.GetPathAsync(path);
        var page = await response.AssertStatusAsync(HttpStatusCode.OK);
        var next = page.GetProperty("nextCursor");
        return ([.. page.GetProperty("items").EnumerateArray()], next.ValueKind == JsonValueKind.Null ? null : next.GetString());
    }

    [Theory]
    [InlineData("service")]
    [InlineData("admin")]
    public async Task The_service_and_admins_list_a_users_coupons_as_the_user_sees_them(string role)
    {
        var caller = role == "service" ? Service : Admin;
        // An id with characters that need escaping in a path.
        var userId = "mail+" + Unique() + "@example.com";
        var user = Factory.ClientFor(userId);
        var coupons = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            coupons.Add(await ClaimAsync(user, await NewCampaignAsync()));
        }

        await ClaimAsync(NewUser().Client, await NewCampaignAsync());
        using (var locked = await PostCouponAsync(user, coupons[1], "lock", Order("order-" + Unique(), 2_000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        var path = $"/v1/users/{Uri.EscapeDataString(userId)}/coupons";
        var (all, end) = await PageAsync(caller, path);
        Assert.Equal(coupons.Order(StringComparer.Ordinal), all.Select(c => c.Str("id")));
        Assert.All(all, c => Assert.Equal(userId, c.Str("userId")));
        Assert.Null(end);
        Assert.Equal((await PageAsync(user, "/v1/me/coupons")).Items.Select(c => c.ToString()), all.Select(c => c.ToString()));

        var (first, cursor) = await PageAsync(caller, path + "?limit=2");
        var (second, last) = await PageAsync(caller, path + "?limit=2&cursor=" + Uri.EscapeDataString(cursor!));
        Assert.Equal(all.Select(c => c.Str("id")), first.Concat(second).Select(c => c.Str("id")));
        Assert.Null(last);

        Assert.Equal([coupons[1]], (await PageAsync(caller, path + "?status=locked")).Items.Select(c => c.Str("id")));
        Assert.Equal(2, (await PageAsync(caller, path + "?status=unused")).Items.Count);
        Assert.Empty((await PageAsync(caller, path + "?status=revoked")).Items);
    }

    [Fact]
    public async Task A_user_without_coupons_has_an_empty_last_page()
    {
        var (items, next) = await PageAsync(Service, $"/v1/users/nobody-{Unique()}/coupons");
        Assert.Empty(items);
        Assert.Null(next);
    }

    [Theory]
    [InlineData("user")]
    [InlineData("unknown role")]
    public async Task Nobody_else_lists_a_users_coupons_not_even_their_own(string who)
    {
        var (userId, user) = NewUser();
        var client = who == "user" ? user : Factory.ClientFor(userId, "superuser");

        using var refused = await client.GetPathAsync($"/v1/users/{userId}/coupons");
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using var anonymous = await Anonymous.GetPathAsync($"/v1/users/{userId}/coupons");
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("?status=active", "status")]
    [InlineData("?status=Unused", "status")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=201", "limit")]
    [InlineData("?cursor=not-a-cursor", "cursor")]
    public async Task Bad_queries_are_validation_problems(string query, string field)
    {
        using var response = await Service.GetPathAsync($"/v1/users/someone/coupons{query}");
        await response.AssertValidationAsync(field);
    }

    [Theory]
    [InlineData(129)]
    [InlineData(1000)]
    public async Task A_user_id_longer_than_a_token_subject_can_be_is_400(int length)
    {
        using var response = await Admin.GetPathAsync($"/v1/users/{new string('u', length)}/coupons");
        await response.AssertValidationAsync("userId");
    }

    [Fact]
    public async Task A_user_id_of_white_space_is_400()
    {
        using var response = await Admin.GetPathAsync("/v1/users/%20%20/coupons");
        await response.AssertValidationAsync("userId");
    }
}

public sealed class EmbeddedUserCouponsTests(CouponsApiFactory factory) : UserCouponsTests<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>;

public sealed class RedisUserCouponsTests(RedisApiFactory factory) : UserCouponsTests<RedisApiFactory>(factory), IClassFixture<RedisApiFactory>;
