using System.Net;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>
/// POST /v1/coupons/{id}/revoke over HTTP on both stores: who may, what a revoke does to the
/// coupon, its order, the stats and the stock, and what it refuses; the rule itself is held by the
/// store contract (<c>StoreConformance</c>) and Core's tables.
/// </summary>
public abstract class RevokeTests<TFactory>(TFactory factory) : ApiTestBase<TFactory>(factory)
    where TFactory : CouponsApiFactory
{
    protected static JsonObject Reason(string reason = "issued to a test account") => new() { ["reason"] = reason };

    protected Task<HttpResponseMessage> RevokeAsync(string couponId, JsonObject? body = null, HttpClient? client = null) =>
        (client ?? Admin).PostJsonAsync($"/v1/coupons/{couponId}/revoke", body ?? Reason());

    [Fact]
    public async Task An_admin_revokes_a_locked_coupon_its_order_is_refused_and_the_stock_stays_taken()
    {
        var (_, user, campaignId, couponId) = await UserWithCouponAsync(CampaignBody(totalStock: 2));
        var order = "order-" + Unique();
        using (var locked = await PostCouponAsync(Service, couponId, "lock", Order(order, 2_000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var revoked = await RevokeAsync(couponId);
        var coupon = await revoked.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(("revoked", couponId), (coupon.Str("status"), coupon.Str("id")));
        Assert.True(coupon.IsNull("orderId") && coupon.IsNull("lockExpiresAt"));
        using (var again = await RevokeAsync(couponId, Reason("a second reason")))
        {
            Assert.Equal(coupon.ToString(), (await again.AssertStatusAsync(HttpStatusCode.OK)).ToString());
        }

        // The order that held the lock, and any other, meet coupon_revoked; giving the lock back passes.
        using (var redeem = await PostCouponAsync(user, couponId, "redeem", Order(order)))
        {
            await redeem.AssertProblemAsync(HttpStatusCode.Conflict, "coupon_revoked");
        }

        using (var relock = await PostCouponAsync(Service, couponId, "lock", Order("order-" + Unique(), 2_000)))
        {
            await relock.AssertProblemAsync(HttpStatusCode.Conflict, "coupon_revoked");
        }

        using (var release = await PostCouponAsync(Service, couponId, "release", Order(order)))
        {
            Assert.Equal("revoked", (await release.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        Assert.Equal("revoked", (await GetCouponAsync(user, couponId)).Str("status"));
        using (var mine = await user.GetPathAsync("/v1/me/coupons?status=revoked"))
        {
            Assert.Equal(couponId, (await mine.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items")[0].Str("id"));
        }

        // Not returned to stock: one more claim takes the last unit, the next is sold out.
        await ClaimAsync(NewUser().Client, campaignId);
        using (var soldOut = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))
        {
            await soldOut.AssertProblemAsync(HttpStatusCode.Conflict, "sold_out");
        }

        var stats = await StatsAsync(campaignId);
        Assert.Equal((2L, 0L, 0L, 1L, 0L), (stats.Long("issued"), stats.Long("remainingStock"), stats.Long("locked"), stats.Long("revoked"), stats.Long("released")));
        Assert.Equal((2L, 1L), (stats.GetProperty("rejected").Long("coupon_revoked"), stats.GetProperty("rejected").Long("sold_out")));
    }

    [Fact]
    public async Task A_used_coupon_and_one_that_does_not_exist_are_refused()
    {
        var (_, user, campaignId, couponId) = await UserWithCouponAsync();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order("order-" + Unique(), 2_000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var refused = await RevokeAsync(couponId))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "already_used");
        }

        using (var unknown = await RevokeAsync(Guid.CreateVersion7().ToString()))
        {
            await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
        }

        using (var malformed = await RevokeAsync("not-a-coupon"))
        {
            await malformed.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
        }

        Assert.Equal("used", (await GetCouponAsync(user, couponId)).Str("status"));
        Assert.Equal((1L, 0L), ((await StatsAsync(campaignId)).Long("used"), (await StatsAsync(campaignId)).Long("revoked")));
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("other user")]
    [InlineData("service")]
    [InlineData("unknown role")]
    public async Task Only_admins_revoke(string who)
    {
        var (userId, user, _, couponId) = await UserWithCouponAsync();
        var client = who switch
        {
            "owner" => user,
            "other user" => NewUser().Client,
            "service" => Service,
            _ => Factory.ClientFor(userId, "superuser"),
        };

        using (var refused = await RevokeAsync(couponId, client: client))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        using (var anonymous = await RevokeAsync(couponId, client: Anonymous))
        {
            await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }

        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Theory]
    [InlineData("{}", "reason")]
    [InlineData("""{"reason":null}""", "reason")]
    [InlineData("""{"reason":""}""", "reason")]
    [InlineData("""{"reason":"   "}""", "reason")]
    [InlineData("""{"reason":"two\nlines"}""", "reason")]
    [InlineData("""{"reason":"bell\u0007"}""", "reason")]
    [InlineData("""{"reason":5}""", "reason")]
    [InlineData("""{"reason":"fraud","orderId":"o-1"}""", null)]
    [InlineData("""{"reason":"fraud""", null)]
    [InlineData("", "body")]
    public async Task A_revoke_without_a_reason_the_contract_takes_is_400_and_changes_nothing(string body, string? field)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();

        using (var response = await Admin.PostRawAsync($"/v1/coupons/{couponId}/revoke", body))
        {
            await response.AssertValidationAsync(field);
        }

        // The body is read before the id: a bad body is 400 whatever the id.
        using (var unknown = await Admin.PostRawAsync("/v1/coupons/nope/revoke", body))
        {
            await unknown.AssertValidationAsync(field);
        }

        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Fact]
    public async Task A_reason_is_taken_up_to_500_characters()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();

        using (var tooLong = await RevokeAsync(couponId, Reason(new string('r', 501))))
        {
            await tooLong.AssertValidationAsync("reason");
        }

        using (var longest = await RevokeAsync(couponId, Reason(new string('r', 500))))
        {
            await longest.AssertStatusAsync(HttpStatusCode.OK);
        }

        Assert.Equal("revoked", (await GetCouponAsync(user, couponId)).Str("status"));
    }
}

/// <summary>Revokes on the embedded store, on a fake clock: also an expired coupon, and a lock that lapsed before the revoke.</summary>
public sealed class EmbeddedRevokeTests(FakeTimeApiFactory factory) : RevokeTests<FakeTimeApiFactory>(factory), IClassFixture<FakeTimeApiFactory>
{
    [Fact]
    public async Task An_expired_coupon_is_refused_and_a_lapsed_lock_is_counted_released()
    {
        var body = CampaignBody(totalStock: 5);
        body["lockTtlSeconds"] = 60;
        body["validity"] = new JsonObject { ["days"] = 1 };
        var campaignId = await NewCampaignAsync(body);
        var lapsing = await ClaimAsync(NewUser().Client, campaignId);
        var (_, owner) = NewUser();
        var expiring = await ClaimAsync(owner, campaignId);
        using (var locked = await PostCouponAsync(Service, lapsing, "lock", Order("order-" + Unique(), 2_000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        Factory.Time.Advance(TimeSpan.FromSeconds(61));
        using (var revoked = await RevokeAsync(lapsing))
        {
            Assert.Equal("revoked", (await revoked.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        Factory.Time.Advance(TimeSpan.FromDays(1));
        using (var refused = await RevokeAsync(expiring))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "coupon_expired");
        }

        Assert.Equal("expired", (await GetCouponAsync(owner, expiring)).Str("status"));
        var stats = await StatsAsync(campaignId);
        Assert.Equal((0L, 1L, 1L), (stats.Long("locked"), stats.Long("released"), stats.Long("revoked")));
    }
}

/// <summary>Revokes on the Redis store, with its PostgreSQL persister.</summary>
public sealed class RedisRevokeTests(RedisApiFactory factory) : RevokeTests<RedisApiFactory>(factory), IClassFixture<RedisApiFactory>;
