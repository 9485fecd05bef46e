using Coupons.Core;

namespace Coupons.Embedded.Tests;

/// <summary>
/// Whatever the store acknowledged is rebuilt from disk by a new store on the same folder, and what
/// time alone changes (lapsed locks, passed validity) is seen at once and swept into the counters.
/// </summary>
public sealed class RecoveryTests
{
    private const long Second = 1_000;
    private const long Hour = 3_600_000;

    [Fact]
    public async Task Campaign_creation_status_changes_and_added_stock_survive_reopening()
    {
        using var test = TestStore.Create();
        var now = test.NowMs;
        var definition = new CampaignDefinition
        {
            Name = "Spring sale",
            Discount = Discount.PercentOffOf(15, maxDiscount: 2_000),
            MinOrderAmount = 5_000,
            PerUserLimit = 3,
            ClaimStartsAtMs = now - Hour,
            ClaimEndsAtMs = now + (48 * Hour),
            Validity = Validity.Absolute(now, now + (72 * Hour)),
            LockTtlSeconds = 120,
        };
        var created = await test.Store.CreateCampaignAsync(definition, 10);
        var other = await test.Store.CreateCampaignAsync(Terms.AmountOff(name: "Other"), 3);
        Assert.Equal(CampaignStatus.Active, created.Status);

        test.Reopen();
        Assert.Equal(created, await test.Store.GetCampaignAsync(created.Id));
        Assert.Equal(other, await test.Store.GetCampaignAsync(other.Id));

        var paused = await test.Store.ChangeCampaignStatusAsync(created.Id, CampaignCommand.Pause);
        Assert.Equal(Outcome.Ok, paused.Outcome);
        test.Reopen();
        Assert.Equal(CampaignStatus.Paused, (await test.Store.GetCampaignAsync(created.Id))!.Status);
        Assert.Equal(Outcome.CampaignNotActive, (await test.Store.ClaimAsync(created.Id, "u1", null)).Outcome);
        Assert.Equal(Outcome.Replayed, (await test.Store.ChangeCampaignStatusAsync(created.Id, CampaignCommand.Pause)).Outcome);

        Assert.Equal(Outcome.Ok, (await test.Store.ChangeCampaignStatusAsync(created.Id, CampaignCommand.Resume)).Outcome);
        var added = await test.Store.AddStockAsync(created.Id, 5);
        Assert.Equal(Outcome.Ok, added.Outcome);
        Assert.Equal(15, added.Campaign!.TotalStock);
        Assert.Equal(Outcome.Ok, (await test.Store.ClaimAsync(created.Id, "u1", null)).Outcome);
        test.Reopen();
        var resumed = (await test.Store.GetCampaignAsync(created.Id))!;
        Assert.Equal(CampaignStatus.Active, resumed.Status);
        Assert.Equal(15, resumed.TotalStock);
        Assert.Equal(1, resumed.Issued);
        Assert.Equal(14, resumed.RemainingStock);
        Assert.Equal(definition, resumed.Definition);
        Assert.Equal(created.CreatedAtMs, resumed.CreatedAtMs);

        Assert.Equal(Outcome.Ok, (await test.Store.ChangeCampaignStatusAsync(created.Id, CampaignCommand.End)).Outcome);
        test.Reopen();
        var ended = (await test.Store.GetCampaignAsync(created.Id))!;
        Assert.Equal(CampaignStatus.Ended, ended.Status);
        Assert.Equal(15, ended.TotalStock);
        Assert.Equal(Outcome.CampaignEnded, (await test.Store.AddStockAsync(created.Id, 1)).Outcome);
        Assert.Equal(Outcome.CampaignEnded, (await test.Store.ChangeCampaignStatusAsync(created.Id, CampaignCommand.Resume)).Outcome);
        Assert.Equal(Outcome.CampaignEnded, (await test.Store.ChangeCampaignStatusAsync(created.Id, CampaignCommand.Pause)).Outcome);
        Assert.Equal(Outcome.Replayed, (await test.Store.ChangeCampaignStatusAsync(created.Id, CampaignCommand.End)).Outcome);
        Assert.Equal(Outcome.CampaignNotActive, (await test.Store.ClaimAsync(created.Id, "u2", null)).Outcome);
        Assert.Equal(CampaignStatus.Active, (await test.Store.GetCampaignAsync(other.Id))!.Status);

        // Listing after a restart: both campaigns, in id order, one per page.
        var first = await test.Store.ListCampaignsAsync(CampaignFilter.All, null, 1);
        var second = await test.Store.ListCampaignsAsync(CampaignFilter.All, first.NextAfter, 1);
        var all = await test.Store.ListCampaignsAsync(CampaignFilter.All, null, 10);
        Assert.NotNull(first.NextAfter);
        Assert.Null(all.NextAfter);
        Assert.Equal(all.Items.Select(c => c.Id), first.Items.Concat(second.Items).Select(c => c.Id));
        Assert.Equal(new[] { created.Id, other.Id }.Order(), all.Items.Select(c => c.Id));
        Assert.Null((await test.Store.ListCampaignsAsync(CampaignFilter.All, second.Items[0].Id, 1)).NextAfter);
    }

