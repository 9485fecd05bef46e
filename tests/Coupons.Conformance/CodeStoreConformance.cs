using Coupons.Core;
using Coupons.Core.Codes;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Conformance;

/// <summary>
/// The behaviour every <see cref="ICodeStore"/> must have (DESIGN.md, Codes): shared codes unique on
/// <see cref="ICouponStore.CreateCampaignAsync"/>, generated codes stored once (a redone step kept, a
/// clash refused by position), listed by job then index, claimed once (one winner of a race, the
/// same coupon to the same user), refusals leaving a code available, and every coupon's own code
/// found. A store's test project derives from this class and says how to open its store, which
/// must use <see cref="TestCodes.Own"/>'s keys.
/// </summary>
public abstract partial class CodeStoreConformance : IAsyncLifetime
{
    /// <summary>The clock starts here: 2025-06-15T00:00:00Z.</summary>
    protected static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(Start);

    protected ICouponStore Store { get; private set; } = null!;

    protected ICodeStore Codes => (ICodeStore)Store;

    /// <summary>A new, empty store on <paramref name="time"/> with <see cref="TestCodes.Own"/>, ready for requests; it implements <see cref="ICodeStore"/>.</summary>
    protected abstract Task<ICouponStore> OpenAsync(FakeTimeProvider time);

    /// <summary>Closes the store and frees what <see cref="OpenAsync"/> made.</summary>
    protected abstract Task CloseAsync(ICouponStore store);

    public async Task InitializeAsync() => Store = await OpenAsync(Time);

    public Task DisposeAsync() => CloseAsync(Store);

    protected static CampaignDefinition Terms(int perUserLimit = 1, SealedCode? code = null) => new()
    {
        Name = "Code conformance",
        Discount = Discount.AmountOffOf(500),
        PerUserLimit = perUserLimit,
        Validity = Validity.Relative(30),
        Code = code,
    };

    /// <summary>A shared code of its own (a store may be shared by several tests), sealed as the API seals it.</summary>
    protected static (string Code, SealedCode Sealed) NewSharedCode(string stem = "SHARE")
    {
        var code = SharedCodes.Normalize(stem + "-" + Guid.NewGuid().ToString("N")[..10]);
        var hash = TestCodes.Protector.HashOf(code);
        return (code, new SealedCode(hash, TestCodes.Protector.ProtectToText(code, hash.AsOwner())));
    }

    /// <summary>A generation step's codes: <paramref name="count"/> derived codes of <paramref name="jobId"/> from index <paramref name="from"/>, sealed for <paramref name="campaignId"/>.</summary>
    protected static (string Code, NewCode New)[] DeriveCodes(Guid campaignId, Guid jobId, int count, long from = 0)
    {
        var codes = new (string, NewCode)[count];
        var buffer = new char[CouponCodes.MaxCodeLength];
        for (var i = 0; i < count; i++)
        {
            var index = from + i;
            var length = CodeDerivation.ForJob(TestCodes.Protector, jobId, index, 0, string.Empty, CouponCodes.DefaultLength, buffer);
            var code = new string(buffer, 0, length);
            codes[i] = (code, new NewCode(index, TestCodes.Protector.HashOf(code), TestCodes.Protector.Protect(code, campaignId)));
        }

        return codes;
    }

    /// <summary>A job id later than any made before on this clock (listing goes by job, oldest first).</summary>
    protected Guid NewJobId()
    {
        Time.Advance(TimeSpan.FromMilliseconds(5));
        return Guid.CreateVersion7(Time.GetUtcNow());
    }

    protected async Task<(CampaignInfo Campaign, Guid JobId, (string Code, NewCode New)[] Codes)> CampaignWithCodesAsync(int count, long stock = 100, int perUserLimit = 1)
    {
        var campaign = await Store.CreateCampaignAsync(Terms(perUserLimit), stock);
        var jobId = NewJobId();
        var codes = DeriveCodes(campaign.Id, jobId, count);
        var added = await Codes.AddCodesAsync(campaign.Id, jobId, [.. codes.Select(c => c.New)]);
        Assert.Equal(Outcome.Ok, added.Outcome);
        Assert.Empty(added.Clashes);
        return (campaign, jobId, codes);
    }

