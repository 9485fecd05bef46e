using System.Globalization;
using Coupons.Core;

namespace Coupons.Embedded.Tests;

/// <summary>
/// Recovery reads coupons in ranges on several threads, keeps them in sorted chunks and groups them
/// by user in a table of its own, making holdings only when a user claims again. These tests fill
/// enough coupons to span several chunks, over interleaved campaigns and users with one and with
/// many coupons, and check every way the rebuilt state is found: by id, by user, by idempotency key,
/// against the per-user limit, and by the sweeper.
/// </summary>
public sealed class RecoveryIndexTests
{
    private const int Users = 3_000;

    [Fact]
    public async Task Every_recovered_coupon_is_found_by_id_by_owner_and_by_idempotency_key()
    {
        using var test = TestStore.Create();
        // Campaign a: one coupon for every user; b: up to 30 for a tenth of the users; c: up to 3, with keys.
        var a = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1, name: "a"), Users);
        var b = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 30, name: "b"), 9_000);
        var c = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 3, name: "c"), Users);
        var claims = new List<(Guid Campaign, string User, string? Key)>();
        for (var user = 0; user < Users; user++)
        {
            claims.Add((a.Id, Terms.User(user), null));
            if (user % 10 == 0)
            {
                claims.AddRange(Enumerable.Repeat((b.Id, Terms.User(user), (string?)null), 30));
            }

            if (user % 3 == 0)
            {
                claims.Add((c.Id, Terms.User(user), "key-" + user.ToString(CultureInfo.InvariantCulture)));
            }
        }

        // Shuffled and claimed concurrently, so campaigns and users interleave in claim order.
        var random = new Random(20251126);
        var shuffled = claims.OrderBy(_ => random.Next()).ToArray();
        var claimed = new Coupon[shuffled.Length];
        await Parallel.ForAsync(0, shuffled.Length, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var (campaign, user, key) = shuffled[i];
            var result = await test.Store.ClaimAsync(campaign, user, key);
            Assert.Equal(Outcome.Ok, result.Outcome);
            claimed[i] = result.Coupon!;
        });

        test.Reopen();
        Assert.Equal(claimed.Length, test.Store.CouponCount);
        foreach (var coupon in claimed)
        {
            Assert.Equal(coupon, (await test.Store.GetCouponAsync(coupon.Id, coupon.UserId)).Coupon);
            Assert.Equal(Outcome.CouponNotFound, (await test.Store.GetCouponAsync(coupon.Id, "someone-else")).Outcome);
        }

        Assert.Equal(Outcome.CouponNotFound, (await test.Store.GetCouponAsync(Guid.CreateVersion7(), null)).Outcome);
        foreach (var group in claimed.GroupBy(c => c.UserId).Where((_, i) => i % 7 == 0))
        {
            Assert.Equal(group.Select(c => c.Id).Order(), await ListAllAsync(test.Store, group.Key));
        }

        for (var user = 0; user < Users; user += 3)
        {
            var key = "key-" + user.ToString(CultureInfo.InvariantCulture);
            var replay = await test.Store.ClaimAsync(c.Id, Terms.User(user), key);
            Assert.Equal(Outcome.Replayed, replay.Outcome);
            Assert.Equal(claimed.Single(x => x.CampaignId == c.Id && x.UserId == Terms.User(user)).Id, replay.Coupon!.Id);
        }

        Assert.Equal(Outcome.LimitReached, (await test.Store.ClaimAsync(a.Id, Terms.User(5), null)).Outcome);
        Assert.Equal(Outcome.LimitReached, (await test.Store.ClaimAsync(b.Id, Terms.User(10), null)).Outcome);
        Assert.Equal(3_000, (await test.Store.GetStatsAsync(a.Id))!.Issued);
        Assert.Equal(9_000, (await test.Store.GetStatsAsync(b.Id))!.Issued);
        Assert.Equal(1_000, (await test.Store.GetStatsAsync(c.Id))!.Issued);
    }

    [Fact]
    public async Task A_user_with_recovered_coupons_claims_more_and_lists_old_and_new_together()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 5), 100);
        var other = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 5, name: "other"), 100);
        var before = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            before.Add((await test.Store.ClaimAsync(campaign.Id, "amy", "k" + i.ToString(CultureInfo.InvariantCulture))).Coupon!.Id);
        }

        test.Reopen();
        var replayed = await test.Store.ClaimAsync(campaign.Id, "amy", "k1");
        Assert.Equal((Outcome.Replayed, before[1]), (replayed.Outcome, replayed.Coupon!.Id));
        var after = new List<Guid>();
        for (var i = 3; i < 5; i++)
        {
            after.Add((await test.Store.ClaimAsync(campaign.Id, "amy", "k" + i.ToString(CultureInfo.InvariantCulture))).Coupon!.Id);
        }

        Assert.Equal(Outcome.LimitReached, (await test.Store.ClaimAsync(campaign.Id, "amy", "k9")).Outcome);
        var elsewhere = (await test.Store.ClaimAsync(other.Id, "amy", null)).Coupon!.Id;
        var newcomer = (await test.Store.ClaimAsync(campaign.Id, "bob", null)).Coupon!.Id;
        Assert.Equal(before.Concat(after).Append(elsewhere).Order(), await ListAllAsync(test.Store, "amy"));
        Assert.Equal([newcomer], await ListAllAsync(test.Store, "bob"));

        // The same after another restart, where everything is recovered.
        test.Reopen();
        Assert.Equal(before.Concat(after).Append(elsewhere).Order(), await ListAllAsync(test.Store, "amy"));
        Assert.Equal(Outcome.LimitReached, (await test.Store.ClaimAsync(campaign.Id, "amy", null)).Outcome);
        Assert.Equal((Outcome.Replayed, after[0]), ((await test.Store.ClaimAsync(campaign.Id, "amy", "k3")) is var r ? (r.Outcome, r.Coupon!.Id) : default));
    }

    [Fact]
    public async Task The_sweeper_expires_recovered_coupons_then_those_claimed_since()
    {
        // Swept by hand only: the timer's sweeps are far apart.
        using var test = TestStore.Create(o => o.SweepInterval = TimeSpan.FromDays(10));
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(perUserLimit: 1, validity: Validity.Relative(1)), 50);
        for (var i = 0; i < 20; i++)
        {
            await test.Store.ClaimAsync(campaign.Id, Terms.User(i), null);
        }

        test.Reopen();
        test.Time.Advance(TimeSpan.FromHours(1));
        for (var i = 20; i < 30; i++)
        {
            await test.Store.ClaimAsync(campaign.Id, Terms.User(i), null);
        }

        test.Time.Advance(TimeSpan.FromHours(23.5));
        Assert.Equal(20, test.Store.Sweep());
        test.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(10, test.Store.Sweep());
        Assert.Equal(30, (await test.Store.GetStatsAsync(campaign.Id))!.Expired);
    }

    private static async Task<List<Guid>> ListAllAsync(EmbeddedCouponStore store, string user)
    {
        var ids = new List<Guid>();
        Guid? after = null;
        do
        {
            var page = await store.ListUserCouponsAsync(user, null, after, StoreLimits.MaxPageSize);
            ids.AddRange(page.Items.Select(c => c.Id));
            after = page.NextAfter;
        }
        while (after is not null);

        return ids;
    }
}
