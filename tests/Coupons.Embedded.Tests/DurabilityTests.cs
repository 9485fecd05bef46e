using Coupons.Conformance;
using Coupons.Core;

namespace Coupons.Embedded.Tests;

/// <summary>
/// Invariant 4 without a clean shutdown: an answer is given only once what it shows is on disk, and
/// the files as they stand right after the answers (no Dispose, as after kill -9) hold all of it.
/// </summary>
public sealed class DurabilityTests
{
    [Fact]
    public async Task Answers_wait_until_what_they_show_is_on_disk()
    {
        using var test = TestStore.Create(o => o.MaxPendingChanges = 1);
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1), 10);

        var block = await WriterBlock.StartAsync(test, campaign.Id);
        // The blocker's claim is in memory but not on disk: nothing that shows it may answer yet.
        var listing = test.Store.ListUserCouponsAsync("blocker", null, null, 10).AsTask();
        var stats = test.Store.GetStatsAsync(campaign.Id).AsTask();
        var info = test.Store.GetCampaignAsync(campaign.Id).AsTask();
        var refusal = test.Store.ClaimAsync(campaign.Id, "blocker", null).AsTask(); // limit_reached, because of that claim
        await Task.Delay(300);
        Assert.False(listing.IsCompleted, "a listing showed a coupon that is not on disk");
        Assert.False(stats.IsCompleted, "stats counted a coupon that is not on disk");
        Assert.False(info.IsCompleted, "a campaign showed stock taken by a claim that is not on disk");
        Assert.False(refusal.IsCompleted, "a refusal was answered on the strength of a claim that is not on disk");

        await block.ReleaseAsync();
        Assert.Single((await listing).Items);
        Assert.Equal(2, (await stats)!.Issued);
        Assert.Equal(2, (await info)!.Issued);
        Assert.Equal(Outcome.LimitReached, (await refusal).Outcome);
    }

    [Fact]
    public async Task Everything_acknowledged_is_in_the_files_without_a_clean_shutdown()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 2, lockTtlSeconds: 600), 50);
        var paused = await test.Store.CreateCampaignAsync(Terms.AmountOff(name: "Paused"), 7);
        Assert.Equal(Outcome.Ok, (await test.Store.ChangeCampaignStatusAsync(paused.Id, CampaignCommand.Pause)).Outcome);
        Assert.Equal(Outcome.Ok, (await test.Store.AddStockAsync(paused.Id, 3)).Outcome);

        var coupons = new List<Coupon>();
        for (var i = 0; i < 30; i++)
        {
            var id = (await test.Store.ClaimAsync(campaign.Id, Terms.User(i), "key")).Coupon!.Id;
            var coupon = (i % 3) switch
            {
                0 => (await test.Store.LockAsync(id, null, "order-" + i, 2_000)).Coupon!,
                1 => (await test.Store.RedeemAsync(id, null, "order-" + i, 2_000)).Coupon!,
                _ => (await test.Store.GetCouponAsync(id, null)).Coupon!,
            };
            coupons.Add(coupon);
        }

        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;

        // Copy the files while the store is still open, as a crash would leave them, and open the copy.
        var copy = Path.Combine(test.Dir, "crashed");
        Directory.CreateDirectory(copy);
        var database = test.Options(null).DatabasePath;
        foreach (var suffix in new[] { "", "-wal" })
        {
            if (File.Exists(database + suffix))
            {
                File.Copy(database + suffix, Path.Combine(copy, "coupons.db" + suffix));
            }
        }

        using var recovered = new EmbeddedCouponStore(test.Options(o => o.DataDir = copy), test.Time, TestCodes.Own);
        recovered.Open();
        foreach (var coupon in coupons)
        {
            Assert.Equal(coupon, (await recovered.GetCouponAsync(coupon.Id, null)).Coupon);
        }

        var recoveredStats = (await recovered.GetStatsAsync(campaign.Id))!;
        Assert.Equal((stats.Issued, stats.Locked, stats.Used), (recoveredStats.Issued, recoveredStats.Locked, recoveredStats.Used));
        Assert.Equal(coupons[4].Id, (await recovered.ClaimAsync(campaign.Id, Terms.User(4), "key")).Coupon!.Id);
        var pausedInfo = (await recovered.GetCampaignAsync(paused.Id))!;
        Assert.Equal((CampaignStatus.Paused, 10L), (pausedInfo.Status, pausedInfo.TotalStock));
    }
}
