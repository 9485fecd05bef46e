using System.Globalization;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Conformance;

/// <summary>
/// The behaviour every <see cref="ICouponStore"/> must have, from DESIGN.md: outcomes in their order
/// of precedence, idempotency, the four invariants under concurrency, redemption and its counters,
/// and time (lock lapses, expiry) on a fake clock. A store's test project derives from this class
/// and says how to open its store.
/// </summary>
public abstract partial class StoreConformance : IAsyncLifetime
{
    /// <summary>The clock starts here: 2025-06-15T00:00:00Z.</summary>
    protected static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(Start);

    protected ICouponStore Store { get; private set; } = null!;

    /// <summary>A new, empty store on <paramref name="time"/>, ready for requests.</summary>
    protected abstract Task<ICouponStore> OpenAsync(FakeTimeProvider time);

    /// <summary>Runs the store's sweeper once (lapsed locks and passed validities into the stats); returns the coupons it changed.</summary>
    protected abstract Task<int> SweepAsync(ICouponStore store);

    /// <summary>Closes the store and frees what <see cref="OpenAsync"/> made.</summary>
    protected abstract Task CloseAsync(ICouponStore store);

    public async Task InitializeAsync() => Store = await OpenAsync(Time);

    public Task DisposeAsync() => CloseAsync(Store);

    protected static CampaignDefinition Terms(int perUserLimit = 1, long minOrderAmount = 1_000, int lockTtlSeconds = 60, int validDays = 30) => new()
    {
        Name = "Conformance",
        Discount = Discount.AmountOffOf(500),
        MinOrderAmount = minOrderAmount,
        PerUserLimit = perUserLimit,
        LockTtlSeconds = lockTtlSeconds,
        Validity = Validity.Relative(validDays),
    };

    private async Task<Coupon> ClaimOneAsync(CampaignDefinition? terms = null, string user = "alice")
    {
        var campaign = await Store.CreateCampaignAsync(terms ?? Terms(), 10);
        var claim = await Store.ClaimAsync(campaign.Id, user, null);
        Assert.Equal(Outcome.Ok, claim.Outcome);
        return claim.Coupon!;
    }

