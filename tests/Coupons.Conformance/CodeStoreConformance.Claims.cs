using Coupons.Core;
using Coupons.Core.Codes;

namespace Coupons.Conformance;

/// <summary>Claims by a generated code, and every coupon's own code.</summary>
public abstract partial class CodeStoreConformance
{
    [Fact]
    public async Task A_generated_code_gives_one_coupon_and_the_same_one_to_the_same_user()
    {
        var (campaign, jobId, codes) = await CampaignWithCodesAsync(2, perUserLimit: 5);
        var hash = codes[0].New.Hash;

        var claim = await Codes.ClaimByCodeAsync(hash, "alice", null);
        Assert.Equal(Outcome.Ok, claim.Outcome);
        Assert.Equal((campaign.Id, "alice"), (claim.Coupon!.CampaignId, claim.Coupon.UserId));
        // A unique code claims under its own key: another key of the caller's changes nothing.
        foreach (var key in new[] { null, "other-key" })
        {
            var again = await Codes.ClaimByCodeAsync(hash, "alice", key);
            Assert.Equal((Outcome.Replayed, claim.Coupon.Id), (again.Outcome, again.Coupon!.Id));
        }

        var bob = await Codes.ClaimByCodeAsync(hash, "bob", null);
        Assert.Equal((Outcome.CodeAlreadyClaimed, (Coupon?)null), (bob.Outcome, bob.Coupon));
        var stats = (await Store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((1L, 1L), (stats.Issued, stats.Rejected.GetValueOrDefault("code_already_claimed")));

        var listed = Assert.Single(await ListAllAsync(campaign.Id, CodeStatus.Claimed));
        Assert.Equal((jobId, 0L, "alice", (Guid?)claim.Coupon.Id, (long?)claim.Coupon.ClaimedAtMs), (listed.JobId, listed.Index, listed.UserId, listed.CouponId, listed.ClaimedAtMs));
        Assert.Equal(codes[1].New.Hash, Assert.Single(await ListAllAsync(campaign.Id, CodeStatus.Available)).Hash);

        // Even once the campaign has ended, the code's owner is given its coupon again.
        await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End);
        Assert.Equal((Outcome.Replayed, claim.Coupon.Id), ((await Codes.ClaimByCodeAsync(hash, "alice", null)).Outcome, claim.Coupon.Id));
    }

