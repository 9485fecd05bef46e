using System.Collections.Concurrent;
using System.Globalization;
using Coupons.Core;

namespace Coupons.Embedded.Tests;

/// <summary>
/// Many threads against one store on real SQLite: stock, per-user limits, single use and
/// idempotency must hold under contention, and what was acknowledged must be there after a restart.
/// </summary>
public sealed class ConcurrencyTests
{
    private const int Seed = 4711;

    [Fact]
    public async Task Claims_from_64_threads_never_oversell_nor_pass_the_per_user_limit_and_survive_reopening()
    {
        const int threadCount = 64;
        const int attempts = 20_000;
        const int userCount = 5_000;
        const long stock = 1_000;
        const int perUserLimit = 2;

        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: perUserLimit), stock);
        var store = test.Store;

        var okPerUser = new int[userCount];
        var byOutcome = new long[OutcomeCodes.Capacity];
        var couponIds = new ConcurrentBag<(Guid Id, int User)>();
        Threads.Run(threadCount, (thread, _) =>
        {
            var random = new Random(Seed + thread);
            for (var attempt = thread; attempt < attempts; attempt += threadCount)
            {
                var user = random.Next(userCount);
                var result = Threads.Wait(store.ClaimAsync(campaign.Id, Terms.User(user), null));
                Interlocked.Increment(ref byOutcome[(int)result.Outcome]);
                if (result.Outcome == Outcome.Ok)
                {
                    Interlocked.Increment(ref okPerUser[user]);
                    couponIds.Add((result.Coupon!.Id, user));
                }
            }
        });

        var ok = byOutcome[(int)Outcome.Ok];
        var soldOut = byOutcome[(int)Outcome.SoldOut];
        var limitReached = byOutcome[(int)Outcome.LimitReached];
        Assert.Equal(stock, ok);
        Assert.Equal(attempts, ok + soldOut + limitReached); // nothing but Ok, SoldOut, LimitReached
        Assert.True(soldOut > 0 && limitReached > 0, $"expected both refusals, got sold_out={soldOut} limit_reached={limitReached}");
        Assert.All(okPerUser, n => Assert.InRange(n, 0, perUserLimit));
        Assert.Equal(stock, couponIds.Select(c => c.Id).Distinct().Count());

        await AssertClaimStateAsync(test.Store, campaign.Id, stock, soldOut, limitReached, okPerUser, couponIds);

        test.Reopen();
        await AssertClaimStateAsync(test.Store, campaign.Id, stock, soldOut, limitReached, okPerUser, couponIds);

        // The recovered store still refuses what the live one refused.
        var full = Array.FindIndex(okPerUser, n => n == perUserLimit);
        Assert.Equal(Outcome.LimitReached, (await test.Store.ClaimAsync(campaign.Id, Terms.User(full), null)).Outcome);
        var none = Array.FindIndex(okPerUser, n => n == 0);
        Assert.Equal(Outcome.SoldOut, (await test.Store.ClaimAsync(campaign.Id, Terms.User(none), null)).Outcome);
    }

    [Fact]
    public async Task No_claim_succeeds_after_a_pause_has_returned_even_one_that_started_before()
    {
        const int threadCount = 16;
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1_000), 1_000_000);
        var store = test.Store;
        using var stop = new CancellationTokenSource();
        var claimsAfterPause = 0;
        var paused = 0;

        // Dedicated threads: refusals complete synchronously, and loops of them on pool threads would
        // starve the pool this test's own continuations need.
        var claimers = Enumerable.Range(0, threadCount).Select(thread => Task.Factory.StartNew(
            () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var startedAfterPause = Volatile.Read(ref paused) == 2;
                    var result = Threads.Wait(store.ClaimAsync(campaign.Id, Terms.User((thread * 100_000) + i), null));
                    // A claim that started after the pause returned must be refused; the stats check
                    // below covers the ones that started before it and finished after.
                    if (result.Outcome == Outcome.Ok && startedAfterPause)
                    {
                        Interlocked.Increment(ref claimsAfterPause);
                    }
                }
            },
            stop.Token,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToList();

        await Task.Delay(300);
        Volatile.Write(ref paused, 1);
        var pause = await store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause);
        var issuedWhenPaused = pause.Campaign!.Issued;
        Volatile.Write(ref paused, 2);
        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(claimers);

        Assert.Equal(Outcome.Ok, pause.Outcome);
        Assert.True(issuedWhenPaused > 0, "claims should have been made before the pause");
        Assert.Equal(0, claimsAfterPause);
        var stats = await store.GetStatsAsync(campaign.Id);
        Assert.Equal(issuedWhenPaused, stats!.Issued);
    }

    [Fact]
    public async Task Thirty_two_orders_redeeming_one_coupon_at_once_use_it_once()
    {
        const int threadCount = 32;
        const int rounds = 8;
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(amountOff: 500, perUserLimit: rounds), rounds);
        var coupons = new Guid[rounds];
        for (var r = 0; r < rounds; r++)
        {
            coupons[r] = (await test.Store.ClaimAsync(campaign.Id, "buyer", null)).Coupon!.Id;
        }

        var store = test.Store;
        var outcomes = new Outcome[rounds, threadCount];
        Threads.Run(threadCount, (thread, barrier) =>
        {
            for (var r = 0; r < rounds; r++)
            {
                barrier.SignalAndWait();
                var result = Threads.Wait(store.RedeemAsync(coupons[r], null, Order(r, thread), 10_000));
                outcomes[r, thread] = result.Outcome;
                if (result.Outcome == Outcome.Ok)
                {
                    Assert.Equal(new DiscountQuote(true, 500, 9_500), result.Quote);
                    Assert.Equal(CouponStatus.Used, result.Coupon!.Status);
                    Assert.Equal(Order(r, thread), result.Coupon.OrderId);
                }
            }
        });

        var winners = new int[rounds];
        for (var r = 0; r < rounds; r++)
        {
            var row = Enumerable.Range(0, threadCount).Select(t => outcomes[r, t]).ToList();
            Assert.Equal(1, row.Count(o => o == Outcome.Ok));
            Assert.All(row.Where(o => o != Outcome.Ok), o => Assert.Contains(o, new[] { Outcome.AlreadyUsed, Outcome.LockedByOtherOrder }));
            winners[r] = row.IndexOf(Outcome.Ok);
        }

        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal(rounds, stats.Used);
        Assert.Equal(0, stats.Locked);
        Assert.Equal(rounds * (threadCount - 1), stats.Rejected.Values.Sum());

        for (var pass = 0; pass < 2; pass++)
        {
            for (var r = 0; r < rounds; r++)
            {
                var coupon = (await test.Store.GetCouponAsync(coupons[r], "buyer")).Coupon!;
                Assert.Equal(CouponStatus.Used, coupon.Status);
                Assert.Equal(Order(r, winners[r]), coupon.OrderId);
                Assert.Equal(Outcome.Replayed, (await test.Store.RedeemAsync(coupons[r], null, Order(r, winners[r]), 10_000)).Outcome);
                Assert.Equal(Outcome.AlreadyUsed, (await test.Store.RedeemAsync(coupons[r], null, "late-order", 10_000)).Outcome);
            }

            test.Reopen();
        }
    }

    [Fact]
    public async Task Thirty_two_orders_locking_one_coupon_at_once_lock_it_once()
    {
        const int threadCount = 32;
        const int rounds = 8;
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: rounds), rounds);
        var coupons = new Guid[rounds];
        for (var r = 0; r < rounds; r++)
        {
            coupons[r] = (await test.Store.ClaimAsync(campaign.Id, "buyer", null)).Coupon!.Id;
        }

        var store = test.Store;
        var outcomes = new Outcome[rounds, threadCount];
        Threads.Run(threadCount, (thread, barrier) =>
        {
            for (var r = 0; r < rounds; r++)
            {
                barrier.SignalAndWait();
                outcomes[r, thread] = Threads.Wait(store.LockAsync(coupons[r], "buyer", Order(r, thread), 2_000)).Outcome;
            }
        });

        var winners = new int[rounds];
        for (var r = 0; r < rounds; r++)
        {
            var row = Enumerable.Range(0, threadCount).Select(t => outcomes[r, t]).ToList();
            Assert.Equal(1, row.Count(o => o == Outcome.Ok));
            Assert.Equal(threadCount - 1, row.Count(o => o == Outcome.LockedByOtherOrder));
            winners[r] = row.IndexOf(Outcome.Ok);
        }

        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal(rounds, stats.Locked);
        Assert.Equal(rounds * (threadCount - 1), stats.Rejected["locked_by_other_order"]);

        test.Reopen();
        stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal(rounds, stats.Locked);
        Assert.Equal(rounds * (threadCount - 1), stats.Rejected["locked_by_other_order"]);
        for (var r = 0; r < rounds; r++)
        {
            var coupon = (await test.Store.GetCouponAsync(coupons[r], null)).Coupon!;
            Assert.Equal(CouponStatus.Locked, coupon.Status);
            Assert.Equal(Order(r, winners[r]), coupon.OrderId);
            Assert.Equal(Outcome.Replayed, (await test.Store.LockAsync(coupons[r], null, Order(r, winners[r]), 2_000)).Outcome);
            Assert.Equal(Outcome.LockedByOtherOrder, (await test.Store.RedeemAsync(coupons[r], null, "late-order", 2_000)).Outcome);
            Assert.Equal(Outcome.Ok, (await test.Store.RedeemAsync(coupons[r], null, Order(r, winners[r]), null)).Outcome);
        }
    }

    [Fact]
    public async Task Sixteen_claims_with_one_idempotency_key_at_once_give_one_coupon()
    {
        const int threadCount = 16;
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 5), 100);
        var store = test.Store;
        var results = new CouponResult[threadCount];
        Threads.Run(threadCount, (thread, _) => results[thread] = Threads.Wait(store.ClaimAsync(campaign.Id, "alice", "key-1")));

        Assert.Equal(1, results.Count(r => r.Outcome == Outcome.Ok));
        Assert.Equal(threadCount - 1, results.Count(r => r.Outcome == Outcome.Replayed));
        var id = Assert.Single(results.Select(r => r.Coupon!.Id).Distinct());
        Assert.Equal(1, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);

        test.Reopen();
        Assert.Equal(1, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);
        var replay = await test.Store.ClaimAsync(campaign.Id, "alice", "key-1");
        Assert.Equal(Outcome.Replayed, replay.Outcome);
        Assert.Equal(id, replay.Coupon!.Id);
    }

    [Fact]
    public async Task Sixteen_claims_of_one_user_with_different_keys_at_once_stop_at_the_limit()
    {
        const int threadCount = 16;
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 2), 100);
        var store = test.Store;
        var results = new CouponResult[threadCount];
        Threads.Run(threadCount, (thread, _) =>
            results[thread] = Threads.Wait(store.ClaimAsync(campaign.Id, "bob", "key-" + thread.ToString(CultureInfo.InvariantCulture))));

        Assert.Equal(2, results.Count(r => r.Outcome == Outcome.Ok));
        Assert.Equal(threadCount - 2, results.Count(r => r.Outcome == Outcome.LimitReached));
        var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal(2, stats.Issued);
        Assert.Equal(threadCount - 2, stats.Rejected["limit_reached"]);

        test.Reopen();
        var page = await test.Store.ListUserCouponsAsync("bob", null, null, 50);
        Assert.Equal(2, page.Items.Count);
    }

    [Fact]
    public async Task Mixed_coupon_operations_from_16_threads_keep_the_counters_equal_to_the_coupons()
    {
        const int threadCount = 16;
        const int opsPerThread = 400;
        const int userCount = 10;
        const int perUser = 4;
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: perUser, minOrderAmount: 1_000), userCount * perUser);
        var coupons = new List<(Guid Id, string User)>();
        for (var u = 0; u < userCount; u++)
        {
            for (var i = 0; i < perUser; i++)
            {
                coupons.Add(((await test.Store.ClaimAsync(campaign.Id, Terms.User(u), null)).Coupon!.Id, Terms.User(u)));
            }
        }

        var store = test.Store;
        var redeemed = new int[coupons.Count];
        var refunded = new int[coupons.Count];
        var released = 0L;
        var refusals = new long[OutcomeCodes.Capacity];
        Threads.Run(threadCount, (thread, _) =>
        {
            var random = new Random(Seed + thread);
            for (var i = 0; i < opsPerThread; i++)
            {
                var c = random.Next(coupons.Count);
                var (id, user) = coupons[c];
                var owner = random.Next(2) == 0 ? null : user;
                var order = "order-" + random.Next(3).ToString(CultureInfo.InvariantCulture);
                var amount = random.Next(4) == 0 ? 999 : 2_000;
                Outcome outcome;
                switch (random.Next(4))
                {
                    case 0:
                        outcome = Threads.Wait(store.LockAsync(id, owner, order, amount)).Outcome;
                        break;
                    case 1:
                        outcome = Threads.Wait(store.RedeemAsync(id, owner, order, random.Next(3) == 0 ? null : amount)).Outcome;
                        if (outcome == Outcome.Ok)
                        {
                            Interlocked.Increment(ref redeemed[c]);
                        }

                        break;
                    case 2:
                        outcome = Threads.Wait(store.ReleaseAsync(id, owner, order)).Outcome;
                        if (outcome == Outcome.Ok)
                        {
                            Interlocked.Increment(ref released);
                        }

                        break;
                    default:
                        outcome = Threads.Wait(store.RefundAsync(id, owner, order)).Outcome;
                        if (outcome == Outcome.Ok)
                        {
                            Interlocked.Increment(ref refunded[c]);
                        }

                        break;
                }

                if (!outcome.IsSuccess())
                {
                    Interlocked.Increment(ref refusals[(int)outcome]);
                }
            }
        });

        for (var pass = 0; pass < 2; pass++)
        {
            var shown = new List<Coupon>();
            for (var c = 0; c < coupons.Count; c++)
            {
                var coupon = (await test.Store.GetCouponAsync(coupons[c].Id, coupons[c].User)).Coupon!;
                shown.Add(coupon);

                // Invariant 3: uses and refunds alternate, so a coupon is used by one order at a time.
                Assert.InRange(redeemed[c] - refunded[c], 0, 1);
                Assert.Equal(redeemed[c] - refunded[c] == 1, coupon.Status == CouponStatus.Used);
                Assert.Equal(coupon.Status is CouponStatus.Locked or CouponStatus.Used, coupon.OrderId is not null);
            }

            var stats = (await test.Store.GetStatsAsync(campaign.Id))!;
            Assert.Equal(shown.Count(c => c.Status == CouponStatus.Locked), stats.Locked);
            Assert.Equal(shown.Count(c => c.Status == CouponStatus.Used), stats.Used);
            Assert.Equal(0, stats.Expired);
            Assert.Equal(released, stats.Released);
            Assert.Equal(refunded.Sum(), stats.Refunded);
            Assert.Equal(coupons.Count, stats.Issued);
            var expectedRefusals = OutcomeCodes.Refusals.Where(o => refusals[(int)o] > 0).ToDictionary(o => o.ToCode(), o => refusals[(int)o]);
            Assert.Equal(expectedRefusals.OrderBy(r => r.Key), stats.Rejected.OrderBy(r => r.Key));
            test.Reopen();
        }
    }

    private static string Order(int round, int thread) =>
        string.Create(CultureInfo.InvariantCulture, $"order-{round}-{thread}");

    private static async Task AssertClaimStateAsync(
        EmbeddedCouponStore store, Guid campaignId, long stock, long soldOut, long limitReached,
        int[] okPerUser, ConcurrentBag<(Guid Id, int User)> couponIds)
    {
        var stats = (await store.GetStatsAsync(campaignId))!;
        Assert.Equal(stock, stats.TotalStock);
        Assert.Equal(stock, stats.Issued);
        Assert.Equal(0, stats.RemainingStock);
        Assert.Equal(soldOut, stats.Rejected.GetValueOrDefault("sold_out"));
        Assert.Equal(limitReached, stats.Rejected.GetValueOrDefault("limit_reached"));
        Assert.Equal(soldOut + limitReached, stats.Rejected.Values.Sum());

        var info = (await store.GetCampaignAsync(campaignId))!;
        Assert.Equal(stock, info.Issued);
        Assert.Equal(0, info.RemainingStock);

        for (var user = 0; user < okPerUser.Length; user++)
        {
            var page = await store.ListUserCouponsAsync(Terms.User(user), null, null, StoreLimits.MaxPageSize);
            Assert.Null(page.NextAfter);
            Assert.Equal(okPerUser[user], page.Items.Count);
            Assert.All(page.Items, c => Assert.Equal(campaignId, c.CampaignId));
        }

        foreach (var (id, user) in couponIds)
        {
            var result = await store.GetCouponAsync(id, Terms.User(user));
            Assert.Equal(Outcome.Ok, result.Outcome);
            Assert.Equal(CouponStatus.Unused, result.Coupon!.Status);
        }
    }
}
