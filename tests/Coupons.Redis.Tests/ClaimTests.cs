using Coupons.Core;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>The Redis store's campaigns and claims, against a real redis-server.</summary>
[Collection(RedisCollection.Name)]
public sealed class ClaimTests(RedisServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..12] + ":";
    private RedisCouponStore _store = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _store = await RedisCouponStore.ConnectAsync(new RedisStoreOptions { Configuration = server.Configuration, KeyPrefix = _prefix }, _time);
        _redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        _redis.Dispose();
        return Task.CompletedTask;
    }

    private static CampaignDefinition Terms(int perUserLimit = 1, long? claimEndsAtMs = null) => new()
    {
        Name = "Flash sale",
        Discount = Discount.AmountOffOf(500),
        MinOrderAmount = 1_000,
        PerUserLimit = perUserLimit,
        ClaimEndsAtMs = claimEndsAtMs,
        Validity = Validity.Relative(30),
    };

    [Fact]
    public async Task A_created_campaign_reads_back_whole_and_is_listed_in_creation_order()
    {
        var first = await _store.CreateCampaignAsync(Terms(perUserLimit: 3) with { Name = "First" }, 10);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        var percent = Terms() with { Name = "Second", Discount = Discount.PercentOffOf(15, 2_000), Validity = Validity.Absolute(1, Start.AddDays(9).ToUnixTimeMilliseconds()) };
        var second = await _store.CreateCampaignAsync(percent, 20);

        var read = await _store.GetCampaignAsync(second.Id);
        Assert.Equal(second, read);
        Assert.Equal(percent, read!.Definition);
        Assert.Equal(Start.ToUnixTimeMilliseconds() + 5, read.CreatedAtMs);
        Assert.Null(await _store.GetCampaignAsync(Guid.CreateVersion7()));

        var page = await _store.ListCampaignsAsync(null, 1);
        Assert.Equal([first.Id], page.Items.Select(c => c.Id));
        var rest = await _store.ListCampaignsAsync(page.NextAfter, 10);
        Assert.Equal([second.Id], rest.Items.Select(c => c.Id));
        Assert.Null(rest.NextAfter);
    }

    [Fact]
    public async Task A_claim_gives_a_coupon_that_reads_back_and_only_to_its_owner()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 5);

        var claim = await _store.ClaimAsync(campaign.Id, "alice", null);

        Assert.Equal(Outcome.Ok, claim.Outcome);
        var coupon = claim.Coupon!;
        Assert.Equal(("alice", campaign.Id, CouponStatus.Unused), (coupon.UserId, coupon.CampaignId, coupon.Status));
        Assert.Equal(Start.ToUnixTimeMilliseconds(), coupon.ValidFromMs);
        Assert.Equal(Start.AddDays(30).ToUnixTimeMilliseconds(), coupon.ValidToMs);
        Assert.Equal(coupon, (await _store.GetCouponAsync(coupon.Id, "alice")).Coupon);
        Assert.Equal(coupon, (await _store.GetCouponAsync(coupon.Id, null)).Coupon);
        Assert.Equal(Outcome.CouponNotFound, (await _store.GetCouponAsync(coupon.Id, "mallory")).Outcome);
        Assert.Equal(Outcome.CouponNotFound, (await _store.GetCouponAsync(CouponIds.New(CouponIds.SlotOf(coupon.Id), 1), null)).Outcome);
        Assert.Equal(1, (await _store.GetCampaignAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task Refusals_come_in_the_contract_order_and_are_counted()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(perUserLimit: 1), 2);
        Assert.Equal(Outcome.CampaignNotFound, (await _store.ClaimAsync(Guid.CreateVersion7(), "alice", null)).Outcome);

        Assert.Equal(Outcome.Ok, (await _store.ClaimAsync(campaign.Id, "alice", null)).Outcome);
        Assert.Equal(Outcome.LimitReached, (await _store.ClaimAsync(campaign.Id, "alice", null)).Outcome);
        Assert.Equal(Outcome.Ok, (await _store.ClaimAsync(campaign.Id, "bob", null)).Outcome);
        Assert.Equal(Outcome.SoldOut, (await _store.ClaimAsync(campaign.Id, "carol", null)).Outcome);
        // Limit before stock: alice is refused for her limit even when the stock is gone.
        Assert.Equal(Outcome.LimitReached, (await _store.ClaimAsync(campaign.Id, "alice", null)).Outcome);

        Assert.Equal(Outcome.Ok, (await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause)).Outcome);
        Assert.Equal(Outcome.CampaignNotActive, (await _store.ClaimAsync(campaign.Id, "alice", null)).Outcome);

        var stats = (await _store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((2L, 2L, 0L), (stats.TotalStock, stats.Issued, stats.RemainingStock));
        Assert.Equal(new Dictionary<string, long> { ["limit_reached"] = 2, ["sold_out"] = 1, ["campaign_not_active"] = 1 }, stats.Rejected);
        Assert.Null(await _store.GetStatsAsync(Guid.CreateVersion7()));
    }

    [Fact]
    public async Task A_closed_claim_window_refuses_as_not_active()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(claimEndsAtMs: Start.AddHours(1).ToUnixTimeMilliseconds()), 5);
        Assert.Equal(Outcome.Ok, (await _store.ClaimAsync(campaign.Id, "alice", null)).Outcome);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(Outcome.CampaignNotActive, (await _store.ClaimAsync(campaign.Id, "bob", null)).Outcome);
    }

    [Fact]
    public async Task An_idempotency_key_replays_its_coupon_for_its_user_only_whatever_the_campaign_is_now()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(perUserLimit: 2), 10);
        var first = await _store.ClaimAsync(campaign.Id, "alice", "key-1");

        var again = await _store.ClaimAsync(campaign.Id, "alice", "key-1");
        var otherUser = await _store.ClaimAsync(campaign.Id, "bob", "key-1");
        await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End);
        var afterEnd = await _store.ClaimAsync(campaign.Id, "alice", "key-1");

        Assert.Equal(Outcome.Replayed, again.Outcome);
        Assert.Equal(first.Coupon, again.Coupon);
        Assert.Equal(Outcome.Ok, otherUser.Outcome);
        Assert.NotEqual(first.Coupon!.Id, otherUser.Coupon!.Id);
        Assert.Equal(Outcome.Replayed, afterEnd.Outcome);
        Assert.Equal(first.Coupon, afterEnd.Coupon);
        Assert.Equal(2, (await _store.GetCampaignAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task Status_and_stock_changes_follow_the_contract()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 5);

        Assert.Equal(Outcome.Replayed, (await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Resume)).Outcome);
        var paused = await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause);
        Assert.Equal((Outcome.Ok, CampaignStatus.Paused), (paused.Outcome, paused.Campaign!.Status));
        var added = await _store.AddStockAsync(campaign.Id, 7);
        Assert.Equal((Outcome.Ok, 12L), (added.Outcome, added.Campaign!.TotalStock));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _store.AddStockAsync(campaign.Id, CampaignDefinition.MaxStock).AsTask());
        Assert.Equal(12, (await _store.GetCampaignAsync(campaign.Id))!.TotalStock);

        var ended = await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.End);
        Assert.Equal((Outcome.Ok, CampaignStatus.Ended), (ended.Outcome, ended.Campaign!.Status));
        Assert.Equal(Outcome.CampaignEnded, (await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Resume)).Outcome);
        Assert.Equal(Outcome.CampaignEnded, (await _store.AddStockAsync(campaign.Id, 1)).Outcome);
        Assert.Equal(Outcome.CampaignNotFound, (await _store.ChangeCampaignStatusAsync(Guid.CreateVersion7(), CampaignCommand.Pause)).Outcome);
        Assert.Equal(Outcome.CampaignNotFound, (await _store.AddStockAsync(Guid.CreateVersion7(), 1)).Outcome);
    }

    [Fact]
    public async Task Concurrent_claims_never_oversell_nor_pass_a_users_limit_and_each_is_an_event()
    {
        const int stock = 150;
        var campaign = await _store.CreateCampaignAsync(Terms(perUserLimit: 2), stock);
        var users = Enumerable.Range(0, 120).Select(i => "user-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        // 120 users, 3 claims each, all at once: demand 240 within limits, 360 attempts.
        var results = await Task.WhenAll(users.SelectMany(u => Enumerable.Range(0, 3).Select(_ => Task.Run(() => _store.ClaimAsync(campaign.Id, u, null).AsTask()))));

        var granted = results.Where(r => r.Outcome == Outcome.Ok).Select(r => r.Coupon!).ToList();
        Assert.Equal(stock, granted.Count);
        Assert.Equal(stock, granted.Select(c => c.Id).Distinct().Count());
        Assert.All(granted.GroupBy(c => c.UserId), g => Assert.InRange(g.Count(), 1, 2));
        Assert.All(results.Where(r => r.Outcome != Outcome.Ok), r => Assert.Contains(r.Outcome, new[] { Outcome.SoldOut, Outcome.LimitReached }));
        var stats = (await _store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((long)stock, stats.Issued);
        Assert.Equal(results.Length - stock, stats.Rejected.Values.Sum());

        // The campaign's creation and one event per coupon, in the campaign's slot: the decision and its event are one step.
        var events = await _redis.GetDatabase().StreamRangeAsync(new RedisKeys(_prefix).Events(RedisKeys.CampaignSlot(campaign.Id)));
        var claimed = events.Where(e => e["event"] == "claimed").Select(e => (string)e["coupon"]!).ToHashSet();
        Assert.Equal(granted.Select(c => RedisKeys.Id(c.Id)).ToHashSet(), claimed);
        Assert.Single(events, e => e["event"] == "campaign");
    }

    [Fact]
    public async Task A_store_that_cannot_reach_redis_throws_storage_unavailable()
    {
        var options = new RedisStoreOptions { Configuration = server.Configuration + ",abortConnect=false,connectTimeout=200", KeyPrefix = _prefix };
        using var store = await RedisCouponStore.ConnectAsync(options, _time);
        var campaign = await store.CreateCampaignAsync(Terms(), 1);
        using var unreachable = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Configuration = "127.0.0.1:1,abortConnect=false,connectTimeout=200,syncTimeout=500,asyncTimeout=500", KeyPrefix = _prefix }, _time);

        Assert.False(unreachable.IsReady);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => unreachable.ClaimAsync(campaign.Id, "alice", null).AsTask());
    }
}