    [Fact]
    public async Task Users_racing_for_one_generated_code_leave_exactly_one_winner()
    {
        var (campaign, _, codes) = await CampaignWithCodesAsync(3, stock: 1_000, perUserLimit: 3);
        var users = Enumerable.Range(0, 24).Select(i => "racer-" + i).ToArray();

        foreach (var (_, code) in codes)
        {
            var attempts = users.SelectMany(u => Enumerable.Range(0, 3).Select(_ => Task.Run(() => Codes.ClaimByCodeAsync(code.Hash, u, null).AsTask())));
            var results = await Task.WhenAll(attempts);

            var winners = results.Where(r => r.Outcome is Outcome.Ok).ToList();
            var winner = Assert.Single(winners).Coupon!;
            Assert.All(results, r => Assert.True(
                r.Outcome == Outcome.CodeAlreadyClaimed || (r.Outcome is Outcome.Ok or Outcome.Replayed && r.Coupon!.Id == winner.Id && r.Coupon.UserId == winner.UserId),
                $"{r.Outcome} for {r.Coupon?.UserId}"));
            Assert.Equal(2, results.Count(r => r.Outcome == Outcome.Replayed));
            Assert.Equal(winner.UserId, Assert.Single(await ListAllAsync(campaign.Id, CodeStatus.Claimed), e => e.Hash == code.Hash).UserId);
        }

        Assert.Equal(3, (await Store.GetStatsAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task A_refused_claim_leaves_the_code_available()
    {
        var (campaign, _, codes) = await CampaignWithCodesAsync(1, stock: 2);
        var hash = codes[0].New.Hash;

        // limit_reached: alice already holds the one coupon she may have.
        Assert.Equal(Outcome.Ok, (await Store.ClaimAsync(campaign.Id, "alice", null)).Outcome);
        Assert.Equal(Outcome.LimitReached, (await Codes.ClaimByCodeAsync(hash, "alice", null)).Outcome);
        Assert.Single(await ListAllAsync(campaign.Id, CodeStatus.Available));

        // sold_out: the last unit goes to a claim by id.
        Assert.Equal(Outcome.Ok, (await Store.ClaimAsync(campaign.Id, "carol", null)).Outcome);
        Assert.Equal(Outcome.SoldOut, (await Codes.ClaimByCodeAsync(hash, "bob", null)).Outcome);
        Assert.Single(await ListAllAsync(campaign.Id, CodeStatus.Available));

        // campaign_not_active: paused, with stock again.
        await Store.AddStockAsync(campaign.Id, 1);
        await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause);
        Assert.Equal(Outcome.CampaignNotActive, (await Codes.ClaimByCodeAsync(hash, "bob", null)).Outcome);
        Assert.Single(await ListAllAsync(campaign.Id, CodeStatus.Available));

        await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Resume);
        var claim = await Codes.ClaimByCodeAsync(hash, "bob", null);
        Assert.Equal(Outcome.Ok, claim.Outcome);
        Assert.Equal(claim.Coupon!.Id, Assert.Single(await ListAllAsync(campaign.Id, CodeStatus.Claimed)).CouponId);
        Assert.Equal(Outcome.CodeAlreadyClaimed, (await Codes.ClaimByCodeAsync(hash, "alice", null)).Outcome);
    }

    [Fact]
    public async Task Every_coupon_is_found_by_its_own_code()
    {
        var (shareCode, shared) = NewSharedCode();
        var campaign = await Store.CreateCampaignAsync(Terms(perUserLimit: 3, code: shared), 100);
        var jobId = NewJobId();
        var codes = DeriveCodes(campaign.Id, jobId, 1);
        Assert.Empty((await Codes.AddCodesAsync(campaign.Id, jobId, [codes[0].New])).Clashes);

        var coupons = new List<Coupon>
        {
            (await Store.ClaimAsync(campaign.Id, "alice", null)).Coupon!,
            (await Codes.ClaimByCodeAsync(shared.Hash, "bob", null)).Coupon!,
            (await Codes.ClaimByCodeAsync(codes[0].New.Hash, "carol", null)).Coupon!,
            // An issuance job claims by id under its job's key (IssuanceHandler).
            (await Store.ClaimAsync(campaign.Id, "dave", "job:" + Guid.NewGuid().ToString("N"))).Coupon!,
        };

        foreach (var coupon in coupons)
        {
            var found = await Codes.FindCouponByCodeAsync(TestCodes.Own.KeyOf(coupon.Id));
            Assert.Equal(Outcome.Ok, found.Outcome);
            Assert.Equal((coupon.Id, coupon.UserId), (found.Coupon!.Id, found.Coupon.UserId));
            // The code as typed (its canonical form) leads to the same key.
            Assert.Equal(coupon.Id, (await Codes.FindCouponByCodeAsync(TestCodes.Own.KeyOf(TestCodes.Own.CodeOf(coupon.Id)))).Coupon!.Id);
        }

        // A redeemed coupon is still found, in its current state.
        await Store.RedeemAsync(coupons[0].Id, null, "order-1", 2_000);
        Assert.Equal(CouponStatus.Used, (await Codes.FindCouponByCodeAsync(TestCodes.Own.KeyOf(coupons[0].Id))).Coupon!.Status);
        Assert.NotEmpty(shareCode);
    }

    [Fact]
    public async Task A_code_that_is_no_coupons_own_is_coupon_not_found()
    {
        var (campaign, _, codes) = await CampaignWithCodesAsync(1);
        await Store.ClaimAsync(campaign.Id, "alice", null);

        Assert.Equal(Outcome.CouponNotFound, (await Codes.FindCouponByCodeAsync(TestCodes.Own.KeyOf(Guid.CreateVersion7()))).Outcome);
        // A generated code's hash is not a coupon's own code, even once claimed.
        await Codes.ClaimByCodeAsync(codes[0].New.Hash, "bob", null);
        Assert.Equal(Outcome.CouponNotFound, (await Codes.FindCouponByCodeAsync(new CouponCodeKey(codes[0].New.Hash, 0))).Outcome);
    }
}
