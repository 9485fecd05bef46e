using System.Net;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>What time changes, over HTTP, on a fake clock: lock lapses, validity windows, claim windows.</summary>
public sealed class TimeTests(FakeTimeApiFactory factory) : ApiTestBase<FakeTimeApiFactory>(factory), IClassFixture<FakeTimeApiFactory>
{
    private DateTimeOffset Now => Factory.Time.GetUtcNow();

    private void Advance(TimeSpan by) => Factory.Time.Advance(by);

    private static string NewOrder() => "order-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task A_lock_lapses_after_lock_ttl_seconds_and_the_coupon_is_unused_again()
    {
        var body = CampaignBody();
        body["lockTtlSeconds"] = 60;
        var (_, user, campaignId, couponId) = await UserWithCouponAsync(body);
        var first = NewOrder();
        var lockedAt = Now;
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(first, 2000)))
        {
            var coupon = (await locked.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("coupon");
            Assert.Equal(lockedAt.AddSeconds(60), coupon.Time("lockExpiresAt"));
        }

        Advance(TimeSpan.FromSeconds(59));
        Assert.Equal("locked", (await GetCouponAsync(user, couponId)).Str("status"));
        using (var other = await PostCouponAsync(Service, couponId, "lock", Order(NewOrder(), 2000)))
        {
            await other.AssertProblemAsync(HttpStatusCode.Conflict, "locked_by_other_order");
        }

        Advance(TimeSpan.FromSeconds(2));
        var lapsed = await GetCouponAsync(user, couponId);
        Assert.Equal("unused", lapsed.Str("status"));
        Assert.True(lapsed.IsNull("orderId"));
        Assert.True(lapsed.IsNull("lockExpiresAt"));

        // The first order's lock is gone: confirming it needs an amount now.
        using (var confirm = await PostCouponAsync(user, couponId, "redeem", Order(first)))
        {
            await confirm.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "order_amount_required");
        }

        // Releasing a lapsed lock is a no-op success.
        using (var release = await PostCouponAsync(user, couponId, "release", Order(first)))
        {
            Assert.Equal("unused", (await release.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        // Another order may take it now.
        var second = NewOrder();
        using (var relock = await PostCouponAsync(Service, couponId, "lock", Order(second, 3000)))
        {
            var result = await relock.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(second, result.GetProperty("coupon").Str("orderId"));
        }

        using (var late = await PostCouponAsync(user, couponId, "redeem", Order(first, 2000)))
        {
            await late.AssertProblemAsync(HttpStatusCode.Conflict, "locked_by_other_order");
        }

        var stats = await StatsAsync(campaignId);
        Assert.Equal(1, stats.Long("released"));
        Assert.Equal(1, stats.Long("locked"));
    }

    [Fact]
    public async Task A_lapsed_lock_is_swept_into_the_counts_without_anyone_touching_the_coupon()
    {
        var body = CampaignBody();
        body["lockTtlSeconds"] = 30;
        var (_, user, campaignId, couponId) = await UserWithCouponAsync(body);
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), 2000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        Assert.Equal(1, (await StatsAsync(campaignId)).Long("locked"));

        // The sweep runs on the store's timer, which the fake clock drives.
        for (var i = 0; i < 5; i++)
        {
            Advance(TimeSpan.FromSeconds(10));
        }

        var stats = await StatsAsync(campaignId);
        Assert.Equal(0, stats.Long("locked"));
        Assert.Equal(1, stats.Long("released"));
    }

    [Fact]
    public async Task A_coupon_past_its_validity_is_expired_and_cannot_be_locked()
    {
        var body = CampaignBody();
        body["validity"] = new JsonObject { ["days"] = 1 };
        var (_, user, campaignId, couponId) = await UserWithCouponAsync(body);

        Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        var coupon = await GetCouponAsync(user, couponId);
        Assert.Equal("expired", coupon.Str("status"));

        using (var lockIt = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), 2000)))
        {
            await lockIt.AssertProblemAsync(HttpStatusCode.Conflict, "coupon_expired");
        }

        using (var redeem = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 2000)))
        {
            await redeem.AssertProblemAsync(HttpStatusCode.Conflict, "coupon_expired");
        }

        using (var list = await user.GetPathAsync("/v1/me/coupons?status=expired"))
        {
            var page = await list.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(couponId, Assert.Single(page.GetProperty("items").EnumerateArray()).Str("id"));
        }

        var stats = await StatsAsync(campaignId);
        Assert.Equal(1, stats.Long("expired"));
        Assert.Equal(2, stats.GetProperty("rejected").GetProperty("coupon_expired").GetInt64());
    }

    [Fact]
    public async Task A_locked_coupon_whose_validity_passes_is_expired()
    {
        var body = CampaignBody();
        body["validity"] = new JsonObject { ["days"] = 1 };
        body["lockTtlSeconds"] = 604_800;
        var (_, user, _, couponId) = await UserWithCouponAsync(body);
        var order = NewOrder();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(order, 2000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.Equal("expired", (await GetCouponAsync(user, couponId)).Str("status"));
        using var confirm = await PostCouponAsync(user, couponId, "redeem", Order(order));
        await confirm.AssertProblemAsync(HttpStatusCode.Conflict, "coupon_expired");
    }

    [Fact]
    public async Task A_used_coupon_does_not_expire_and_its_redemption_replays()
    {
        var body = CampaignBody();
        body["validity"] = new JsonObject { ["days"] = 1 };
        var (_, user, _, couponId) = await UserWithCouponAsync(body);
        var order = NewOrder();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order(order, 2000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        Advance(TimeSpan.FromDays(2));
        Assert.Equal("used", (await GetCouponAsync(user, couponId)).Str("status"));
        using var replay = await PostCouponAsync(user, couponId, "redeem", Order(order));
        Assert.Equal("used", (await replay.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("coupon").Str("status"));
    }

    [Fact]
    public async Task A_refund_after_the_validity_passed_returns_the_coupon_expired()
    {
        var body = CampaignBody();
        body["validity"] = new JsonObject { ["days"] = 1 };
        var (_, user, _, couponId) = await UserWithCouponAsync(body);
        var order = NewOrder();
        using (var used = await PostCouponAsync(user, couponId, "redeem", Order(order, 2000)))
        {
            await used.AssertStatusAsync(HttpStatusCode.OK);
        }

        Advance(TimeSpan.FromDays(2));
        using (var refund = await PostCouponAsync(Service, couponId, "refund", Order(order)))
        {
            Assert.Equal("expired", (await refund.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        using (var again = await PostCouponAsync(Service, couponId, "refund", Order(order)))
        {
            Assert.Equal("expired", (await again.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }
    }

    [Fact]
    public async Task A_coupon_before_its_validity_starts_is_409_coupon_not_yet_valid()
    {
        var body = CampaignBody();
        body["validity"] = new JsonObject { ["from"] = Iso(Now.AddDays(1)), ["to"] = Iso(Now.AddDays(10)) };
        var (_, user, _, couponId) = await UserWithCouponAsync(body);
        var coupon = await GetCouponAsync(user, couponId);
        Assert.Equal("unused", coupon.Str("status"));
        Assert.Equal(Now.AddDays(1), coupon.Time("validFrom"));

        using (var early = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), 2000)))
        {
            await early.AssertProblemAsync(HttpStatusCode.Conflict, "coupon_not_yet_valid");
        }

        using (var earlyRedeem = await PostCouponAsync(user, couponId, "redeem", Order(NewOrder(), 2000)))
        {
            await earlyRedeem.AssertProblemAsync(HttpStatusCode.Conflict, "coupon_not_yet_valid");
        }

        Advance(TimeSpan.FromDays(1));
        using var onTime = await PostCouponAsync(user, couponId, "lock", Order(NewOrder(), 2000));
        await onTime.AssertStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Claims_open_at_claim_starts_at_and_close_at_claim_ends_at()
    {
        var body = CampaignBody(perUserLimit: 5);
        body["claimStartsAt"] = Iso(Now.AddHours(1));
        body["claimEndsAt"] = Iso(Now.AddHours(2));
        var campaignId = await NewCampaignAsync(body);
        var (_, user) = NewUser();

        using (var early = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))
        {
            await early.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");
        }

        Advance(TimeSpan.FromHours(1));
        await ClaimAsync(user, campaignId);

        Advance(TimeSpan.FromHours(1));
        using (var late = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))
        {
            await late.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");
        }

        Assert.Equal(2, (await StatsAsync(campaignId)).GetProperty("rejected").GetProperty("campaign_not_active").GetInt64());
    }

    [Fact]
    public async Task Claims_close_once_an_absolute_validity_has_passed()
    {
        var body = CampaignBody();
        body["validity"] = new JsonObject { ["to"] = Iso(Now.AddHours(1)) };
        var campaignId = await NewCampaignAsync(body);
        await ClaimAsync(NewUser().Client, campaignId);

        Advance(TimeSpan.FromHours(1));
        using var late = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await late.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");
    }
}
