using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;

namespace Coupons.Api.Tests.Client;

/// <summary>
/// Codes through <see cref="CouponsClient"/> against the real service (embedded store, where jobs
/// run): generated codes made by a job, listed, exported as CSV and claimed once each; a coupon's
/// own code found by the till; a campaign's shared code.
/// </summary>
public sealed class ClientCodeTests(CouponsApiFactory factory) : ClientTestBase(factory), IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task Generated_codes_are_made_by_a_job_listed_exported_and_claimed_once_each()
    {
        var admin = Admin;
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("Codes", new AmountOffDiscount(500), 10, Validity.ForDays(30)));
        var key = "gen-" + Unique();
        var started = await admin.GenerateCodesAsync(campaign.Id, 5, prefix: "summer", length: 10, idempotencyKey: key);
        Assert.Equal(("codes", campaign.Id, 5L), (started.Kind, started.CampaignId, started.Total));
        Assert.Equal(started.Id, (await admin.GenerateCodesAsync(campaign.Id, 5, prefix: "summer", length: 10, idempotencyKey: key)).Id);
        var job = await WaitAsync(admin, started.Id);
        Assert.Equal((JobStatus.Succeeded, 5L, 5L), (job.Status, job.Done, job.Results["ok"]));
        Assert.Equal(ProblemCode.JobFinished, (await Assert.ThrowsAsync<CouponsApiException>(() => admin.CancelJobAsync(job.Id))).Code);
        Assert.Equal(ProblemCode.JobNotFound, (await Assert.ThrowsAsync<CouponsApiException>(() => admin.GetJobAsync(Guid.NewGuid()))).Code);

        var first = await admin.ListCodesPageAsync(campaign.Id, limit: 2);
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.NextCursor);
        var codes = await admin.ListCodesAsync(campaign.Id, pageSize: 2).ToListAsync();
        Assert.Equal(5, codes.Select(c => c.Code).Distinct().Count());
        Assert.All(codes, c => Assert.Equal((true, 16, CodeStatus.Available, (Guid?)null), (c.Code.StartsWith("SUMMER", StringComparison.Ordinal), c.Code.Length, c.Status, c.CouponId)));

        using var csv = new MemoryStream();
        await admin.ExportCodesAsync(campaign.Id, csv);
        var lines = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("code,status,userId,couponId,claimedAt", lines[0]);
        Assert.Equal(codes.Select(c => c.Code), lines.Skip(1).Select(line => line.Split(',')[0]));

        // Typed as a person would: lower case, in groups of four.
        var code = codes[3].Code;
        var aliceId = "alice-" + Unique();
        var alice = User(aliceId);
        var claimed = await alice.ClaimByCodeAsync(string.Join("-", code.ToLowerInvariant().Chunk(4).Select(g => new string(g))));
        var replayed = await alice.ClaimByCodeAsync(code);
        Assert.Equal((false, true, claimed.Coupon.Id, campaign.Id), (claimed.IsReplay, replayed.IsReplay, replayed.Coupon.Id, claimed.Coupon.CampaignId));
        var refused = await User("bob-" + Unique()).TryClaimByCodeAsync(code);
        Assert.Equal((409, ProblemCode.CodeAlreadyClaimed), (refused.Status, refused.Code));

        var taken = Assert.Single(await admin.ListCodesAsync(campaign.Id, CodeStatus.Claimed).ToListAsync());
        Assert.Equal((code, aliceId, (Guid?)claimed.Coupon.Id), (taken.Code, taken.UserId, taken.CouponId));
        Assert.NotNull(taken.ClaimedAt);
        var claimedLines = await admin.ExportCodeLinesAsync(campaign.Id, CodeStatus.Claimed).ToListAsync();
        Assert.Equal(2, claimedLines.Count);
        Assert.StartsWith($"{code},claimed,{aliceId},{claimed.Coupon.Id:D},", claimedLines[1], StringComparison.Ordinal);
        Assert.Equal(4, await admin.ListCodesAsync(campaign.Id, CodeStatus.Available).CountAsync());
    }

    [Fact]
    public async Task The_till_finds_a_coupon_by_its_own_code()
    {
        var campaign = await Admin.CreateCampaignAsync(new NewCampaign("Till", new AmountOffDiscount(300), 5, Validity.ForDays(30)));
        var user = User("user-" + Unique());
        var coupon = (await user.ClaimAsync(campaign.Id)).Coupon;
        Assert.False(string.IsNullOrEmpty(coupon.Code));
        Assert.Equal(coupon.Code, (await user.GetCouponAsync(coupon.Id)).Code);

        var found = await Service.LookupCodeAsync(coupon.Code!.ToLowerInvariant());
        Assert.Equal((coupon.Id, coupon.Code), (found.Id, found.Code));
        var locked = await Service.LockAsync(found.Id, "till-order-1", 2_000);
        Assert.Equal(CouponStatus.Locked, locked.Coupon.Status);

        var typo = coupon.Code[..6] + (coupon.Code[6] == 'A' ? 'B' : 'A') + coupon.Code[7..];
        var mistyped = await Service.TryLookupCodeAsync(typo);
        Assert.Equal((404, ProblemCode.CodeNotFound), (mistyped.Status, mistyped.Code));
        Assert.Equal(ProblemCode.Forbidden, (await Assert.ThrowsAsync<CouponsApiException>(() => user.LookupCodeAsync(coupon.Code))).Code);
    }

    [Fact]
    public async Task A_shared_code_gives_each_user_coupons_under_the_limit_and_is_unique_across_campaigns()
    {
        var admin = Admin;
        var code = "Summer-" + Unique()[..6];
        var campaign = await admin.CreateCampaignAsync(new NewCampaign("Shared", new PercentOffDiscount(10), 10, Validity.ForDays(30)) { PerUserLimit = 2, Code = code });
        Assert.Equal(code.ToUpperInvariant(), campaign.Code);
        Assert.Equal(code.ToUpperInvariant(), (await admin.GetCampaignAsync(campaign.Id)).Code);
        var alice = User("alice-" + Unique());
        Assert.Null((await alice.GetCampaignAsync(campaign.Id)).Code);

        var first = await alice.ClaimByCodeAsync(code.ToLowerInvariant());
        var again = await alice.ClaimByCodeAsync(code);
        Assert.Equal((false, true, first.Coupon.Id, campaign.Id), (first.IsReplay, again.IsReplay, again.Coupon.Id, first.Coupon.CampaignId));
        var second = await alice.ClaimByCodeAsync(code, idempotencyKey: "second");
        var secondAgain = await alice.ClaimByCodeAsync(code, idempotencyKey: "second");
        Assert.NotEqual(first.Coupon.Id, second.Coupon.Id);
        Assert.Equal((false, true, second.Coupon.Id, "second"), (second.IsReplay, secondAgain.IsReplay, secondAgain.Coupon.Id, secondAgain.IdempotencyKey));
        Assert.Equal(ProblemCode.LimitReached, (await alice.TryClaimByCodeAsync(code, idempotencyKey: "third")).Code);
        Assert.False((await User("bob-" + Unique()).ClaimByCodeAsync(code)).IsReplay);

        var clash = await Assert.ThrowsAsync<CouponsApiException>(() =>
            admin.CreateCampaignAsync(new NewCampaign("Clash", new PercentOffDiscount(10), 1, Validity.ForDays(1)) { Code = code.ToLowerInvariant() }));
        Assert.Equal((ProblemCode.CodeTaken, System.Net.HttpStatusCode.Conflict), (clash.Code, clash.StatusCode));
        var unknown = await alice.TryClaimByCodeAsync("NO-SUCH-" + Unique()[..8]);
        Assert.Equal((404, ProblemCode.CodeNotFound), (unknown.Status, unknown.Code));
    }

}
