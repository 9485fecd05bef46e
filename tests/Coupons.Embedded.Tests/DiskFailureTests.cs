using System.Collections.Concurrent;
using System.Globalization;
using Coupons.Core;

namespace Coupons.Embedded.Tests;

/// <summary>
/// A full disk (SQLite's max_page_count) makes a write fail: the store must stop taking writes and
/// answering reads rather than serve state that is not on disk, and after a restart everything it
/// acknowledged must be there.
/// </summary>
public sealed class DiskFailureTests
{
    private const long MaxPages = 30;
    private const int MaxAttempts = 100_000;

    [Fact]
    public async Task Concurrent_claims_on_a_full_disk_stop_the_store_and_lose_nothing_acknowledged()
    {
        using var test = TestStore.Create(o => o.MaxPageCount = MaxPages);
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1), 1_000_000);
        var store = test.Store;

        var acknowledged = new ConcurrentBag<(Guid Id, string User)>();
        var thrown = 0;
        var unexpected = new ConcurrentQueue<string>();
        var failed = 0;
        Threads.Run(8, (thread, _) =>
        {
            for (var i = 0; i < MaxAttempts / 8 && Volatile.Read(ref failed) == 0; i++)
            {
                var user = string.Create(CultureInfo.InvariantCulture, $"user-{thread}-{i}");
                try
                {
                    var result = Threads.Wait(store.ClaimAsync(campaign.Id, user, null));
                    if (result.Outcome == Outcome.Ok)
                    {
                        acknowledged.Add((result.Coupon!.Id, user));
                    }
                    else
                    {
                        unexpected.Enqueue(result.Outcome.ToCode());
                    }
                }
                catch (StorageUnavailableException)
                {
                    Interlocked.Increment(ref thrown);
                    Volatile.Write(ref failed, 1);
                }
            }
        });

        Assert.Empty(unexpected);
        Assert.True(thrown > 0, $"the disk never filled up after {acknowledged.Count} claims");
        Assert.NotEmpty(acknowledged);
        await AssertStoppedAsync(test.Store, campaign.Id, acknowledged.First().Id);

        test.Reopen(_ => { }); // no cap now
        Assert.True(test.Store.IsReady);
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        // A claim that threw made no promise: it may or may not be on disk. Every acknowledged one is.
        Assert.InRange(stats.Issued, acknowledged.Count, acknowledged.Count + thrown);
        foreach (var (id, user) in acknowledged)
        {
            var coupon = await test.Store.GetCouponAsync(id, user);
            Assert.Equal(Outcome.Ok, coupon.Outcome);
            Assert.Equal(campaign.Id, coupon.Coupon!.CampaignId);
            Assert.Equal(Outcome.LimitReached, (await test.Store.ClaimAsync(campaign.Id, user, null)).Outcome);
        }

        // The restarted store takes writes again.
        Assert.Equal(Outcome.Ok, (await test.Store.ClaimAsync(campaign.Id, "after-restart", null)).Outcome);
        Assert.Equal(stats.Issued + 1, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task One_claim_at_a_time_on_a_full_disk_keeps_every_acknowledged_change_of_every_kind()
    {
        using var test = TestStore.Create(o => o.MaxPageCount = MaxPages);
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1, minOrderAmount: 100), 1_000_000);

        // Some coupons go through lock, redeem and refund, so the failure also finds changes of state on disk.
        var acknowledged = new List<(Guid Id, string User, CouponStatus Status)>();
        var threw = 0;
        for (var i = 0; i < MaxAttempts && threw == 0; i++)
        {
            var user = Terms.User(i);
            try
            {
                var claimed = await test.Store.ClaimAsync(campaign.Id, user, null);
                Assert.Equal(Outcome.Ok, claimed.Outcome);
                var id = claimed.Coupon!.Id;
                acknowledged.Add((id, user, CouponStatus.Unused));
                if (i % 3 == 1)
                {
                    Assert.Equal(Outcome.Ok, (await test.Store.LockAsync(id, user, "order-" + user, 1_000)).Outcome);
                    acknowledged[^1] = (id, user, CouponStatus.Locked);
                }
                else if (i % 3 == 2)
                {
                    Assert.Equal(Outcome.Ok, (await test.Store.RedeemAsync(id, user, "order-" + user, 1_000)).Outcome);
                    acknowledged[^1] = (id, user, CouponStatus.Used);
                }
            }
            catch (StorageUnavailableException)
            {
                threw++;
            }
        }

        Assert.Equal(1, threw);
        await AssertStoppedAsync(test.Store, campaign.Id, acknowledged[0].Id);

        test.Reopen(_ => { });
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        // The last step threw: a claim (not counted in acknowledged) or a lock/redeem of the last acknowledged coupon.
        Assert.InRange(stats.Issued, acknowledged.Count, acknowledged.Count + 1);
        foreach (var (id, user, status) in acknowledged.Take(acknowledged.Count - 1))
        {
            Assert.Equal(status, (await test.Store.GetCouponAsync(id, user)).Coupon!.Status);
        }

        var last = acknowledged[^1];
        Assert.Contains((await test.Store.GetCouponAsync(last.Id, last.User)).Coupon!.Status, new[] { last.Status, CouponStatus.Locked, CouponStatus.Used });
        Assert.InRange(stats.Locked, acknowledged.Count(a => a.Status == CouponStatus.Locked), acknowledged.Count(a => a.Status == CouponStatus.Locked) + 1);
        Assert.InRange(stats.Used, acknowledged.Count(a => a.Status == CouponStatus.Used), acknowledged.Count(a => a.Status == CouponStatus.Used) + 1);
    }

    /// <summary>After a failed write: not ready, and every write and every read throws.</summary>
    private static async Task AssertStoppedAsync(EmbeddedCouponStore store, Guid campaignId, Guid couponId)
    {
        Assert.False(store.IsReady);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.ClaimAsync(campaignId, "someone-new", null).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.LockAsync(couponId, null, "order-late", 1_000).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.RedeemAsync(couponId, null, "order-late", 1_000).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.AddStockAsync(campaignId, 1).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.ChangeCampaignStatusAsync(campaignId, CampaignCommand.Pause).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.CreateCampaignAsync(Terms.AmountOff(), 1).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetCouponAsync(couponId, null).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetStatsAsync(campaignId).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetCampaignAsync(campaignId).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.ListCampaignsAsync(CampaignFilter.All, null, 10).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.ListUserCouponsAsync("anyone", null, null, 10).AsTask());
        Assert.False(store.IsReady);
    }
}