    [Fact]
    public async Task Claim_refusals_come_in_the_contract_order_and_are_counted()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(perUserLimit: 1), 2);

        Assert.Equal(Outcome.CampaignNotFound, (await Store.ClaimAsync(Guid.CreateVersion7(), "alice", null)).Outcome);
        Assert.Equal(Outcome.Ok, (await Store.ClaimAsync(campaign.Id, "alice", null)).Outcome);
        Assert.Equal(Outcome.LimitReached, (await Store.ClaimAsync(campaign.Id, "alice", null)).Outcome);
        Assert.Equal(Outcome.Ok, (await Store.ClaimAsync(campaign.Id, "bob", null)).Outcome);
        Assert.Equal(Outcome.SoldOut, (await Store.ClaimAsync(campaign.Id, "carol", null)).Outcome);
        Assert.Equal(Outcome.LimitReached, (await Store.ClaimAsync(campaign.Id, "alice", null)).Outcome);
        await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause);
        Assert.Equal(Outcome.CampaignNotActive, (await Store.ClaimAsync(campaign.Id, "alice", null)).Outcome);

        var stats = (await Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((2L, 2L, 0L), (stats.TotalStock, stats.Issued, stats.RemainingStock));
        Assert.Equal(new Dictionary<string, long> { ["limit_reached"] = 2, ["sold_out"] = 1, ["campaign_not_active"] = 1 }, stats.Rejected);
    }

    [Fact]
    public async Task An_idempotency_key_gives_one_coupon_per_user_and_campaign()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(perUserLimit: 2), 10);
        var first = await Store.ClaimAsync(campaign.Id, "alice", "k");

        var replay = await Store.ClaimAsync(campaign.Id, "alice", "k");
        var bob = await Store.ClaimAsync(campaign.Id, "bob", "k");
        await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End);
        var afterEnd = await Store.ClaimAsync(campaign.Id, "alice", "k");

        Assert.Equal((Outcome.Replayed, first.Coupon), (replay.Outcome, replay.Coupon));
        Assert.Equal(Outcome.Ok, bob.Outcome);
        Assert.Equal((Outcome.Replayed, first.Coupon), (afterEnd.Outcome, afterEnd.Coupon));
        Assert.Equal(2, (await Store.GetCampaignAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task Each_of_a_users_idempotency_keys_replays_its_own_coupon()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(perUserLimit: 5), 10);
        string[] keys = ["a", "b", "c"];
        var claimed = new List<Coupon>();
        foreach (var key in keys)
        {
            claimed.Add((await Store.ClaimAsync(campaign.Id, "alice", key)).Coupon!);
        }

        var unkeyed = await Store.ClaimAsync(campaign.Id, "alice", null);
        var replays = new List<CouponResult>();
        foreach (var key in keys.Reverse())
        {
            replays.Add(await Store.ClaimAsync(campaign.Id, "alice", key));
        }

        Assert.Equal(3, claimed.Select(c => c.Id).Distinct().Count());
        Assert.Equal(Outcome.Ok, unkeyed.Outcome);
        Assert.DoesNotContain(unkeyed.Coupon!.Id, claimed.Select(c => c.Id));
        Assert.Equal(claimed.AsEnumerable().Reverse().Select(c => (Outcome.Replayed, c.Id)), replays.Select(r => (r.Outcome, r.Coupon!.Id)));
        Assert.Equal(4, (await Store.GetCampaignAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task Concurrent_claims_keep_stock_and_limits()
    {
        const int stock = 100;
        var campaign = await Store.CreateCampaignAsync(Terms(perUserLimit: 2), stock);
        var users = Enumerable.Range(0, 80).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

        var results = await Task.WhenAll(users.SelectMany(u => Enumerable.Range(0, 3).Select(_ => Task.Run(() => Store.ClaimAsync(campaign.Id, u, null).AsTask()))));

        var granted = results.Where(r => r.Outcome == Outcome.Ok).Select(r => r.Coupon!).ToList();
        Assert.Equal(stock, granted.Count);
        Assert.Equal(stock, granted.Select(c => c.Id).Distinct().Count());
        Assert.All(granted.GroupBy(c => c.UserId), g => Assert.InRange(g.Count(), 1, 2));
        Assert.All(results.Where(r => r.Outcome != Outcome.Ok), r => Assert.Contains(r.Outcome, new[] { Outcome.SoldOut, Outcome.LimitReached }));
        Assert.Equal(stock, (await Store.GetStatsAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task Lock_redeem_and_refund_move_the_coupon_and_the_counters()
    {
        var coupon = await ClaimOneAsync();

        var locked = await Store.LockAsync(coupon.Id, "alice", "order-1", 3_000);
        Assert.Equal(Outcome.Ok, locked.Outcome);
        Assert.Equal(new DiscountQuote(true, 500, 2_500), locked.Quote);
        Assert.Equal((CouponStatus.Locked, "order-1", 3_000L), (locked.Coupon!.Status, locked.Coupon.OrderId, locked.Coupon.OrderAmount));
        Assert.Equal(Start.AddSeconds(60).ToUnixTimeMilliseconds(), locked.Coupon.LockExpiresAtMs);
        Assert.Equal(1, (await Store.GetStatsAsync(coupon.CampaignId))!.Locked);

        var again = await Store.LockAsync(coupon.Id, "alice", "order-1", 3_000);
        Assert.Equal((Outcome.Replayed, locked.Quote), (again.Outcome, again.Quote));
        Assert.Equal(Outcome.LockedByOtherOrder, (await Store.LockAsync(coupon.Id, null, "order-2", 3_000)).Outcome);
        Assert.Equal(Outcome.OrderMismatch, (await Store.LockAsync(coupon.Id, null, "order-1", 4_000)).Outcome);

        var used = await Store.RedeemAsync(coupon.Id, null, "order-1", null);
        Assert.Equal((Outcome.Ok, CouponStatus.Used), (used.Outcome, used.Coupon!.Status));
        Assert.Equal(Outcome.Replayed, (await Store.RedeemAsync(coupon.Id, null, "order-1", 3_000)).Outcome);
        Assert.Equal(Outcome.AlreadyUsed, (await Store.RedeemAsync(coupon.Id, null, "order-2", 3_000)).Outcome);

        var refunded = await Store.RefundAsync(coupon.Id, null, "order-1");
        Assert.Equal((Outcome.Ok, CouponStatus.Unused), (refunded.Outcome, refunded.Coupon!.Status));
        Assert.Equal(Outcome.Replayed, (await Store.RefundAsync(coupon.Id, null, "order-1")).Outcome);

        var stats = (await Store.GetStatsAsync(coupon.CampaignId))!;
        Assert.Equal((0L, 0L, 1L, 0L), (stats.Locked, stats.Used, stats.Refunded, stats.Released));
        Assert.Equal(new Dictionary<string, long> { ["locked_by_other_order"] = 1, ["order_mismatch"] = 1, ["already_used"] = 1 }, stats.Rejected);
        Assert.Equal(refunded.Coupon, (await Store.GetCouponAsync(coupon.Id, "alice")).Coupon);
    }

    [Fact]
    public async Task Redemption_refusals_follow_the_contract()
    {
        var coupon = await ClaimOneAsync();

        Assert.Equal(Outcome.CouponNotFound, (await Store.LockAsync(coupon.Id, "mallory", "order-1", 3_000)).Outcome);
        Assert.Equal(Outcome.BelowMinimum, (await Store.LockAsync(coupon.Id, null, "order-1", 999)).Outcome);
        Assert.Equal(Outcome.OrderAmountRequired, (await Store.RedeemAsync(coupon.Id, null, "order-1", null)).Outcome);
        Assert.Equal(Outcome.NotRedeemed, (await Store.RefundAsync(coupon.Id, null, "order-1")).Outcome);
        Assert.Equal(Outcome.Replayed, (await Store.ReleaseAsync(coupon.Id, null, "order-1")).Outcome);

        var direct = await Store.RedeemAsync(coupon.Id, "alice", "order-1", 2_000);
        Assert.Equal((Outcome.Ok, CouponStatus.Used, 1_500L), (direct.Outcome, direct.Coupon!.Status, direct.Quote.Payable));
        Assert.Equal(Outcome.AlreadyUsed, (await Store.ReleaseAsync(coupon.Id, null, "order-1")).Outcome);
        Assert.Equal(1, (await Store.GetStatsAsync(coupon.CampaignId))!.Used);
    }

    [Fact]
    public async Task A_release_frees_the_coupon_for_another_order()
    {
        var coupon = await ClaimOneAsync();
        await Store.LockAsync(coupon.Id, null, "order-1", 3_000);

        Assert.Equal(Outcome.LockedByOtherOrder, (await Store.ReleaseAsync(coupon.Id, null, "order-2")).Outcome);
        var released = await Store.ReleaseAsync(coupon.Id, null, "order-1");
        Assert.Equal((Outcome.Ok, CouponStatus.Unused), (released.Outcome, released.Coupon!.Status));
        Assert.Equal(Outcome.Replayed, (await Store.ReleaseAsync(coupon.Id, null, "order-1")).Outcome);
        Assert.Equal(Outcome.Ok, (await Store.LockAsync(coupon.Id, null, "order-2", 3_000)).Outcome);

        var stats = (await Store.GetStatsAsync(coupon.CampaignId))!;
        Assert.Equal((1L, 1L), (stats.Locked, stats.Released));
    }

    [Fact]
    public async Task A_lapsed_lock_is_seen_at_once_and_the_next_order_may_take_the_coupon()
    {
        var coupon = await ClaimOneAsync(Terms(lockTtlSeconds: 30));
        await Store.LockAsync(coupon.Id, null, "order-1", 3_000);

        Time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(CouponStatus.Unused, (await Store.GetCouponAsync(coupon.Id, null)).Coupon!.Status);
        var taken = await Store.LockAsync(coupon.Id, null, "order-2", 3_000);
        Assert.Equal((Outcome.Ok, "order-2"), (taken.Outcome, taken.Coupon!.OrderId));
        Assert.Equal(Outcome.LockedByOtherOrder, (await Store.RedeemAsync(coupon.Id, null, "order-1", null)).Outcome);
    }

    [Fact]
    public async Task A_coupon_past_its_validity_is_expired_and_cannot_be_locked()
    {
        var coupon = await ClaimOneAsync(Terms(validDays: 1));

        Time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(CouponStatus.Expired, (await Store.GetCouponAsync(coupon.Id, null)).Coupon!.Status);
        Assert.Equal(Outcome.CouponExpired, (await Store.LockAsync(coupon.Id, null, "order-1", 3_000)).Outcome);
    }

    [Fact]
    public async Task The_sweeper_counts_lapsed_locks_and_expired_coupons_once()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(lockTtlSeconds: 30, validDays: 1), 10);
        var coupons = new List<Coupon>();
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            coupons.Add((await Store.ClaimAsync(campaign.Id, user, null)).Coupon!);
        }

        await Store.LockAsync(coupons[0].Id, null, "order-1", 3_000);
        await Store.RedeemAsync(coupons[1].Id, null, "order-2", 3_000);
        Assert.Equal(0, await SweepAsync(Store));

        // A store may also sweep on its own timer as the clock moves: the stats are what is checked.
        Time.Advance(TimeSpan.FromSeconds(30));
        await SweepAsync(Store);
        var lapsed = (await Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 1L, 1L), (lapsed.Locked, lapsed.Released, lapsed.Used));

        Time.Advance(TimeSpan.FromDays(1));
        await SweepAsync(Store);
        Assert.Equal(0, await SweepAsync(Store));
        var expired = (await Store.GetStatsAsync(campaign.Id))!;
        // The used coupon never expires.
        Assert.Equal((0L, 1L, 2L), (expired.Locked, expired.Used, expired.Expired));
    }

    [Fact]
    public async Task Orders_racing_for_one_coupon_leave_exactly_one_winner()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(), 10);
        var coupons = new List<Coupon>();
        for (var i = 0; i < 5; i++)
        {
            coupons.Add((await Store.ClaimAsync(campaign.Id, "user-" + i.ToString(CultureInfo.InvariantCulture), null)).Coupon!);
        }

        foreach (var coupon in coupons)
        {
            var orders = Enumerable.Range(0, 8).Select(i => "order-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            var results = await Task.WhenAll(orders.Select(o => Task.Run(() => Store.RedeemAsync(coupon.Id, null, o, 2_000).AsTask())));

            var winners = results.Where(r => r.Outcome == Outcome.Ok).ToList();
            Assert.Single(winners);
            Assert.All(results.Where(r => r.Outcome != Outcome.Ok), r => Assert.Equal(Outcome.AlreadyUsed, r.Outcome));
            Assert.Equal(winners[0].Coupon!.OrderId, (await Store.GetCouponAsync(coupon.Id, null)).Coupon!.OrderId);
        }

        Assert.Equal(5, (await Store.GetStatsAsync(campaign.Id))!.Used);
    }

    [Fact]
    public async Task A_users_coupons_are_listed_in_claim_order_across_campaigns_by_page_and_status()
    {
        var first = await Store.CreateCampaignAsync(Terms(perUserLimit: 2), 10);
        var second = await Store.CreateCampaignAsync(Terms(), 10);
        var mine = new List<Guid>();
        foreach (var campaign in new[] { first, second, first })
        {
            Time.Advance(TimeSpan.FromMilliseconds(3));
            mine.Add((await Store.ClaimAsync(campaign.Id, "alice", null)).Coupon!.Id);
            await Store.ClaimAsync(campaign.Id, "bob", null);
        }

        await Store.LockAsync(mine[1], "alice", "order-1", 3_000);

        var all = await Store.ListUserCouponsAsync("alice", null, null, 10);
        Assert.Equal(mine, all.Items.Select(c => c.Id));
        Assert.Null(all.NextAfter);
        var page1 = await Store.ListUserCouponsAsync("alice", null, null, 2);
        var page2 = await Store.ListUserCouponsAsync("alice", null, page1.NextAfter, 2);
        Assert.Equal(mine, page1.Items.Concat(page2.Items).Select(c => c.Id));
        Assert.Equal(mine[1], page1.NextAfter);
        Assert.Null(page2.NextAfter);
        var unused = await Store.ListUserCouponsAsync("alice", CouponStatus.Unused, null, 1);
        Assert.Equal([mine[0]], unused.Items.Select(c => c.Id));
        Assert.Equal([mine[2]], (await Store.ListUserCouponsAsync("alice", CouponStatus.Unused, unused.NextAfter, 1)).Items.Select(c => c.Id));
        Assert.Equal([mine[1]], (await Store.ListUserCouponsAsync("alice", CouponStatus.Locked, null, 10)).Items.Select(c => c.Id));
        Assert.Empty((await Store.ListUserCouponsAsync("nobody", null, null, 10)).Items);
    }

    [Fact]
    public async Task Campaign_status_and_stock_follow_the_contract()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(), 5);

        Assert.Equal(Outcome.Replayed, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Resume)).Outcome);
        Assert.Equal(CampaignStatus.Paused, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause)).Campaign!.Status);
        Assert.Equal(12, (await Store.AddStockAsync(campaign.Id, 7)).Campaign!.TotalStock);
        Assert.Equal(CampaignStatus.Ended, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End)).Campaign!.Status);
        Assert.Equal(Outcome.CampaignEnded, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Resume)).Outcome);
        Assert.Equal(Outcome.CampaignEnded, (await Store.AddStockAsync(campaign.Id, 1)).Outcome);
        Assert.Equal(Outcome.CampaignNotFound, (await Store.ChangeCampaignStatusAsync(Guid.CreateVersion7(), CampaignCommand.Pause)).Outcome);
        Assert.Equal(Outcome.CampaignNotFound, (await Store.AddStockAsync(Guid.CreateVersion7(), 1)).Outcome);
        Assert.Equal((CampaignStatus.Ended, 12L), ((await Store.GetCampaignAsync(campaign.Id))!.Status, (await Store.GetCampaignAsync(campaign.Id))!.TotalStock));
    }

    /// <summary>The stock cap (CampaignRules.AddStock; re-stated by stock.lua): refused as an outcome, nothing changed, other campaigns unaffected.</summary>
    [Fact]
    public async Task Stock_past_the_cap_is_refused_and_changes_nothing()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(), 5);

        var refused = await Store.AddStockAsync(campaign.Id, CampaignDefinition.MaxStock - 4);
        Assert.Equal(Outcome.StockCapExceeded, refused.Outcome);
        Assert.Equal(5, (await Store.GetCampaignAsync(campaign.Id))!.TotalStock);
        Assert.Equal(CampaignDefinition.MaxStock, (await Store.AddStockAsync(campaign.Id, CampaignDefinition.MaxStock - 5)).Campaign!.TotalStock);
        Assert.Equal(Outcome.StockCapExceeded, (await Store.AddStockAsync(campaign.Id, 1)).Outcome);
        Assert.Equal(CampaignDefinition.MaxStock, (await Store.GetStatsAsync(campaign.Id))!.TotalStock);

        // Ended comes first: an ended campaign answers campaign_ended, whatever the amount.
        await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End);
        Assert.Equal(Outcome.CampaignEnded, (await Store.AddStockAsync(campaign.Id, 1)).Outcome);
    }

    /// <summary>What each status allows (CampaignRules.ChangeStatus; re-stated by status.lua, and claim.lua's status check).</summary>
    [Fact]
    public async Task Claims_follow_the_campaign_status()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(perUserLimit: 5), 10);

        Assert.Equal(Outcome.Ok, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause)).Outcome);
        Assert.Equal(Outcome.Replayed, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause)).Outcome);
        Assert.Equal(Outcome.CampaignNotActive, (await Store.ClaimAsync(campaign.Id, "u1", null)).Outcome);
        Assert.Equal(Outcome.Ok, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Resume)).Outcome);
        Assert.Equal(Outcome.Ok, (await Store.ClaimAsync(campaign.Id, "u1", "k1")).Outcome);
        Assert.Equal(Outcome.Ok, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End)).Outcome);
        Assert.Equal(Outcome.CampaignNotActive, (await Store.ClaimAsync(campaign.Id, "u1", null)).Outcome);
        // A replay answers the coupon given before, whatever the campaign's state now.
        Assert.Equal(Outcome.Replayed, (await Store.ClaimAsync(campaign.Id, "u1", "k1")).Outcome);
        Assert.Equal(Outcome.Replayed, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End)).Outcome);
        Assert.Equal(Outcome.CampaignEnded, (await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause)).Outcome);
        var stats = (await Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal(1, stats.Issued);
        Assert.Equal(2, stats.Rejected["campaign_not_active"]);
    }
}
