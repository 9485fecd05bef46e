using System.Collections.Concurrent;
using System.Globalization;
using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Codes;

namespace Coupons.Embedded.Tests;

/// <summary>
/// A bounded queue of changes waiting for the disk (MaxPendingChanges): beyond it a write is refused
/// with <see cref="OverloadedException"/> and changes nothing, so stock accounting stays exact and
/// nothing acknowledged is lost.
/// </summary>
public sealed class OverloadTests
{
    private const int Seed = 99;

    [Fact]
    public async Task Claims_shed_under_a_tiny_queue_lose_nothing_acknowledged_and_leak_no_stock()
    {
        const int threadCount = 64;
        const int attemptsPerThread = 40;
        const long stock = 600;

        using var test = TestStore.Create(o => o.MaxPendingChanges = 1);
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 3), stock);
        var store = test.Store;

        var acknowledged = new ConcurrentBag<(Guid Id, string User)>();
        var byOutcome = new long[OutcomeCodes.Capacity];
        var overloaded = 0;
        Threads.Run(threadCount, (thread, _) =>
        {
            var random = new Random(Seed + thread);
            for (var i = 0; i < attemptsPerThread; i++)
            {
                var user = Terms.User(random.Next(1_000));
                try
                {
                    var result = Threads.Wait(store.ClaimAsync(campaign.Id, user, null));
                    Interlocked.Increment(ref byOutcome[(int)result.Outcome]);
                    if (result.Outcome == Outcome.Ok)
                    {
                        acknowledged.Add((result.Coupon!.Id, user));
                    }
                }
                catch (OverloadedException)
                {
                    Interlocked.Increment(ref overloaded);
                }
            }
        });

        Assert.True(overloaded > 0, "a queue of one change never overflowed under 64 threads");
        var ok = byOutcome[(int)Outcome.Ok];
        Assert.Equal(threadCount * attemptsPerThread, ok + byOutcome[(int)Outcome.SoldOut] + byOutcome[(int)Outcome.LimitReached] + overloaded);
        Assert.Equal(ok, acknowledged.Count);
        Assert.True(ok <= stock);

        // A shed claim was never appended and gave its stock back.
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal(ok, stats.Issued);
        Assert.Equal(stock - ok, stats.RemainingStock);

        test.Reopen();
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal(ok, stats.Issued);
        foreach (var (id, user) in acknowledged)
        {
            Assert.Equal(Outcome.Ok, (await test.Store.GetCouponAsync(id, user)).Outcome);
        }

        // One claim at a time never overflows: the rest of the stock is all there, and no more.
        var more = 0;
        while ((await test.Store.ClaimAsync(campaign.Id, "late-" + more.ToString(CultureInfo.InvariantCulture), null)).Outcome == Outcome.Ok)
        {
            more++;
        }

        Assert.Equal(stock, ok + more);
        Assert.Equal(stock, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task A_claim_refused_as_overloaded_changes_nothing_and_its_stock_goes_to_the_next_claim()
    {
        using var test = TestStore.Create(o => o.MaxPendingChanges = 1);
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1), 3);

        var block = await WriterBlock.StartAsync(test, campaign.Id);
        // The writer is stuck on the blocker's batch and one change waits: the next one is refused.
        var refused = test.Store.ClaimAsync(campaign.Id, "carl", "key-1").AsTask();
        await Assert.ThrowsAsync<OverloadedException>(() => refused);
        await block.ReleaseAsync();

        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal(2, stats.Issued);
        Assert.Empty(await ListAsync(test.Store, "carl"));

        // The key was not taken, the user holds nothing, and the third unit of stock is still there.
        var retried = await test.Store.ClaimAsync(campaign.Id, "carl", "key-1");
        Assert.Equal(Outcome.Ok, retried.Outcome);
        Assert.Equal(Outcome.SoldOut, (await test.Store.ClaimAsync(campaign.Id, "dora", null)).Outcome);

        test.Reopen();
        Assert.Equal(3, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);
        Assert.Equal(retried.Coupon!.Id, (await test.Store.ClaimAsync(campaign.Id, "carl", "key-1")).Coupon!.Id);
    }

    [Fact]
    public async Task A_coupon_change_refused_as_overloaded_changes_nothing()
    {
        using var test = TestStore.Create(o => o.MaxPendingChanges = 1);
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1), 10);
        var id = (await test.Store.ClaimAsync(campaign.Id, "emma", null)).Coupon!.Id;

        var block = await WriterBlock.StartAsync(test, campaign.Id);
        await Assert.ThrowsAsync<OverloadedException>(() => test.Store.RedeemAsync(id, null, "order-A", 1_000).AsTask());
        await Assert.ThrowsAsync<OverloadedException>(() => test.Store.AddStockAsync(campaign.Id, 5).AsTask());
        await Assert.ThrowsAsync<OverloadedException>(() => test.Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause).AsTask());
        await block.ReleaseAsync();

        Assert.Equal(CouponStatus.Unused, (await test.Store.GetCouponAsync(id, null)).Coupon!.Status);
        var info = (await test.Store.GetCampaignAsync(campaign.Id))!;
        Assert.Equal((CampaignStatus.Active, 10L), (info.Status, info.TotalStock));
        Assert.Equal(0, (await test.Store.GetStatsAsync(campaign.Id))!.Used);

        // Another order may take the coupon: the refused redeem left no trace.
        Assert.Equal(Outcome.Ok, (await test.Store.RedeemAsync(id, null, "order-B", 1_000)).Outcome);
        test.Reopen();
        var coupon = (await test.Store.GetCouponAsync(id, null)).Coupon!;
        Assert.Equal((CouponStatus.Used, "order-B"), (coupon.Status, coupon.OrderId));
    }

    [Fact]
    public async Task A_sweep_refused_as_overloaded_is_tried_again_by_the_next_sweep()
    {
        using var test = TestStore.Create(o =>
        {
            o.MaxPendingChanges = 1;
            o.SweepInterval = TimeSpan.FromSeconds(30); // the fake clock never reaches it: sweeps are called by hand
        });
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1, lockTtlSeconds: 2), 10);
        var id = (await test.Store.ClaimAsync(campaign.Id, "finn", null)).Coupon!.Id;
        Assert.Equal(Outcome.Ok, (await test.Store.LockAsync(id, null, "order-A", 1_000)).Outcome);
        test.Time.Advance(TimeSpan.FromSeconds(2)); // the lock lapses

        var block = await WriterBlock.StartAsync(test, campaign.Id);
        Assert.Throws<OverloadedException>(() => test.Store.Sweep()); // what the timer's sweep meets under load
        await block.ReleaseAsync();

        Assert.Equal(1, test.Store.Sweep()); // the next sweep tries again
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((0L, 1L), (stats.Locked, stats.Released));
    }

    [Fact]
    public async Task A_generation_step_refused_as_overloaded_leaves_none_of_its_codes_behind()
    {
        using var test = TestStore.Create(o => o.MaxPendingChanges = 1);
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1), 10);
        var (refusedJob, laterJob) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var refused = NewCodes(refusedJob, campaign.Id, 20);
        var later = NewCodes(laterJob, campaign.Id, 5);

        var block = await WriterBlock.StartAsync(test, campaign.Id);
        await Assert.ThrowsAsync<OverloadedException>(() => test.Store.AddCodesAsync(campaign.Id, refusedJob, refused).AsTask());
        await block.ReleaseAsync();
        Assert.Equal(Outcome.CodeNotFound, (await test.Store.ClaimByCodeAsync(refused[5].Hash, "gina", null)).Outcome);

        // Another job's codes are stored meanwhile; the refused step, done again after a restart, is stored whole.
        Assert.Empty((await test.Store.AddCodesAsync(campaign.Id, laterJob, later)).Clashes);
        test.Reopen();
        Assert.Empty((await test.Store.AddCodesAsync(campaign.Id, refusedJob, refused)).Clashes);
        Assert.Equal(Outcome.Ok, (await test.Store.ClaimByCodeAsync(refused[5].Hash, "gina", null)).Outcome);

        test.Reopen();
        Assert.Equal(25, (await test.Store.ListCodesAsync(campaign.Id, null, null, 100)).Items.Count);
        Assert.Equal(Outcome.CodeAlreadyClaimed, (await test.Store.ClaimByCodeAsync(refused[5].Hash, "hugo", null)).Outcome);
        Assert.Equal(Outcome.Ok, (await test.Store.ClaimByCodeAsync(later[0].Hash, "hugo", null)).Outcome);
    }

    private static NewCode[] NewCodes(Guid jobId, Guid campaignId, int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var buffer = new char[CouponCodes.MaxCodeLength];
            var code = new string(buffer, 0, CodeDerivation.ForJob(TestCodes.Protector, jobId, i, 0, "PV", 10, buffer));
            return new NewCode(i, TestCodes.Protector.HashOf(code), TestCodes.Protector.Protect(code, campaignId));
        })];

    private static async Task<IReadOnlyList<Coupon>> ListAsync(EmbeddedCouponStore store, string user) =>
        (await store.ListUserCouponsAsync(user, null, null, StoreLimits.MaxPageSize)).Items;
}
