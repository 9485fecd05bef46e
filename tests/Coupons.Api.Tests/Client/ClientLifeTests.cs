using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;

namespace Coupons.Api.Tests.Client;

/// <summary>
/// A coupon's whole life through <see cref="CouponsClient"/> against the real service, written once
/// and run on the embedded store and on the Redis store: what the typed calls send is what the
/// service takes, and what it answers reads back typed.
/// </summary>
public abstract class ClientLifeTests<TFactory>(TFactory factory) : ClientTestBase(factory)
    where TFactory : CouponsApiFactory
{
    [Fact]
    public async Task A_coupon_is_claimed_replayed_locked_released_redeemed_and_refunded()
    {
        var admin = Admin;
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("Black Friday", new PercentOffDiscount(20, MaxDiscount: 5_000), 5, Validity.ForDays(30))
        {
            MinOrderAmount = 1_000,
            PerUserLimit = 2,
        });
        Assert.Equal((new PercentOffDiscount(20, 5_000), CampaignStatus.Active, 5L, 30), (campaign.Discount, campaign.Status, campaign.RemainingStock, campaign.Validity.Days));

        var user = Client.WithBearerToken(CouponsApiFactory.Token("user-" + Unique()));
        var key = "key-" + Unique();
        var claimed = await user.ClaimAsync(campaign.Id, key);
        var replayed = await user.ClaimAsync(campaign.Id, key);
        Assert.Equal((false, true, claimed.Coupon.Id), (claimed.IsReplay, replayed.IsReplay, replayed.Coupon.Id));
        Assert.Equal((CouponStatus.Unused, campaign.Id, key), (claimed.Coupon.Status, claimed.Coupon.CampaignId, claimed.IdempotencyKey));

        var couponId = claimed.Coupon.Id;
        var locked = await Service.LockAsync(couponId, "order-1", 12_345);
        Assert.Equal((2_469L, 9_876L, CouponStatus.Locked, "order-1"), (locked.Discount, locked.Payable, locked.Coupon.Status, locked.Coupon.OrderId));
        Assert.Equal(CouponStatus.Unused, (await user.ReleaseAsync(couponId, "order-1")).Status);

        await user.LockAsync(couponId, "order-2", 20_000);
        var redeemed = await Service.RedeemAsync(couponId, "order-2");
        var redeemedAgain = await Service.RedeemAsync(couponId, "order-2");
        Assert.Equal((CouponStatus.Used, 4_000L), (redeemed.Coupon.Status, redeemed.Discount));
        Assert.Equal(redeemed.Coupon.UsedAt, redeemedAgain.Coupon.UsedAt);

        Assert.Equal(CouponStatus.Unused, (await Service.RefundAsync(couponId, "order-2")).Status);
        Assert.Equal(CouponStatus.Unused, (await user.GetCouponAsync(couponId)).Status);

        var stats = await admin.GetStatsAsync(campaign.Id);
        Assert.Equal((5L, 1L, 4L, 0L, 1L, 1L), (stats.TotalStock, stats.Issued, stats.RemainingStock, stats.Used, stats.Released, stats.Refunded));
    }

    [Fact]
    public async Task Listings_follow_next_cursor_page_after_page()
    {
        var admin = Admin;
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("Paging", new AmountOffDiscount(500), 10, Validity.ForDays(30)) { PerUserLimit = 5 });
        var user = Client.WithBearerToken(CouponsApiFactory.Token("user-" + Unique()));
        var claimed = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            claimed.Add((await user.ClaimAsync(campaign.Id)).Coupon.Id);
        }

        var first = await user.ListMyCouponsPageAsync(limit: 2);
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.NextCursor);

        var all = new List<Guid>();
        await foreach (var coupon in user.ListMyCouponsAsync(pageSize: 2))
        {
            all.Add(coupon.Id);
        }

        Assert.Equal(claimed, all);
        Assert.Equal(5, await user.ListMyCouponsAsync(CouponStatus.Unused, pageSize: 3).CountAsync());
        Assert.Equal(0, await user.ListMyCouponsAsync(CouponStatus.Used).CountAsync());

        var more = await admin.CreateCampaignAsync(new NewCampaign("Paging 2", new ThresholdDiscount(10_000, 1_500), 1, Validity.Between(null, DateTimeOffset.UtcNow.AddDays(7))));
        var campaigns = await admin.ListCampaignsAsync(pageSize: 1).Select(c => c.Id).ToListAsync();
        Assert.Contains(campaign.Id, campaigns);
        Assert.Contains(more.Id, campaigns);
        Assert.Equal(campaigns.Count, campaigns.Distinct().Count());
        Assert.Equal(new ThresholdDiscount(10_000, 1_500), (await admin.GetCampaignAsync(more.Id)).Discount);
    }

    [Fact]
    public async Task Refusals_come_back_as_typed_problems_with_their_codes()
    {
        var admin = Admin;
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("One", new AmountOffDiscount(500), 1, Validity.ForDays(30)) { MinOrderAmount = 1_000 });
        var first = Client.WithBearerToken(CouponsApiFactory.Token("user-" + Unique()));
        var second = Client.WithBearerToken(CouponsApiFactory.Token("user-" + Unique()));
        var coupon = (await first.ClaimAsync(campaign.Id)).Coupon;

        var soldOut = await second.TryClaimAsync(campaign.Id);
        Assert.Equal((false, 409, ProblemCode.SoldOut), (soldOut.IsSuccess, soldOut.Status, soldOut.Code));
        var limit = await Assert.ThrowsAsync<CouponsApiException>(() => first.ClaimAsync(campaign.Id));
        Assert.Equal((ProblemCode.LimitReached, System.Net.HttpStatusCode.Conflict), (limit.Code, limit.StatusCode));

        var below = await first.TryLockAsync(coupon.Id, "order-1", 999);
        Assert.Equal((422, ProblemCode.BelowMinimum), (below.Status, below.Code));
        var notMine = await second.TryLockAsync(coupon.Id, "order-1", 2_000);
        Assert.Equal((404, ProblemCode.CouponNotFound), (notMine.Status, notMine.Code));
        Assert.Equal(ProblemCode.NotRedeemed, (await Service.TryRefundAsync(coupon.Id, "order-1")).Code);
        Assert.Equal(ProblemCode.CampaignNotFound, (await Assert.ThrowsAsync<CouponsApiException>(() => admin.GetCampaignAsync(Guid.NewGuid()))).Code);
        Assert.Equal(ProblemCode.Forbidden, (await Assert.ThrowsAsync<CouponsApiException>(() => first.GetStatsAsync(campaign.Id))).Code);
        Assert.Equal(ProblemCode.Unauthorized, (await Assert.ThrowsAsync<CouponsApiException>(() => Client.ListMyCouponsPageAsync())).Code);

        var invalid = await Assert.ThrowsAsync<CouponsApiException>(() =>
            admin.CreateCampaignAsync(new NewCampaign("Bad", new PercentOffDiscount(150), 1, Validity.ForDays(30))));
        Assert.Equal(ProblemCode.ValidationFailed, invalid.Code);
        Assert.True(invalid.Problem.Errors!.ContainsKey("discount.percentOff"), string.Join(", ", invalid.Problem.Errors.Keys));

        var stats = await admin.GetStatsAsync(campaign.Id);
        Assert.Equal((1L, 1L), (stats.Rejected[ProblemCode.SoldOut], stats.Rejected[ProblemCode.LimitReached]));
    }

    [Fact]
    public async Task A_campaign_is_paused_resumed_restocked_and_ended()
    {
        var admin = Admin;
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("Status", new AmountOffDiscount(100), 1, Validity.ForDays(1)));
        var user = Client.WithBearerToken(CouponsApiFactory.Token("user-" + Unique()));

        Assert.Equal(CampaignStatus.Paused, (await admin.PauseCampaignAsync(campaign.Id)).Status);
        Assert.Equal(ProblemCode.CampaignNotActive, (await user.TryClaimAsync(campaign.Id)).Code);
        Assert.Equal(CampaignStatus.Active, (await admin.ResumeCampaignAsync(campaign.Id)).Status);
        Assert.Equal(3L, (await admin.AddStockAsync(campaign.Id, 2)).TotalStock);
        Assert.True((await user.TryClaimAsync(campaign.Id)).IsSuccess);
        Assert.Equal(CampaignStatus.Ended, (await admin.EndCampaignAsync(campaign.Id)).Status);
        Assert.Equal(CampaignStatus.Ended, (await admin.EndCampaignAsync(campaign.Id)).Status);
        Assert.Equal(ProblemCode.CampaignEnded, (await Assert.ThrowsAsync<CouponsApiException>(() => admin.AddStockAsync(campaign.Id, 1))).Code);
    }

    [Fact]
    public async Task An_admin_revokes_a_coupon_and_the_service_lists_the_users_coupons()
    {
        var admin = Admin;
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("Revoked", new AmountOffDiscount(500), 3, Validity.ForDays(30)) { PerUserLimit = 3 });
        var userId = "user-" + Unique();
        var user = Client.WithBearerToken(CouponsApiFactory.Token(userId));
        var kept = (await user.ClaimAsync(campaign.Id)).Coupon.Id;
        var taken = (await user.ClaimAsync(campaign.Id)).Coupon.Id;
        var used = (await user.ClaimAsync(campaign.Id)).Coupon.Id;
        await Service.LockAsync(taken, "order-1", 2_000);
        await Service.RedeemAsync(used, "order-2", 2_000);

        var revoked = await admin.RevokeAsync(taken, "issued by mistake");
        Assert.Equal((CouponStatus.Revoked, (string?)null), (revoked.Status, revoked.OrderId));
        Assert.Equal(revoked, await admin.RevokeAsync(taken, "again"));
        var refused = await admin.TryRevokeAsync(used, "too late");
        Assert.Equal((409, ProblemCode.AlreadyUsed), (refused.Status, refused.Code));
        Assert.Equal((409, ProblemCode.CouponRevoked), ((await Service.TryRedeemAsync(taken, "order-1")).Status, (await Service.TryRedeemAsync(taken, "order-1")).Code));
        Assert.Equal(ProblemCode.Forbidden, (await Service.TryRevokeAsync(kept, "not an admin")).Code);

        Assert.Equal([kept, taken, used], await Service.ListUserCouponsAsync(userId, pageSize: 2).Select(c => c.Id).ToListAsync());
        Assert.Equal([taken], await admin.ListUserCouponsAsync(userId, CouponStatus.Revoked).Select(c => c.Id).ToListAsync());
        var page = await Service.ListUserCouponsPageAsync(userId, limit: 1);
        Assert.Equal([kept], page.Items.Select(c => c.Id));
        Assert.NotNull(page.NextCursor);
        Assert.Equal(ProblemCode.Forbidden, (await Assert.ThrowsAsync<CouponsApiException>(() => user.ListUserCouponsPageAsync(userId))).Code);

        var stats = await admin.GetStatsAsync(campaign.Id);
        Assert.Equal((3L, 0L, 1L, 1L, 0L), (stats.Issued, stats.Locked, stats.Used, stats.Revoked, stats.RemainingStock));
    }

    [Fact]
    public async Task End_users_list_the_campaigns_open_to_claims_and_admins_filter_by_status()
    {
        var admin = Admin;
        var open = await admin.CreateCampaignAsync(new NewCampaign("Open", new AmountOffDiscount(100), 5, Validity.ForDays(1)));
        var paused = await admin.PauseCampaignAsync((await admin.CreateCampaignAsync(new NewCampaign("Paused", new AmountOffDiscount(100), 5, Validity.ForDays(1)))).Id);
        var user = Client.WithBearerToken(CouponsApiFactory.Token("user-" + Unique()));

        var listed = await user.ListCampaignsAsync(CampaignStatus.Active, pageSize: 1).ToListAsync();
        Assert.Contains(listed, c => c.Id == open.Id);
        Assert.All(listed, c => Assert.Equal(CampaignStatus.Active, c.Status));
        Assert.DoesNotContain(listed, c => c.Id == paused.Id);
        Assert.Contains(paused.Id, await admin.ListCampaignsAsync(CampaignStatus.Paused).Select(c => c.Id).ToListAsync());
        Assert.Equal(ProblemCode.Forbidden, (await Assert.ThrowsAsync<CouponsApiException>(() => user.ListCampaignsPageAsync())).Code);
        Assert.Equal(ProblemCode.Forbidden, (await Assert.ThrowsAsync<CouponsApiException>(() => user.ListCampaignsPageAsync(CampaignStatus.Ended))).Code);
    }
}

/// <summary>The client against the service on its embedded store.</summary>
public sealed class EmbeddedClientLifeTests(CouponsApiFactory factory) : ClientLifeTests<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>;

/// <summary>The client against the service on the Redis store with its PostgreSQL persister.</summary>
public sealed class RedisClientLifeTests(RedisApiFactory factory) : ClientLifeTests<RedisApiFactory>(factory), IClassFixture<RedisApiFactory>;