    protected async Task<List<CodeEntry>> ListAllAsync(Guid campaignId, CodeStatus? status = null, int pageSize = 7)
    {
        var all = new List<CodeEntry>();
        CodeCursor? after = null;
        for (var pages = 0; pages < 10_000; pages++)
        {
            var page = await Codes.ListCodesAsync(campaignId, status, after, pageSize);
            Assert.True(page.Items.Count <= pageSize);
            all.AddRange(page.Items);
            if (page.NextAfter is not { } next)
            {
                return all;
            }

            after = next;
        }

        throw new InvalidOperationException("the listing never ended");
    }

    [Fact]
    public async Task An_unknown_code_is_code_not_found()
    {
        await CampaignWithCodesAsync(3);
        var unknown = TestCodes.Protector.HashOf("NOSUCHCODE22");

        Assert.Equal(Outcome.CodeNotFound, (await Codes.ClaimByCodeAsync(unknown, "alice", null)).Outcome);
        Assert.Equal(Outcome.CodeNotFound, (await Codes.ClaimByCodeAsync(unknown, "alice", "key")).Outcome);
    }

    [Fact]
    public async Task A_shared_code_claims_under_the_per_user_limit_and_replays_without_a_key()
    {
        var (_, shared) = NewSharedCode();
        var campaign = await Store.CreateCampaignAsync(Terms(perUserLimit: 2, code: shared), 10);
        Assert.Equal(shared, (await Store.GetCampaignAsync(campaign.Id))!.Definition.Code);

        var first = await Codes.ClaimByCodeAsync(shared.Hash, "alice", null);
        Assert.Equal(Outcome.Ok, first.Outcome);
        Assert.Equal(campaign.Id, first.Coupon!.CampaignId);
        var again = await Codes.ClaimByCodeAsync(shared.Hash, "alice", null);
        Assert.Equal((Outcome.Replayed, first.Coupon.Id), (again.Outcome, again.Coupon!.Id));

        var keyed = await Codes.ClaimByCodeAsync(shared.Hash, "alice", "second");
        Assert.Equal(Outcome.Ok, keyed.Outcome);
        Assert.NotEqual(first.Coupon.Id, keyed.Coupon!.Id);
        Assert.Equal((Outcome.Replayed, keyed.Coupon.Id), ((await Codes.ClaimByCodeAsync(shared.Hash, "alice", "second")).Outcome, keyed.Coupon.Id));
        Assert.Equal(Outcome.LimitReached, (await Codes.ClaimByCodeAsync(shared.Hash, "alice", "third")).Outcome);
        Assert.Equal(Outcome.Ok, (await Codes.ClaimByCodeAsync(shared.Hash, "bob", null)).Outcome);
        Assert.Equal(3, (await Store.GetStatsAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task A_shared_code_of_a_paused_or_sold_out_campaign_refuses_with_the_campaign_outcome()
    {
        var (_, shared) = NewSharedCode();
        var campaign = await Store.CreateCampaignAsync(Terms(code: shared), 1);
        Assert.Equal(Outcome.Ok, (await Codes.ClaimByCodeAsync(shared.Hash, "alice", null)).Outcome);
        Assert.Equal(Outcome.SoldOut, (await Codes.ClaimByCodeAsync(shared.Hash, "bob", null)).Outcome);
        await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause);
        Assert.Equal(Outcome.CampaignNotActive, (await Codes.ClaimByCodeAsync(shared.Hash, "carol", null)).Outcome);
    }

    [Fact]
    public async Task A_shared_code_another_campaign_has_is_taken_and_nothing_is_created()
    {
        var (_, shared) = NewSharedCode();
        var first = await Store.CreateCampaignAsync(Terms(code: shared), 10);
        var before = await Store.ListCampaignsAsync(CampaignFilter.All, null, StoreLimits.MaxPageSize);

        // Sealed again (another nonce): the same code is the same hash.
        var resealed = new SealedCode(shared.Hash, TestCodes.Protector.ProtectToText(TestCodes.Protector.UnprotectText(shared.Sealed, shared.Hash.AsOwner()), shared.Hash.AsOwner()));
        await Assert.ThrowsAsync<CodeTakenException>(async () => await Store.CreateCampaignAsync(Terms(code: resealed), 10));

        var after = await Store.ListCampaignsAsync(CampaignFilter.All, null, StoreLimits.MaxPageSize);
        Assert.Equal(before.Items.Select(c => c.Id), after.Items.Select(c => c.Id));
        var claim = await Codes.ClaimByCodeAsync(shared.Hash, "alice", null);
        Assert.Equal((Outcome.Ok, first.Id), (claim.Outcome, claim.Coupon!.CampaignId));
    }

    [Fact]
    public async Task A_shared_code_a_generated_code_has_is_taken()
    {
        var (campaign, _, codes) = await CampaignWithCodesAsync(2);
        var hash = codes[1].New.Hash;
        var taken = new SealedCode(hash, TestCodes.Protector.ProtectToText(codes[1].Code, hash.AsOwner()));

        await Assert.ThrowsAsync<CodeTakenException>(async () => await Store.CreateCampaignAsync(Terms(code: taken), 10));
        var claim = await Codes.ClaimByCodeAsync(hash, "alice", null);
        Assert.Equal((Outcome.Ok, campaign.Id), (claim.Outcome, claim.Coupon!.CampaignId));
    }

    [Fact]
    public async Task Adding_codes_refuses_an_unknown_or_ended_campaign()
    {
        var jobId = NewJobId();
        var missing = Guid.CreateVersion7();
        Assert.Equal(Outcome.CampaignNotFound, (await Codes.AddCodesAsync(missing, jobId, [.. DeriveCodes(missing, jobId, 2).Select(c => c.New)])).Outcome);

        var campaign = await Store.CreateCampaignAsync(Terms(), 10);
        await Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End);
        var codes = DeriveCodes(campaign.Id, jobId, 2);
        Assert.Equal(Outcome.CampaignEnded, (await Codes.AddCodesAsync(campaign.Id, jobId, [.. codes.Select(c => c.New)])).Outcome);
        Assert.Empty((await Codes.ListCodesAsync(campaign.Id, null, null, 10)).Items);
        Assert.Equal(Outcome.CodeNotFound, (await Codes.ClaimByCodeAsync(codes[0].New.Hash, "alice", null)).Outcome);

        // A paused campaign still takes codes.
        var paused = await Store.CreateCampaignAsync(Terms(), 10);
        await Store.ChangeCampaignStatusAsync(paused.Id, CampaignCommand.Pause);
        var pausedJob = NewJobId();
        Assert.Equal(Outcome.Ok, (await Codes.AddCodesAsync(paused.Id, pausedJob, [.. DeriveCodes(paused.Id, pausedJob, 2).Select(c => c.New)])).Outcome);
    }

    [Fact]
    public async Task Generated_codes_are_listed_sealed_for_their_campaign_and_reserve_no_stock()
    {
        var (campaign, jobId, codes) = await CampaignWithCodesAsync(5, stock: 3);

        var listed = await ListAllAsync(campaign.Id, pageSize: 2);
        Assert.Equal(codes.Select(c => (jobId, c.New.Index, c.New.Hash)), listed.Select(e => (e.JobId, e.Index, e.Hash)));
        Assert.All(listed, e => Assert.Equal((CodeStatus.Available, (string?)null, (Guid?)null, (long?)null), (e.Status, e.UserId, e.CouponId, e.ClaimedAtMs)));
        Assert.Equal(codes.Select(c => c.Code), listed.Select(e => TestCodes.Protector.Unprotect(e.Sealed, campaign.Id)));
        Assert.Equal((3L, 0L), ((await Store.GetStatsAsync(campaign.Id))!.RemainingStock, (await Store.GetStatsAsync(campaign.Id))!.Issued));
    }

    [Fact]
    public async Task A_redone_step_keeps_its_codes_and_a_clash_is_refused_by_position()
    {
        var (campaign, jobId, codes) = await CampaignWithCodesAsync(4);

        // The same step again (sealed again, so other bytes): nothing clashes, nothing is added twice.
        var redone = DeriveCodes(campaign.Id, jobId, 4);
        var again = await Codes.AddCodesAsync(campaign.Id, jobId, [.. redone.Select(c => c.New)]);
        Assert.Equal(Outcome.Ok, again.Outcome);
        Assert.Empty(again.Clashes);

        // A later step whose list carries two codes others have: one of the first step at another index, one twice.
        var next = DeriveCodes(campaign.Id, jobId, 3, from: 4);
        var clashing = new[] { next[0].New, codes[2].New with { Index = 7 }, next[1].New, next[1].New with { Index = 8 }, next[2].New };
        var result = await Codes.AddCodesAsync(campaign.Id, jobId, clashing);
        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal(new[] { 1, 3 }, result.Clashes);

        var listed = await ListAllAsync(campaign.Id);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6 }, listed.Select(e => e.Index));
        Assert.Equal(codes.Select(c => c.Code), listed.Take(4).Select(e => TestCodes.Protector.Unprotect(e.Sealed, campaign.Id)));
    }

    [Fact]
    public async Task A_generated_code_another_campaign_has_clashes()
    {
        var (_, jobId, codes) = await CampaignWithCodesAsync(2);
        var other = await Store.CreateCampaignAsync(Terms(), 10);

        var result = await Codes.AddCodesAsync(other.Id, jobId, [.. codes.Select(c => c.New)]);
        Assert.Equal(Outcome.Ok, result.Outcome);
        Assert.Equal(new[] { 0, 1 }, result.Clashes);
        Assert.Empty((await Codes.ListCodesAsync(other.Id, null, null, 10)).Items);
    }

    [Fact]
    public async Task A_generated_code_a_shared_code_has_clashes_and_is_not_stored()
    {
        var jobId = NewJobId();
        var campaign = await Store.CreateCampaignAsync(Terms(), 10);
        var codes = DeriveCodes(campaign.Id, jobId, 3);
        var sharedHash = codes[1].New.Hash;
        var owner = await Store.CreateCampaignAsync(Terms(code: new SealedCode(sharedHash, TestCodes.Protector.ProtectToText(codes[1].Code, sharedHash.AsOwner()))), 10);

        var result = await Codes.AddCodesAsync(campaign.Id, jobId, [.. codes.Select(c => c.New)]);
        Assert.Equal(new[] { 1 }, result.Clashes);
        Assert.Equal(new long[] { 0, 2 }, (await ListAllAsync(campaign.Id)).Select(e => e.Index));
        Assert.Equal(owner.Id, (await Codes.ClaimByCodeAsync(sharedHash, "alice", null)).Coupon!.CampaignId);
    }

    [Fact]
    public async Task Listing_goes_by_job_then_index_and_filters_by_status()
    {
        var campaign = await Store.CreateCampaignAsync(Terms(), 100);
        var firstJob = NewJobId();
        var secondJob = NewJobId();
        // The later job's codes are added first: the listing still goes by job.
        var second = DeriveCodes(campaign.Id, secondJob, 6);
        var first = DeriveCodes(campaign.Id, firstJob, 9);
        Assert.Empty((await Codes.AddCodesAsync(campaign.Id, secondJob, [.. second.Select(c => c.New)])).Clashes);
        Assert.Empty((await Codes.AddCodesAsync(campaign.Id, firstJob, [.. first.Select(c => c.New)])).Clashes);
        var claimed = new[] { first[0], first[4], second[5] };
        for (var i = 0; i < claimed.Length; i++)
        {
            Assert.Equal(Outcome.Ok, (await Codes.ClaimByCodeAsync(claimed[i].New.Hash, "user-" + i, null)).Outcome);
        }

        var all = await ListAllAsync(campaign.Id, pageSize: 4);
        Assert.Equal(first.Select(c => (firstJob, c.New.Index)).Concat(second.Select(c => (secondJob, c.New.Index))), all.Select(e => (e.JobId, e.Index)));
        var claimedHashes = claimed.Select(c => c.New.Hash).ToHashSet();
        Assert.Equal(all.Where(e => claimedHashes.Contains(e.Hash)).Select(e => e.Hash), (await ListAllAsync(campaign.Id, CodeStatus.Claimed, 2)).Select(e => e.Hash));
        Assert.Equal(all.Where(e => !claimedHashes.Contains(e.Hash)).Select(e => e.Hash), (await ListAllAsync(campaign.Id, CodeStatus.Available, 5)).Select(e => e.Hash));

        var afterFirstJob = await Codes.ListCodesAsync(campaign.Id, null, new CodeCursor(firstJob, 8), 3);
        Assert.Equal(second.Take(3).Select(c => c.New.Hash), afterFirstJob.Items.Select(e => e.Hash));
        Assert.Equal(afterFirstJob.Items[^1].Cursor, afterFirstJob.NextAfter);
        var last = await Codes.ListCodesAsync(campaign.Id, null, new CodeCursor(secondJob, 2), 3);
        Assert.Equal(3, last.Items.Count);
        Assert.Null((await Codes.ListCodesAsync(campaign.Id, null, new CodeCursor(secondJob, 5), 3)).NextAfter);
        Assert.Empty((await Codes.ListCodesAsync(Guid.CreateVersion7(), null, null, 3)).Items);
    }
}
