using System.Net;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>Many requests at once over HTTP: stock, per-user limits, idempotency keys and locks hold.</summary>
public sealed class ConcurrencyTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private static async Task<List<(HttpStatusCode Status, string? Code, string? Id)>> AllAtOnceAsync(IEnumerable<Func<Task<HttpResponseMessage>>> calls)
    {
        using var start = new ManualResetEventSlim(false);
        var tasks = calls.Select(call => Task.Run(async () =>
        {
            start.Wait();
            using var response = await call();
            var text = await response.Content.ReadAsStringAsync();
            using var document = System.Text.Json.JsonDocument.Parse(text);
            var root = document.RootElement;
            string? code = root.TryGetProperty("code", out var c) ? c.GetString() : null;
            string? id = root.TryGetProperty("id", out var i) ? i.GetString()
                : root.TryGetProperty("coupon", out var coupon) ? coupon.GetProperty("id").GetString() : null;
            return (response.StatusCode, code, id);
        })).ToList();
        start.Set();
        return [.. await Task.WhenAll(tasks)];
    }

    [Fact]
    public async Task Many_users_claiming_at_once_never_oversell()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 10));
        var users = Enumerable.Range(0, 60).Select(_ => NewUser().Client).ToList();
        var results = await AllAtOnceAsync(users.Select(u => (Func<Task<HttpResponseMessage>>)(() => u.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))));

        Assert.Equal(10, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Status);
            Assert.Equal("sold_out", r.Code);
        });
        Assert.Equal(10, results.Where(r => r.Id is not null).Select(r => r.Id).Distinct().Count());

        var stats = await StatsAsync(campaignId);
        Assert.Equal(10, stats.Long("issued"));
        Assert.Equal(0, stats.Long("remainingStock"));
        Assert.Equal(50, stats.GetProperty("rejected").GetProperty("sold_out").GetInt64());
    }

    [Fact]
    public async Task One_user_claiming_many_times_at_once_gets_no_more_than_the_limit()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 100, perUserLimit: 3));
        var (_, user) = NewUser();
        var results = await AllAtOnceAsync(Enumerable.Range(0, 30).Select(_ => (Func<Task<HttpResponseMessage>>)(() => user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))));

        Assert.Equal(3, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created), r => Assert.Equal("limit_reached", r.Code));
        using var mine = await user.GetPathAsync("/v1/me/coupons");
        Assert.Equal(3, (await mine.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        Assert.Equal(3, (await GetCampaignAsync(campaignId)).Long("issued"));
    }

    [Fact]
    public async Task The_same_idempotency_key_at_once_gives_one_coupon()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 100, perUserLimit: 10));
        var (_, user) = NewUser();
        var key = "same-" + Unique();
        var results = await AllAtOnceAsync(Enumerable.Range(0, 20).Select(_ => (Func<Task<HttpResponseMessage>>)(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v1/campaigns/{campaignId}/claim", UriKind.Relative));
            request.Headers.Add("Idempotency-Key", key);
            return await user.SendAsync(request);
        })));

        Assert.Equal(1, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.Equal(19, results.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Single(results.Select(r => r.Id).Distinct());
        Assert.Equal(1, (await GetCampaignAsync(campaignId)).Long("issued"));
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("redeem")]
    public async Task Many_orders_at_once_on_one_coupon_let_exactly_one_win(string action)
    {
        var (_, user, campaignId, couponId) = await UserWithCouponAsync();
        var results = await AllAtOnceAsync(Enumerable.Range(0, 20).Select(i => (Func<Task<HttpResponseMessage>>)(() =>
            PostCouponAsync(i % 2 == 0 ? user : Service, couponId, action, Order($"order-{i}", 2000)))));

        Assert.Equal(1, results.Count(r => r.Status == HttpStatusCode.OK));
        var expected = action == "lock" ? "locked_by_other_order" : "already_used";
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Status);
            Assert.Equal(expected, r.Code);
        });

        var stats = await StatsAsync(campaignId);
        Assert.Equal(action == "lock" ? 1 : 0, stats.Long("locked"));
        Assert.Equal(action == "redeem" ? 1 : 0, stats.Long("used"));
    }

    [Fact]
    public async Task The_same_order_redeeming_at_once_succeeds_everywhere_with_one_use()
    {
        var (_, user, campaignId, couponId) = await UserWithCouponAsync();
        var results = await AllAtOnceAsync(Enumerable.Range(0, 20).Select(_ => (Func<Task<HttpResponseMessage>>)(() =>
            PostCouponAsync(user, couponId, "redeem", Order("the-order", 2000)))));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(1, (await StatsAsync(campaignId)).Long("used"));
    }
}
