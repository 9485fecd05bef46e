using System.Globalization;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Conformance;

/// <summary>The admin's operations on every store: revoking a coupon, and listing campaigns through a filter.</summary>
public abstract partial class StoreConformance
{
    private const string Reason = "issued to a test account";

    /// <summary>CouponRules.Revoke's outcomes in order, on every store: coupon_not_found → coupon_expired → already_used → ok, a revoked coupon replayed.</summary>
    [Fact]
    public async Task A_revoke_takes_an_unused_or_locked_coupon_back_once_and_keeps_the_stock_taken()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(), 4);
        var (alice, bob, carol) = (await ClaimAsync(campaign, "alice"), await ClaimAsync(campaign, "bob"), await ClaimAsync(campaign, "carol"));
        await Store.LockAsync(bob.Id, "bob", "order-1", 3_000);
        await Store.RedeemAsync(carol.Id, null, "order-2", 3_000);

        Assert.Equal(new CouponResult(Outcome.CouponNotFound, null), await Store.RevokeAsync(Guid.CreateVersion7(), Reason));
        var revoked = await Store.RevokeAsync(alice.Id, Reason);
        Assert.Equal(new CouponResult(Outcome.Ok, alice with { Status = CouponStatus.Revoked }), revoked);
        Assert.Equal(revoked with { Outcome = Outcome.Replayed }, await Store.RevokeAsync(alice.Id, "another reason"));
        var dropped = await Store.RevokeAsync(bob.Id, Reason);
        Assert.Equal(new CouponResult(Outcome.Ok, bob with { Status = CouponStatus.Revoked }), dropped);
        var used = await Store.RevokeAsync(carol.Id, Reason);
        Assert.Equal((Outcome.AlreadyUsed, CouponStatus.Used), (used.Outcome, used.Coupon!.Status));

        // Shown revoked to its owner, listed by status, and the stock it took stays taken.
        Assert.Equal(revoked.Coupon, (await Store.GetCouponAsync(alice.Id, "alice")).Coupon);
        Assert.Equal([alice.Id], (await Store.ListUserCouponsAsync("alice", CouponStatus.Revoked, null, 10)).Items.Select(c => c.Id));
        Assert.Equal(Outcome.Ok, (await Store.ClaimAsync(campaign.Id, "dave", null)).Outcome);
        Assert.Equal(Outcome.SoldOut, (await Store.ClaimAsync(campaign.Id, "erin", null)).Outcome);
        Assert.Equal(Outcome.LimitReached, (await Store.ClaimAsync(campaign.Id, "alice", null)).Outcome); // a revoked coupon still counts

        var stats = (await Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((4L, 0L, 0L, 1L, 2L, 0L), (stats.Issued, stats.RemainingStock, stats.Locked, stats.Used, stats.Revoked, stats.Released));
        Assert.Equal(new Dictionary<string, long> { ["already_used"] = 1, ["sold_out"] = 1, ["limit_reached"] = 1 }, stats.Rejected);
    }

    [Fact]
    public async Task The_order_whose_lock_was_revoked_is_refused_coupon_revoked_and_its_release_passes()
    {
        var coupon = await ClaimOneAsync();
        await Store.LockAsync(coupon.Id, "alice", "order-1", 3_000);
        await Store.RevokeAsync(coupon.Id, Reason);

        var redeem = await Store.RedeemAsync(coupon.Id, "alice", "order-1", null);
        Assert.Equal((Outcome.CouponRevoked, CouponStatus.Revoked, (string?)null), (redeem.Outcome, redeem.Coupon!.Status, redeem.Coupon.OrderId));
        Assert.Equal(Outcome.CouponRevoked, (await Store.RedeemAsync(coupon.Id, null, "order-2", 3_000)).Outcome);
        Assert.Equal(Outcome.CouponRevoked, (await Store.LockAsync(coupon.Id, null, "order-2", 3_000)).Outcome);
        Assert.Equal((Outcome.Replayed, CouponStatus.Revoked), Summary(await Store.ReleaseAsync(coupon.Id, null, "order-1")));
        Assert.Equal(Outcome.NotRedeemed, (await Store.RefundAsync(coupon.Id, null, "order-1")).Outcome);

        // Revoked for good: past its validity it is still revoked, and nothing is swept.
        Time.Advance(TimeSpan.FromDays(31));
        await SweepAsync(Store);
        Assert.Equal(CouponStatus.Revoked, (await Store.GetCouponAsync(coupon.Id, null)).Coupon!.Status);
        var stats = (await Store.GetStatsAsync(coupon.CampaignId))!;
        Assert.Equal((0L, 0L, 0L, 1L, 0L), (stats.Locked, stats.Used, stats.Expired, stats.Revoked, stats.Released));
        Assert.Equal(new Dictionary<string, long> { ["coupon_revoked"] = 3, ["not_redeemed"] = 1 }, stats.Rejected);
    }

    [Fact]
    public async Task An_expired_coupon_is_refused_and_a_lapsed_lock_is_counted_released_before_the_revoke()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(lockTtlSeconds: 30, validDays: 1), 10);
        var lapsing = await ClaimAsync(campaign, "alice");
        var expiring = await ClaimAsync(campaign, "bob");
        await Store.LockAsync(lapsing.Id, null, "order-1", 3_000);

        Time.Advance(TimeSpan.FromSeconds(30));
        var revoked = await Store.RevokeAsync(lapsing.Id, Reason);
        Assert.Equal((Outcome.Ok, CouponStatus.Revoked), Summary(revoked));
        Time.Advance(TimeSpan.FromDays(1));
        var refused = await Store.RevokeAsync(expiring.Id, Reason);
        Assert.Equal((Outcome.CouponExpired, CouponStatus.Expired), Summary(refused));

        await SweepAsync(Store);
        var stats = (await Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 1L, 1L, 1L), (stats.Locked, stats.Released, stats.Expired, stats.Revoked));
        Assert.Equal(new Dictionary<string, long> { ["coupon_expired"] = 1 }, stats.Rejected);
    }

    [Fact]
    public async Task A_revoke_racing_the_orders_leaves_one_winner()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(), 10);
        var coupons = new List<Coupon>();
        for (var i = 0; i < 6; i++)
        {
            coupons.Add(await ClaimAsync(campaign, "user-" + i.ToString(CultureInfo.InvariantCulture)));
        }

        foreach (var coupon in coupons)
        {
            await Store.LockAsync(coupon.Id, null, "order-1", 3_000);
            var redeem = Task.Run(() => Store.RedeemAsync(coupon.Id, null, "order-1", null).AsTask());
            var others = Task.Run(() => Store.RedeemAsync(coupon.Id, null, "order-2", 3_000).AsTask());
            var revoke = Task.Run(() => Store.RevokeAsync(coupon.Id, Reason).AsTask());
            var (redeemed, other, revoked) = (await redeem, await others, await revoke);

            var shown = (await Store.GetCouponAsync(coupon.Id, null)).Coupon!;
            if (revoked.Outcome == Outcome.Ok)
            {
                Assert.Equal(CouponStatus.Revoked, shown.Status);
                Assert.Equal(Outcome.CouponRevoked, redeemed.Outcome);
            }
            else
            {
                Assert.Equal((Outcome.AlreadyUsed, Outcome.Ok, CouponStatus.Used), (revoked.Outcome, redeemed.Outcome, shown.Status));
            }

            Assert.Contains(other.Outcome, new[] { Outcome.LockedByOtherOrder, Outcome.AlreadyUsed, Outcome.CouponRevoked });
        }

        var stats = (await Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 6L), (stats.Locked, stats.Used + stats.Revoked));
    }

    [Fact]
    public async Task A_revoke_needs_a_reason_the_api_would_take()
    {
        var coupon = await ClaimOneAsync();

        foreach (var reason in new[] { "", "   ", "line\nbreak", new string('x', StoreLimits.MaxReasonLength + 1) })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => Store.RevokeAsync(coupon.Id, reason).AsTask());
        }

        Assert.Equal(Outcome.Ok, (await Store.RevokeAsync(coupon.Id, new string('x', StoreLimits.MaxReasonLength))).Outcome);
    }

    /// <summary>CampaignFilter.Matches on every store: a stored status, or open to claims now (status, window, absolute validity).</summary>
    [Fact]
    public async Task Campaigns_are_listed_by_status_or_as_open_to_claims_page_by_page()
    {
        var now = Start.ToUnixTimeMilliseconds();
        var open = await Store.CreateCampaignAsync(Terms(), 5);
        var paused = await Store.CreateCampaignAsync(Terms(), 5);
        var ended = await Store.CreateCampaignAsync(Terms(), 5);
        var later = await Store.CreateCampaignAsync(Terms() with { ClaimStartsAtMs = now + 3_600_000 }, 5);
        var closing = await Store.CreateCampaignAsync(Terms() with { ClaimEndsAtMs = now + 60_000 }, 5);
        var soldOut = await Store.CreateCampaignAsync(Terms(), 1);
        await Store.ChangeCampaignStatusAsync(paused.Id, CampaignCommand.Pause);
        await Store.ChangeCampaignStatusAsync(ended.Id, CampaignCommand.End);
        await Store.ClaimAsync(soldOut.Id, "alice", null);

        var active = new[] { open, later, closing, soldOut };
        Assert.Equal(Ids(open, paused, ended, later, closing, soldOut), await ListAllAsync(CampaignFilter.All, 4));
        Assert.Equal(Ids(active), await ListAllAsync(CampaignFilter.WithStatus(CampaignStatus.Active), 1));
        Assert.Equal(Ids(paused), await ListAllAsync(CampaignFilter.WithStatus(CampaignStatus.Paused), 2));
        Assert.Equal(Ids(ended), await ListAllAsync(CampaignFilter.WithStatus(CampaignStatus.Ended), 5));
        Assert.Equal(Ids(open, closing, soldOut), await ListAllAsync(CampaignFilter.Claimable, 2));

        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(Ids(open, later, soldOut), await ListAllAsync(CampaignFilter.Claimable, 1));
        Assert.Equal(Ids(active), await ListAllAsync(CampaignFilter.WithStatus(CampaignStatus.Active), 3));
        var listed = (await Store.ListCampaignsAsync(CampaignFilter.Claimable, null, 10)).Items;
        Assert.Equal((await Task.WhenAll(listed.Select(c => Store.GetCampaignAsync(c.Id).AsTask()))).Select(c => c!), listed);
    }

    private async Task<Coupon> ClaimAsync(CampaignInfo campaign, string user)
    {
        var claim = await Store.ClaimAsync(campaign.Id, user, null);
        Assert.Equal(Outcome.Ok, claim.Outcome);
        return claim.Coupon!;
    }

    /// <summary>A campaign's checkout options (scope, stacking, free shipping) are kept as given, and a campaign without them reads with the defaults.</summary>
    [Fact]
    public async Task A_campaigns_checkout_options_are_kept()
    {
        Assert.Empty(Scope.Create(["sku-1", "sku-2"], ["shoes"], out var scope));
        var terms = Terms() with { Discount = Discount.FreeShippingOf(700), Scope = scope, Stacking = Stacking.Stackable };

        var created = await Store.CreateCampaignAsync(terms, 5);
        var plain = await Store.CreateCampaignAsync(Terms(), 5);

        var read = (await Store.GetCampaignAsync(created.Id))!.Definition;
        Assert.Equal((Discount.FreeShippingOf(700), scope, Stacking.Stackable), (read.Discount, read.Scope, read.Stacking));
        Assert.Equal(terms.ToCheckoutTerms(), read.ToCheckoutTerms());
        var defaults = (await Store.GetCampaignAsync(plain.Id))!.Definition;
        Assert.Equal(((Scope?)null, Stacking.Exclusive), (defaults.Scope, defaults.Stacking));
    }

    /// <summary>Every campaign the filter lists, page by page: no page over the limit, in id order, each once.</summary>
    private async Task<List<Guid>> ListAllAsync(CampaignFilter filter, int limit)
    {
        var all = new List<Guid>();
        Guid? after = null;
        do
        {
            var page = await Store.ListCampaignsAsync(filter, after, limit);
            Assert.InRange(page.Items.Count, 0, limit);
            all.AddRange(page.Items.Select(c => c.Id));
            after = page.NextAfter;
        }
        while (after is not null);

        Assert.Equal(all.Order(), all);
        Assert.Equal(all.Count, all.Distinct().Count());
        return all;
    }

    private static List<Guid> Ids(params CampaignInfo[] campaigns) => [.. campaigns.Select(c => c.Id).Order()];

    private static (Outcome, CouponStatus?) Summary(CouponResult result) => (result.Outcome, result.Coupon?.Status);

    private static (Outcome, CouponStatus?) Summary(Redemption result) => (result.Outcome, result.Coupon?.Status);
}