    [Fact]
    public async Task A_coupon_life_of_claim_lock_redeem_and_refund_survives_reopening_at_every_step()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(amountOff: 700, minOrderAmount: 1_000, lockTtlSeconds: 600), 5);

        var claimed = await test.Store.ClaimAsync(campaign.Id, "carol", null);
        Assert.Equal(Outcome.Ok, claimed.Outcome);
        var id = claimed.Coupon!.Id;
        Assert.Equal(test.NowMs + (30 * 24 * Hour), claimed.Coupon.ValidToMs);
        test.Reopen();
        Assert.Equal(claimed.Coupon, (await test.Store.GetCouponAsync(id, "carol")).Coupon);
        Assert.Equal(Outcome.CouponNotFound, (await test.Store.GetCouponAsync(id, "mallory")).Outcome);

        test.Time.Advance(TimeSpan.FromSeconds(10));
        var locked = await test.Store.LockAsync(id, "carol", "order-A", 3_000);
        Assert.Equal(Outcome.Ok, locked.Outcome);
        Assert.Equal(new DiscountQuote(true, 700, 2_300), locked.Quote);
        Assert.Equal(test.NowMs + (600 * Second), locked.Coupon!.LockExpiresAtMs);
        test.Reopen();
        Assert.Equal(locked.Coupon, (await test.Store.GetCouponAsync(id, null)).Coupon);
        Assert.Equal(1, (await test.Store.GetStatsAsync(campaign.Id))!.Locked);
        var relock = await test.Store.LockAsync(id, null, "order-A", 3_000);
        Assert.Equal(Outcome.Replayed, relock.Outcome);
        Assert.Equal(locked.Coupon, relock.Coupon);
        Assert.Equal(Outcome.LockedByOtherOrder, (await test.Store.LockAsync(id, null, "order-B", 3_000)).Outcome);

        test.Time.Advance(TimeSpan.FromSeconds(10));
        var redeemed = await test.Store.RedeemAsync(id, "carol", "order-A", null);
        Assert.Equal(Outcome.Ok, redeemed.Outcome);
        Assert.Equal(new DiscountQuote(true, 700, 2_300), redeemed.Quote);
        Assert.Equal(CouponStatus.Used, redeemed.Coupon!.Status);
        Assert.Equal(test.NowMs, redeemed.Coupon.UsedAtMs);
        test.Reopen();
        Assert.Equal(redeemed.Coupon, (await test.Store.GetCouponAsync(id, null)).Coupon);
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 1L, 0L), (stats.Locked, stats.Used, stats.Refunded));
        Assert.Equal(Outcome.Replayed, (await test.Store.RedeemAsync(id, null, "order-A", 3_000)).Outcome);
        Assert.Equal(Outcome.AlreadyUsed, (await test.Store.RedeemAsync(id, null, "order-B", 3_000)).Outcome);
        Assert.Equal(Outcome.AlreadyUsed, (await test.Store.RefundAsync(id, null, "order-B")).Outcome);

        test.Time.Advance(TimeSpan.FromSeconds(10));
        var refunded = await test.Store.RefundAsync(id, null, "order-A");
        Assert.Equal(Outcome.Ok, refunded.Outcome);
        Assert.Equal(CouponStatus.Unused, refunded.Coupon!.Status);
        Assert.Null(refunded.Coupon.OrderId);
        test.Reopen();
        Assert.Equal(refunded.Coupon, (await test.Store.GetCouponAsync(id, null)).Coupon);
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 0L, 1L, 0L), (stats.Locked, stats.Used, stats.Refunded, stats.Released));
        Assert.Equal(1, stats.Issued);
        Assert.Equal(3, stats.Rejected.Values.Sum()); // locked_by_other_order + 2 × already_used
        // The refund is remembered on disk, so repeating it is still a no-op success.
        Assert.Equal(Outcome.Replayed, (await test.Store.RefundAsync(id, null, "order-A")).Outcome);

        // And the coupon can be used again, by another order.
        Assert.Equal(Outcome.Ok, (await test.Store.RedeemAsync(id, null, "order-B", 1_000)).Outcome);
        test.Reopen();
        var again = (await test.Store.GetCouponAsync(id, null)).Coupon!;
        Assert.Equal((CouponStatus.Used, "order-B"), (again.Status, again.OrderId));
        Assert.Equal(Outcome.Replayed, (await test.Store.RefundAsync(id, null, "order-A")).Outcome);
    }

    [Fact]
    public async Task An_idempotency_key_replays_the_same_coupon_after_reopening()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 2), 3);
        var first = await test.Store.ClaimAsync(campaign.Id, "dave", "checkout-1");
        Assert.Equal(Outcome.Ok, first.Outcome);

        test.Reopen();
        var replay = await test.Store.ClaimAsync(campaign.Id, "dave", "checkout-1");
        Assert.Equal(Outcome.Replayed, replay.Outcome);
        Assert.Equal(first.Coupon, replay.Coupon);
        Assert.Equal(1, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);

        // The key belongs to the user: another user with the same key gets a coupon of their own.
        var erin = await test.Store.ClaimAsync(campaign.Id, "erin", "checkout-1");
        Assert.Equal(Outcome.Ok, erin.Outcome);
        Assert.NotEqual(first.Coupon!.Id, erin.Coupon!.Id);
        var second = await test.Store.ClaimAsync(campaign.Id, "dave", "checkout-2");
        Assert.Equal(Outcome.Ok, second.Outcome);

        // Sold out and ended: a replay still answers with the coupon given before.
        Assert.Equal(Outcome.Ok, (await test.Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End)).Outcome);
        test.Reopen();
        Assert.Equal(first.Coupon.Id, (await test.Store.ClaimAsync(campaign.Id, "dave", "checkout-1")).Coupon!.Id);
        Assert.Equal(second.Coupon!.Id, (await test.Store.ClaimAsync(campaign.Id, "dave", "checkout-2")).Coupon!.Id);
        Assert.Equal(erin.Coupon.Id, (await test.Store.ClaimAsync(campaign.Id, "erin", "checkout-1")).Coupon!.Id);
        Assert.Equal(Outcome.CampaignNotActive, (await test.Store.ClaimAsync(campaign.Id, "dave", "checkout-3")).Outcome);
        Assert.Equal(3, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task A_lapsed_lock_is_unused_at_once_and_swept_into_the_counters()
    {
        // The timer must not fire within the test's fake time: the sweep is called by hand.
        using var test = TestStore.Create(o => o.SweepInterval = TimeSpan.FromSeconds(10));
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 2, lockTtlSeconds: 2), 5);
        var id = (await test.Store.ClaimAsync(campaign.Id, "frank", null)).Coupon!.Id;
        var other = (await test.Store.ClaimAsync(campaign.Id, "frank", null)).Coupon!.Id;
        Assert.Equal(Outcome.Ok, (await test.Store.LockAsync(id, null, "order-A", 2_000)).Outcome);
        test.Time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(Outcome.Ok, (await test.Store.LockAsync(other, null, "order-B", 2_000)).Outcome);

        test.Time.Advance(TimeSpan.FromMilliseconds(1_499));
        Assert.Equal(CouponStatus.Locked, (await test.Store.GetCouponAsync(id, null)).Coupon!.Status);
        Assert.Equal(0, test.Store.Sweep());

        test.Time.Advance(TimeSpan.FromMilliseconds(1)); // lockExpiresAt == now: lapsed
        var seen = (await test.Store.GetCouponAsync(id, null)).Coupon!;
        Assert.Equal(CouponStatus.Unused, seen.Status);
        Assert.Null(seen.OrderId);
        Assert.Null(seen.LockExpiresAtMs);
        var listed = await test.Store.ListUserCouponsAsync("frank", CouponStatus.Locked, null, 10);
        Assert.Equal(other, Assert.Single(listed.Items).Id);
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((2L, 0L), (stats.Locked, stats.Released)); // not swept yet

        Assert.Equal(1, test.Store.Sweep());
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((1L, 1L), (stats.Locked, stats.Released));
        Assert.Equal(0, test.Store.Sweep());

        test.Time.Advance(TimeSpan.FromMilliseconds(500)); // the other lock lapses, and is not swept before the restart
        test.Reopen();
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((1L, 1L), (stats.Locked, stats.Released));
        Assert.Equal(CouponStatus.Unused, (await test.Store.GetCouponAsync(id, null)).Coupon!.Status);

        // The other lapsed lock was never swept: it is on disk as locked, seen as unused, and the
        // recovered store sweeps it.
        Assert.Equal(CouponStatus.Unused, (await test.Store.GetCouponAsync(other, null)).Coupon!.Status);
        Assert.Equal(1, test.Store.Sweep());
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 2L), (stats.Locked, stats.Released));

        // A lapsed lock does not hold the coupon: another order takes it.
        Assert.Equal(Outcome.Ok, (await test.Store.LockAsync(id, null, "order-C", 2_000)).Outcome);
        Assert.Equal(Outcome.Ok, (await test.Store.ReleaseAsync(id, null, "order-C")).Outcome);
        Assert.Equal(Outcome.Replayed, (await test.Store.ReleaseAsync(id, null, "order-C")).Outcome);
        test.Reopen();
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 3L), (stats.Locked, stats.Released));
    }

    [Fact]
    public async Task The_background_sweep_counts_a_lapsed_lock_without_being_called()
    {
        using var test = TestStore.Create(o => o.SweepInterval = TimeSpan.FromSeconds(1));
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(lockTtlSeconds: 5), 5);
        var id = (await test.Store.ClaimAsync(campaign.Id, "gina", null)).Coupon!.Id;
        Assert.Equal(Outcome.Ok, (await test.Store.LockAsync(id, null, "order-A", 2_000)).Outcome);

        test.Time.Advance(TimeSpan.FromSeconds(6)); // the fake clock fires the sweep timer
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 1L), (stats.Locked, stats.Released));
        test.Reopen();
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 1L), (stats.Locked, stats.Released));
    }

    [Fact]
    public async Task A_coupon_past_its_validity_is_expired_at_once_and_swept_into_the_counters()
    {
        using var test = TestStore.Create(o => o.SweepInterval = TimeSpan.FromSeconds(5));
        var start = test.NowMs;
        var campaign = await test.Store.CreateCampaignAsync(
            Terms.AmountOff(perUserLimit: 3, validity: Validity.Absolute(null, start + (3 * Second))), 5);
        var unused = (await test.Store.ClaimAsync(campaign.Id, "hank", null)).Coupon!;
        var locked = (await test.Store.ClaimAsync(campaign.Id, "hank", null)).Coupon!;
        var used = (await test.Store.ClaimAsync(campaign.Id, "hank", null)).Coupon!;
        Assert.Equal((start, start + (3 * Second)), (unused.ValidFromMs, unused.ValidToMs));
        Assert.Equal(Outcome.Ok, (await test.Store.LockAsync(locked.Id, null, "order-L", 2_000)).Outcome);
        Assert.Equal(Outcome.Ok, (await test.Store.RedeemAsync(used.Id, null, "order-U", 2_000)).Outcome);

        test.Time.Advance(TimeSpan.FromSeconds(3)); // validTo == now: expired
        Assert.Equal(CouponStatus.Expired, (await test.Store.GetCouponAsync(unused.Id, null)).Coupon!.Status);
        Assert.Equal(CouponStatus.Expired, (await test.Store.GetCouponAsync(locked.Id, null)).Coupon!.Status);
        Assert.Equal(CouponStatus.Used, (await test.Store.GetCouponAsync(used.Id, null)).Coupon!.Status); // a used coupon never expires
        var page = await test.Store.ListUserCouponsAsync("hank", CouponStatus.Expired, null, 10);
        Assert.Equal(new[] { unused.Id, locked.Id }.Order(), page.Items.Select(c => c.Id));
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 1L, 1L), (stats.Expired, stats.Locked, stats.Used));
        Assert.Equal(Outcome.CampaignNotActive, (await test.Store.ClaimAsync(campaign.Id, "ivan", null)).Outcome);

        Assert.Equal(2, test.Store.Sweep());
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((2L, 0L, 1L), (stats.Expired, stats.Locked, stats.Used));

        Assert.Equal(Outcome.CouponExpired, (await test.Store.LockAsync(unused.Id, null, "order-X", 2_000)).Outcome);
        Assert.Equal(Outcome.CouponExpired, (await test.Store.RedeemAsync(locked.Id, null, "order-L", null)).Outcome);
        Assert.Equal(Outcome.Replayed, (await test.Store.RedeemAsync(used.Id, null, "order-U", null)).Outcome);

        // Refunded after its validity, a coupon comes back expired.
        var refunded = await test.Store.RefundAsync(used.Id, null, "order-U");
        Assert.Equal(Outcome.Ok, refunded.Outcome);
        Assert.Equal(CouponStatus.Expired, refunded.Coupon!.Status);

        test.Reopen();
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((3L, 0L, 0L, 1L, 3L), (stats.Expired, stats.Locked, stats.Used, stats.Refunded, stats.Issued));
        Assert.Equal(1, stats.Rejected.GetValueOrDefault("campaign_not_active"));
        Assert.Equal(2, stats.Rejected.GetValueOrDefault("coupon_expired"));
        foreach (var coupon in new[] { unused, locked, used })
        {
            Assert.Equal(CouponStatus.Expired, (await test.Store.GetCouponAsync(coupon.Id, "hank")).Coupon!.Status);
        }
    }

    [Fact]
    public async Task A_users_coupons_page_by_id_with_a_status_filter_before_and_after_reopening()
    {
        using var test = TestStore.Create();
        var campaigns = new List<CampaignInfo>();
        for (var c = 0; c < 3; c++)
        {
            campaigns.Add(await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 5, name: "Campaign " + c), 10));
        }

        var ids = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            test.Time.Advance(TimeSpan.FromMilliseconds(3));
            var claimed = await test.Store.ClaimAsync(campaigns[i % 3].Id, "judy", null);
            Assert.Equal(Outcome.Ok, claimed.Outcome);
            ids.Add(claimed.Coupon!.Id);
        }

        Assert.Equal(Outcome.Ok, (await test.Store.ClaimAsync(campaigns[0].Id, "karl", null)).Outcome);
        var usedIds = new[] { ids[1], ids[4], ids[5], ids[9], ids[11] };
        var lockedIds = new[] { ids[2], ids[7] };
        foreach (var id in usedIds)
        {
            Assert.Equal(Outcome.Ok, (await test.Store.RedeemAsync(id, "judy", "order-" + id, 2_000)).Outcome);
        }

        foreach (var id in lockedIds)
        {
            Assert.Equal(Outcome.Ok, (await test.Store.LockAsync(id, "judy", "order-" + id, 2_000)).Outcome);
        }

        for (var pass = 0; pass < 2; pass++)
        {
            Assert.Equal(ids.Order(), await ListAllAsync(test.Store, "judy", null, 5, expectedPages: 3));
            Assert.Equal(ids.Order(), await ListAllAsync(test.Store, "judy", null, 12, expectedPages: 1));
            Assert.Equal(ids.Order(), await ListAllAsync(test.Store, "judy", null, 1, expectedPages: 12));
            Assert.Equal(usedIds.Order(), await ListAllAsync(test.Store, "judy", CouponStatus.Used, 2, expectedPages: 3));
            Assert.Equal(lockedIds.Order(), await ListAllAsync(test.Store, "judy", CouponStatus.Locked, 2, expectedPages: 1));
            Assert.Equal(ids.Except(usedIds).Except(lockedIds).Order(), await ListAllAsync(test.Store, "judy", CouponStatus.Unused, 4, expectedPages: 2));
            Assert.Empty(await ListAllAsync(test.Store, "judy", CouponStatus.Expired, 4, expectedPages: 1));
            Assert.Empty(await ListAllAsync(test.Store, "nobody", null, 4, expectedPages: 1));
            Assert.Single(await ListAllAsync(test.Store, "karl", null, 4, expectedPages: 1));

            // Continuing after an id returns only larger ids, whether or not that id is in the filter.
            var afterUnused = await test.Store.ListUserCouponsAsync("judy", CouponStatus.Used, ids[3], 10);
            Assert.Equal(usedIds.Where(id => id.CompareTo(ids[3]) > 0).Order(), afterUnused.Items.Select(c => c.Id));
            Assert.Null(afterUnused.NextAfter);
            test.Reopen();
        }
    }

    /// <summary>Pages through a user's coupons; checks the page sizes, the cursor, and the order.</summary>
    private static async Task<List<Guid>> ListAllAsync(EmbeddedCouponStore store, string user, CouponStatus? status, int limit, int expectedPages)
    {
        var ids = new List<Guid>();
        Guid? after = null;
        var pages = 0;
        while (true)
        {
            var page = await store.ListUserCouponsAsync(user, status, after, limit);
            pages++;
            Assert.True(page.Items.Count <= limit);
            Assert.All(page.Items, c => Assert.Equal(user, c.UserId));
            if (status is { } wanted)
            {
                Assert.All(page.Items, c => Assert.Equal(wanted, c.Status));
            }

            ids.AddRange(page.Items.Select(c => c.Id));
            if (page.NextAfter is not { } next)
            {
                break;
            }

            Assert.Equal(limit, page.Items.Count);
            Assert.Equal(page.Items[^1].Id, next);
            after = next;
        }

        Assert.Equal(expectedPages, pages);
        Assert.Equal(ids.Order(), ids);
        return ids;
    }
}
