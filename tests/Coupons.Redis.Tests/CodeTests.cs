using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>
/// What is particular to codes on the Redis store (the contract is the shared conformance suite):
/// the own-code index, a shared code's stale record, the clashes of generated codes, and the claim
/// saga's crash window, finished forward by the sweeper. Run on one node and on a cluster.
/// </summary>
public abstract class RedisCodeTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _prefix = "k" + Guid.NewGuid().ToString("N")[..12] + ":";
    private RedisCouponStore _store = null!;
    private ConnectionMultiplexer _redis = null!;

    protected abstract string Configuration { get; }

    private RedisKeys Keys => _store.Keys;

    public async Task InitializeAsync()
    {
        _store = await RedisCouponStore.ConnectAsync(new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = Configuration, KeyPrefix = _prefix }, _time, TestCodes.Own);
        _redis = await ConnectionMultiplexer.ConnectAsync(Configuration);
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        _redis.Dispose();
        return Task.CompletedTask;
    }

    private static CampaignDefinition Terms(SealedCode? code = null, int perUserLimit = 1) => new()
    {
        Name = "Codes",
        Discount = Discount.AmountOffOf(500),
        PerUserLimit = perUserLimit,
        Validity = Validity.Relative(30),
        Code = code,
    };

    private static SealedCode Shared(string code)
    {
        var hash = TestCodes.Protector.HashOf(code);
        return new SealedCode(hash, TestCodes.Protector.ProtectToText(code, hash.AsOwner()));
    }

    private static List<NewCode> Generate(Guid campaignId, Guid jobId, int count, int first = 0) =>
        [.. Enumerable.Range(first, count).Select(i =>
        {
            Span<char> code = stackalloc char[CouponCodes.MaxCodeLength];
            var length = CodeDerivation.ForJob(TestCodes.Protector, jobId, i, 0, "", 12, code);
            var text = new string(code[..length]);
            return new NewCode(i, TestCodes.Protector.HashOf(text), TestCodes.Protector.Protect(text, campaignId));
        })];

    [Fact]
    public async Task A_claim_indexes_its_coupons_own_code_in_the_coupons_slot()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 5);
        var coupon = (await _store.ClaimAsync(campaign.Id, "ann", null)).Coupon!;

        var key = TestCodes.Own.KeyOf(coupon.Id);
        Assert.Equal(CouponIds.SlotOf(coupon.Id), key.Route);
        var found = await _store.FindCouponByCodeAsync(TestCodes.Own.KeyOf(TestCodes.Own.CodeOf(coupon.Id)));
        Assert.Equal((Outcome.Ok, coupon.Id), (found.Outcome, found.Coupon!.Id));
        Assert.Equal(RedisKeys.Id(coupon.Id), (string?)await _redis.GetDatabase().HashGetAsync(Keys.OwnCodes(key.Route), key.Hash.ToText()));
        Assert.Equal(Outcome.CouponNotFound, (await _store.FindCouponByCodeAsync(key with { Route = (key.Route + 1) % CouponOwnCodes.Routes })).Outcome);
        Assert.Equal(Outcome.CouponNotFound, (await _store.FindCouponByCodeAsync(TestCodes.Own.KeyOf(Guid.CreateVersion7()))).Outcome);
    }

    [Fact]
    public async Task A_taken_shared_code_creates_nothing_and_a_stale_record_is_taken_over_only_once_old()
    {
        var first = await _store.CreateCampaignAsync(Terms(Shared("SPRING-25")), 5);
        await Assert.ThrowsAsync<CodeTakenException>(() => _store.CreateCampaignAsync(Terms(Shared("SPRING-25")), 5).AsTask());
        Assert.Equal([first.Id], (await _store.ListCampaignsAsync(CampaignFilter.All, null, 10)).Items.Select(c => c.Id));
        Assert.Equal(Shared("SPRING-25").Hash, (await _store.GetCampaignAsync(first.Id))!.Definition.Code!.Hash);

        // A node died between taking the code and creating its campaign.
        var stale = Shared("GHOST");
        await _redis.GetDatabase().HashSetAsync(
            Keys.Codes(RedisKeys.CodeSlot(stale.Hash)), stale.Hash.ToText(), CodeRecord.Shared(Guid.CreateVersion7(), Start.ToUnixTimeMilliseconds()));
        Assert.Equal(Outcome.CodeNotFound, (await _store.ClaimByCodeAsync(stale.Hash, "ann", null)).Outcome);
        await Assert.ThrowsAsync<CodeTakenException>(() => _store.CreateCampaignAsync(Terms(stale), 5).AsTask());
        _time.Advance(SharedCodeIndex.StaleAfter);
        var second = await _store.CreateCampaignAsync(Terms(stale), 5);
        var claimed = await _store.ClaimByCodeAsync(stale.Hash, "ann", null);
        Assert.Equal((Outcome.Ok, second.Id), (claimed.Outcome, claimed.Coupon!.CampaignId));
    }

    [Fact]
    public async Task A_redone_step_keeps_its_codes_and_a_hash_held_elsewhere_clashes()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(Shared("HELD-CODE")), 5);
        var (job, other) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var codes = Generate(campaign.Id, job, 300);
        var added = await _store.AddCodesAsync(campaign.Id, job, codes);
        Assert.Equal((Outcome.Ok, 0), (added.Outcome, added.Clashes.Count));
        Assert.Empty((await _store.AddCodesAsync(campaign.Id, job, codes)).Clashes);
        // Redone with fresh seals: kept as first stored.
        var redone = Generate(campaign.Id, job, 300);
        Assert.Empty((await _store.AddCodesAsync(campaign.Id, job, redone)).Clashes);
        var page = await _store.ListCodesAsync(campaign.Id, null, null, 1_000);
        Assert.Equal(300, page.Items.Count);
        Assert.Equal(codes[7].Sealed, page.Items[7].Sealed);

        // Another job, a code of the first at another index, the campaign's shared code, and a hash twice in one step.
        var clashing = new List<NewCode>
        {
            Generate(campaign.Id, other, 1)[0],
            codes[5] with { Index = 1 },
            new(2, Shared("HELD-CODE").Hash, [1, 2, 3]),
            Generate(campaign.Id, other, 1, first: 3)[0],
            Generate(campaign.Id, other, 1, first: 3)[0] with { Index = 4 },
        };
        Assert.Equal([1, 2, 4], (await _store.AddCodesAsync(campaign.Id, other, clashing)).Clashes);
        Assert.Equal(302, (await _store.ListCodesAsync(campaign.Id, null, null, 1_000)).Items.Count);
    }

    [Fact]
    public async Task A_campaigns_codes_page_by_job_then_index_and_filter_by_status()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 50);
        var (first, second) = (Guid.CreateVersion7(Start), Guid.CreateVersion7(Start.AddMilliseconds(1)));
        var firstCodes = Generate(campaign.Id, first, 25);
        await _store.AddCodesAsync(campaign.Id, second, Generate(campaign.Id, second, 20));
        await _store.AddCodesAsync(campaign.Id, first, firstCodes);
        Assert.Equal(Outcome.Ok, (await _store.ClaimByCodeAsync(firstCodes[3].Hash, "ann", null)).Outcome);
        Assert.Equal(Outcome.Ok, (await _store.ClaimByCodeAsync(firstCodes[17].Hash, "bob", null)).Outcome);

        var read = new List<CodeEntry>();
        for (CodeCursor? after = null; ;)
        {
            var page = await _store.ListCodesAsync(campaign.Id, null, after, 7);
            read.AddRange(page.Items);
            if ((after = page.NextAfter) is null)
            {
                break;
            }
        }

        Assert.Equal([.. Enumerable.Range(0, 25).Select(i => (first, (long)i)), .. Enumerable.Range(0, 20).Select(i => (second, (long)i))], read.Select(e => (e.JobId, e.Index)));
        var claimed = await _store.ListCodesAsync(campaign.Id, CodeStatus.Claimed, null, 10);
        Assert.Equal([("ann", 3L), ("bob", 17L)], claimed.Items.Select(e => (e.UserId!, e.Index)));
        Assert.All(claimed.Items, e => Assert.NotNull(e.CouponId));
        Assert.Equal(43, (await _store.ListCodesAsync(campaign.Id, CodeStatus.Available, null, 100)).Items.Count);
        Assert.Equal(12, TestCodes.Protector.Unprotect(read[0].Sealed, campaign.Id).Length);
    }

    [Fact]
    public async Task Codes_are_refused_for_a_campaign_that_is_not_there_or_ended()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 5);
        var job = Guid.CreateVersion7();
        Assert.Equal(Outcome.CampaignNotFound, (await _store.AddCodesAsync(Guid.CreateVersion7(), job, Generate(campaign.Id, job, 2))).Outcome);
        await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End);
        Assert.Equal(Outcome.CampaignEnded, (await _store.AddCodesAsync(campaign.Id, job, Generate(campaign.Id, job, 2))).Outcome);
        Assert.Empty((await _store.ListCodesAsync(campaign.Id, null, null, 10)).Items);
    }

    [Fact]
    public async Task A_refused_claim_by_code_gives_the_code_back()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 1);
        var job = Guid.CreateVersion7();
        var codes = Generate(campaign.Id, job, 2);
        await _store.AddCodesAsync(campaign.Id, job, codes);
        Assert.Equal(Outcome.Ok, (await _store.ClaimAsync(campaign.Id, "first", null)).Outcome);

        Assert.Equal(Outcome.SoldOut, (await _store.ClaimByCodeAsync(codes[0].Hash, "ann", null)).Outcome);
        await _store.AddStockAsync(campaign.Id, 1);
        Assert.Equal(Outcome.Ok, (await _store.ClaimByCodeAsync(codes[0].Hash, "bob", null)).Outcome);
        Assert.Equal(Outcome.CodeAlreadyClaimed, (await _store.ClaimByCodeAsync(codes[0].Hash, "ann", null)).Outcome);
        Assert.Equal(0, await _redis.GetDatabase().SortedSetLengthAsync(Keys.CodeReservations(RedisKeys.CodeSlot(codes[0].Hash))));
    }

    [Fact]
    public async Task A_reservation_left_by_a_node_that_died_is_finished_forward_for_its_user()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 5);
        var job = Guid.CreateVersion7();
        var codes = Generate(campaign.Id, job, 2);
        await _store.AddCodesAsync(campaign.Id, job, codes);
        // (a) alone for one code; (a) and (b) for the other: the node died before (c).
        await ReserveAsync(codes[0].Hash, "ann");
        await ReserveAsync(codes[1].Hash, "bob");
        var made = await _store.ClaimAsync(campaign.Id, "bob", CodeRules.IdempotencyKeyOf(CodeKind.Unique, codes[1].Hash, null));
        Assert.Equal(Outcome.CodeAlreadyClaimed, (await _store.ClaimByCodeAsync(codes[0].Hash, "cat", null)).Outcome);

        Assert.Equal(0, await _store.SweepAsync());
        _time.Advance(CodeClaims.StaleAfter + TimeSpan.FromSeconds(1));
        Assert.Equal(2, await _store.SweepAsync());
        Assert.Equal(0, await _store.SweepAsync());

        var claimed = (await _store.ListCodesAsync(campaign.Id, CodeStatus.Claimed, null, 10)).Items;
        Assert.Equal([("ann", 0L), ("bob", 1L)], claimed.Select(e => (e.UserId!, e.Index)));
        Assert.Equal(made.Coupon!.Id, claimed[1].CouponId);
        var ann = await _store.ListUserCouponsAsync("ann", null, null, 10);
        Assert.Equal([claimed[0].CouponId!.Value], ann.Items.Select(c => c.Id));
        Assert.Single((await _store.ListUserCouponsAsync("bob", null, null, 10)).Items);
        Assert.Equal(2, (await _store.GetCampaignAsync(campaign.Id))!.Issued);
        var again = await _store.ClaimByCodeAsync(codes[0].Hash, "ann", null);
        Assert.Equal((Outcome.Replayed, claimed[0].CouponId), (again.Outcome, again.Coupon!.Id));
    }

    [Fact]
    public async Task A_user_retrying_after_a_node_died_gets_the_one_coupon()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(perUserLimit: 5), 5);
        var job = Guid.CreateVersion7();
        var codes = Generate(campaign.Id, job, 1);
        await _store.AddCodesAsync(campaign.Id, job, codes);
        await ReserveAsync(codes[0].Hash, "ann");
        var made = await _store.ClaimAsync(campaign.Id, "ann", CodeRules.IdempotencyKeyOf(CodeKind.Unique, codes[0].Hash, null));

        var retried = await _store.ClaimByCodeAsync(codes[0].Hash, "ann", "any-key");
        Assert.Equal((Outcome.Replayed, made.Coupon!.Id), (retried.Outcome, retried.Coupon!.Id));
        _time.Advance(CodeClaims.StaleAfter + TimeSpan.FromSeconds(1));
        Assert.Equal(0, await _store.SweepAsync());
        Assert.Equal(1, (await _store.GetCampaignAsync(campaign.Id))!.Issued);
    }

    private async Task ReserveAsync(CodeHash code, string userId)
    {
        var slot = RedisKeys.CodeSlot(code);
        var answer = (RedisResult[])(await Script.ClaimCode.RunAsync(
            _redis.GetDatabase(), [Keys.Codes(slot), Keys.CodeClaims(slot), Keys.CodeReservations(slot)],
            [code.ToText(), userId, _time.GetUtcNow().ToUnixTimeMilliseconds()]))!;
        Assert.Equal("ok", (string?)answer[0]);
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisCodeTestsOnOneNode(RedisServer server) : RedisCodeTests
{
    protected override string Configuration => server.Configuration;
}

[Collection(RedisClusterCollection.Name)]
public sealed class RedisCodeTestsOnCluster(RedisCluster cluster) : RedisCodeTests
{
    protected override string Configuration => cluster.Configuration;
}
