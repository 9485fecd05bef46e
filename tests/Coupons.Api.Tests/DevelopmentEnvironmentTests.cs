using System.Net;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>
/// In Development the framework throws on requests it cannot bind instead of answering 400 itself;
/// the answers must be the same problems as in Production, never the developer exception page.
/// </summary>
public sealed class DevelopmentEnvironmentTests(DevelopmentApiFactory factory) : ApiTestBase<DevelopmentApiFactory>(factory), IClassFixture<DevelopmentApiFactory>
{
    [Theory]
    [InlineData("/v1/campaigns?limit=abc")]
    [InlineData("/v1/campaigns?limit=99999999999")]
    public async Task A_limit_that_does_not_bind_is_a_400_problem(string path)
    {
        using var response = await Admin.GetPathAsync(path);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_limit_that_does_not_bind_on_my_coupons_is_a_400_problem()
    {
        using var response = await NewUser().Client.GetPathAsync("/v1/me/coupons?limit=x");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Broken_json_is_a_400_problem()
    {
        using var response = await Admin.PostRawAsync("/v1/campaigns", "{\"name\":");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_big_body_is_a_413_problem()
    {
        using var response = await Admin.PostRawAsync("/v1/campaigns", new string(' ', 1024 * 1024));
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_problem()
    {
        using var response = await Anonymous.GetPathAsync("/nothing");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_full_happy_path_works_here_too()
    {
        var (_, user, campaignId, couponId) = await UserWithCouponAsync();
        using (var redeemed = await PostCouponAsync(user, couponId, "redeem", Order("o-dev", 2000)))
        {
            await redeemed.AssertStatusAsync(HttpStatusCode.OK);
        }

        Assert.Equal(1, (await StatsAsync(campaignId)).Long("used"));
    }
}
