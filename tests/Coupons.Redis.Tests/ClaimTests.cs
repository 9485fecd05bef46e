using Coupons.Conformance;
using Coupons.Core;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>
/// What is particular to the Redis store (the contract itself is <c>RedisConformance</c>): reading
/// back what was written, the event of every claim, and an unreachable Redis.
/// </summary>
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
        _store = await RedisCouponStore.ConnectAsync(new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = _prefix }, _time, TestCodes.Own);
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

        var page = await _store.ListCampaignsAsync(CampaignFilter.All, null, 1);
        Assert.Equal([first.Id], page.Items.Select(c => c.Id));
        var rest = await _store.ListCampaignsAsync(CampaignFilter.All, page.NextAfter, 10);
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
    public async Task A_closed_claim_window_refuses_as_not_active()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(claimEndsAtMs: Start.AddHours(1).ToUnixTimeMilliseconds()), 5);
        Assert.Equal(Outcome.Ok, (await _store.ClaimAsync(campaign.Id, "alice", null)).Outcome);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(Outcome.CampaignNotActive, (await _store.ClaimAsync(campaign.Id, "bob", null)).Outcome);
    }


    [Fact]
    public async Task A_refused_claim_leaves_nothing_in_the_users_list_though_the_list_is_written_beside_the_script()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 1);
        var list = new RedisKeys(_prefix).UserCoupons("alice");
        var coupon = (await _store.ClaimAsync(campaign.Id, "alice", null)).Coupon!;

        // limit_reached, then sold_out: both wrote the list speculatively and took their entry out again.
        Assert.Equal(Outcome.LimitReached, (await _store.ClaimAsync(campaign.Id, "alice", null)).Outcome);
        Assert.Equal(Outcome.SoldOut, (await _store.ClaimAsync(campaign.Id, "bob", null)).Outcome);

        Assert.Equal([RedisKeys.Id(coupon.Id)], await EventuallyAsync(() => _redis.GetDatabase().SortedSetRangeByRankAsync(list), ids => ids.Length == 1));
        Assert.Empty(await EventuallyAsync(() => _redis.GetDatabase().SortedSetRangeByRankAsync(new RedisKeys(_prefix).UserCoupons("bob")), ids => ids.Length == 0));
        Assert.Equal([coupon.Id], (await _store.ListUserCouponsAsync("alice", null, null, 10)).Items.Select(c => c.Id));
    }

    [Fact]
    public async Task A_reader_skips_list_entries_without_a_coupon_and_drops_them_once_no_claim_can_be_behind_them()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(perUserLimit: 3), 5);
        var coupon = (await _store.ClaimAsync(campaign.Id, "alice", null)).Coupon!;
        var list = new RedisKeys(_prefix).UserCoupons("alice");
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var slot = RedisKeys.BucketSlot(campaign.Id, 0);
        // What a node that died between its list write and its script leaves behind: one such entry
        // two minutes old, and one made just now, whose claim may still be on its way.
        var abandoned = RedisKeys.Id(CouponIds.New(slot, now - 120_000));
        var inFlight = RedisKeys.Id(CouponIds.New(slot, now));
        await _redis.GetDatabase().SortedSetAddAsync(list, [new SortedSetEntry(abandoned, 0), new SortedSetEntry(inFlight, 0)]);

        var page = await _store.ListUserCouponsAsync("alice", null, null, 10);

        Assert.Equal([coupon.Id], page.Items.Select(c => c.Id));
        var left = await EventuallyAsync(() => _redis.GetDatabase().SortedSetRangeByRankAsync(list), ids => ids.Length == 2);
        Assert.Equal(new[] { RedisKeys.Id(coupon.Id), inFlight }.Order(StringComparer.Ordinal), left.Select(v => v.ToString()).Order(StringComparer.Ordinal));
    }

    /// <summary>Reads until the condition holds (a fire-and-forget write from the store's own connection may still be on its way), for up to 5 s.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            var value = await read();
            if (condition(value) || DateTime.UtcNow > until)
            {
                return value;
            }

            await Task.Delay(20);
        }
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
    public async Task Every_change_of_a_coupon_is_an_event_with_its_version_and_a_lock_is_watched_until_it_ends()
    {
        var campaign = await _store.CreateCampaignAsync(Terms(), 5);
        var coupon = (await _store.ClaimAsync(campaign.Id, "alice", null)).Coupon!;
        var keys = new RedisKeys(_prefix);
        var db = _redis.GetDatabase();

        await _store.LockAsync(coupon.Id, "alice", "order-1", 3_000);
        var watched = await db.SortedSetScoreAsync(keys.LockExpiries(campaign.Id, 0), RedisKeys.Id(coupon.Id));
        await _store.LockAsync(coupon.Id, "alice", "order-1", 3_000);
        await _store.RedeemAsync(coupon.Id, "alice", "order-1", null);

        Assert.Equal(Start.AddSeconds(campaign.Definition.LockTtlSeconds).ToUnixTimeMilliseconds(), watched);
        Assert.Null(await db.SortedSetScoreAsync(keys.LockExpiries(campaign.Id, 0), RedisKeys.Id(coupon.Id)));
        var events = (await db.StreamRangeAsync(keys.Events(RedisKeys.CampaignSlot(campaign.Id))))
            .Where(e => e["coupon"] == RedisKeys.Id(coupon.Id))
            .Select(e => ((string)e["event"]!, (string)e["version"]!, (string)e["status"]!))
            .ToList();
        // The replayed lock changed nothing, so it left no event.
        Assert.Equal([("claimed", "1", "unused"), ("locked", "2", "locked"), ("used", "3", "used")], events);
    }

    [Fact]
    public async Task Nothing_acknowledged_is_lost_when_redis_is_killed_and_restarts_from_its_append_only_file()
    {
        // A server of its own: the shared one must not go away under the other tests.
        var own = new RedisServer();
        await own.InitializeAsync();
        try
        {
            var options = new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = own.Configuration + ",abortConnect=false", KeyPrefix = _prefix };
            var acknowledged = new List<Coupon>();
            Guid campaignId;
            using (var store = await RedisCouponStore.ConnectAsync(options, _time, TestCodes.Own))
            {
                campaignId = (await store.CreateCampaignAsync(Terms(), 50)).Id;
                for (var i = 0; i < 20; i++)
                {
                    acknowledged.Add((await store.ClaimAsync(campaignId, "user-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null)).Coupon!);
                }

                await store.RedeemAsync(acknowledged[0].Id, null, "order-1", 2_000);
            }

            await own.CrashAndRestartAsync();

            using var after = await RedisCouponStore.ConnectAsync(options, _time, TestCodes.Own);
            Assert.Equal((50L, 20L), ((await after.GetCampaignAsync(campaignId))!.TotalStock, (await after.GetCampaignAsync(campaignId))!.Issued));
            foreach (var coupon in acknowledged)
            {
                Assert.Equal(coupon.UserId, (await after.GetCouponAsync(coupon.Id, null)).Coupon!.UserId);
            }

            Assert.Equal(CouponStatus.Used, (await after.GetCouponAsync(acknowledged[0].Id, null)).Coupon!.Status);
            Assert.Equal(Outcome.LimitReached, (await after.ClaimAsync(campaignId, "user-0", null)).Outcome);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_split_stock_sells_whole_and_never_more_however_users_fall_into_buckets()
    {
        using var store = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = _prefix + "split:", StockPerBucket = 5, MaxBuckets = 8 }, _time, TestCodes.Own);
        var campaign = await store.CreateCampaignAsync(Terms(), 40);
        var keys = new RedisKeys(_prefix + "split:");
        var db = _redis.GetDatabase();
        Assert.Equal("8", (string?)await db.HashGetAsync(keys.Campaign(campaign.Id), "buckets"));
        Assert.Equal(8, Enumerable.Range(0, 8).Select(b => RedisKeys.BucketSlot(campaign.Id, b)).Distinct().Count());

        // 300 users: demand far above the stock, and buckets selling out at different times.
        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() =>
            store.ClaimAsync(campaign.Id, "user-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null).AsTask())));

        Assert.Equal(40, results.Count(r => r.Outcome == Outcome.Ok));
        Assert.All(results.Where(r => r.Outcome != Outcome.Ok), r => Assert.Equal(Outcome.SoldOut, r.Outcome));
        var stats = (await store.GetStatsAsync(campaign.Id))!;
        Assert.Equal((40L, 40L, 260L), (stats.TotalStock, stats.Issued, stats.Rejected["sold_out"]));
        // At rest the buckets' stock adds up to the campaign's: nothing is left in flight.
        await store.SweepAsync();
        var totals = await Task.WhenAll(Enumerable.Range(0, 8).Select(b => db.HashGetAsync(keys.Bucket(campaign.Id, b), "total")));
        Assert.Equal(40L, totals.Sum(t => (long)t));
    }

    [Fact]
    public async Task After_a_sell_out_stock_added_through_another_node_sells_whole_within_a_second_and_every_refusal_counts_once()
    {
        var options = new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = _prefix + "hint:", StockPerBucket = 2, MaxBuckets = 4 };
        using var node = await RedisCouponStore.ConnectAsync(options, _time, TestCodes.Own);
        using var other = await RedisCouponStore.ConnectAsync(options, _time, TestCodes.Own);
        var campaign = await node.CreateCampaignAsync(Terms(), 8);
        // Users who claim from bucket 3, as the store picks it: XxHash32 of the id, modulo the buckets.
        var users = new Queue<string>(Enumerable.Range(0, 10_000).Select(i => "u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Where(u => System.IO.Hashing.XxHash32.HashToUInt32(System.Text.Encoding.UTF8.GetBytes(u)) % 4 == 3));
        async Task<List<Outcome>> ClaimsAsync(int count)
        {
            var outcomes = new List<Outcome>();
            for (var i = 0; i < count; i++)
            {
                outcomes.Add((await node.ClaimAsync(campaign.Id, users.Dequeue(), null)).Outcome);
            }

            return outcomes;
        }

        // Sold out: bucket 3 borrowed everything the others had, and this node has seen it.
        var first = await ClaimsAsync(12);
        Assert.Equal(8, first.Count(o => o == Outcome.Ok));

        // Stock added through another node goes to bucket 0. This node answers bucket 3's claims
        // from what it saw for up to a second, and then borrows the new stock.
        await other.AddStockAsync(campaign.Id, 4);
        var during = await ClaimsAsync(10);
        _time.Advance(TimeSpan.FromSeconds(1));
        var after = await ClaimsAsync(10);

        Assert.Equal((0, 4), (during.Count(o => o == Outcome.Ok), after.Count(o => o == Outcome.Ok)));
        Assert.All(first.Concat(during).Concat(after).Where(o => o != Outcome.Ok), o => Assert.Equal(Outcome.SoldOut, o));
        var stats = (await node.GetStatsAsync(campaign.Id))!;
        Assert.Equal((12L, 12L, 32L - 12L), (stats.TotalStock, stats.Issued, stats.Rejected["sold_out"]));
    }

    [Fact]
    public async Task Stock_taken_for_a_transfer_by_a_node_that_died_is_given_by_the_sweeper()
    {
        using var store = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = _prefix + "transfer:", StockPerBucket = 2, MaxBuckets = 4 }, _time, TestCodes.Own);
        var campaign = await store.CreateCampaignAsync(Terms(), 8);
        var keys = new RedisKeys(_prefix + "transfer:");
        var db = _redis.GetDatabase();

        // A node takes two units from bucket 0 for bucket 3, and dies before giving them.
        var taken = (long)await Script.Take.RunAsync(db, [keys.Bucket(campaign.Id, 0), keys.TransfersOut(campaign.Id, 0)], [2, "lost-transfer", 3]);
        Assert.Equal(2, taken);
        Assert.Equal(6L, (await Task.WhenAll(Enumerable.Range(0, 4).Select(b => db.HashGetAsync(keys.Bucket(campaign.Id, b), "total")))).Sum(t => (long)t));

        await store.SweepAsync();
        await store.SweepAsync();

        Assert.Equal(4L, (long)await db.HashGetAsync(keys.Bucket(campaign.Id, 3), "total"));
        Assert.Equal(8L, (await Task.WhenAll(Enumerable.Range(0, 4).Select(b => db.HashGetAsync(keys.Bucket(campaign.Id, b), "total")))).Sum(t => (long)t));
        Assert.Equal(0, await db.HashLengthAsync(keys.TransfersOut(campaign.Id, 0)));
        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.ClaimAsync(campaign.Id, "u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), null).AsTask()));
        Assert.Equal(8, claims.Count(c => c.Outcome == Outcome.Ok));
    }

    [Fact]
    public async Task A_store_that_cannot_reach_redis_throws_storage_unavailable()
    {
        var options = new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration + ",abortConnect=false,connectTimeout=200", KeyPrefix = _prefix };
        using var store = await RedisCouponStore.ConnectAsync(options, _time, TestCodes.Own);
        var campaign = await store.CreateCampaignAsync(Terms(), 1);
        using var unreachable = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = "127.0.0.1:1,abortConnect=false,connectTimeout=200,syncTimeout=500,asyncTimeout=500", KeyPrefix = _prefix }, _time, TestCodes.Own);

        Assert.False(unreachable.IsReady);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => unreachable.ClaimAsync(campaign.Id, "alice", null).AsTask());
    }
}
