using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Codes;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>
/// Warming a node's caches before a sale (<see cref="CacheWarmUp"/>): campaigns are created through
/// one store (a node) and warmed by another on the same prefix (a fresh node), whose memory is asked
/// directly (<see cref="RedisCouponStore.IsWarm"/>: no Redis call), on a fake clock.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class WarmUpTests(RedisServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);
    private static readonly long LeadMs = (long)TimeSpan.FromMinutes(30).TotalMilliseconds;

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _prefix = "w" + Guid.NewGuid().ToString("N")[..12] + ":";
    private RedisCouponStore _creator = null!;
    private RedisCouponStore _fresh = null!;

    public async Task InitializeAsync()
    {
        _creator = await ConnectAsync();
        _fresh = await ConnectAsync();
    }

    public Task DisposeAsync()
    {
        _creator.Dispose();
        _fresh.Dispose();
        return Task.CompletedTask;
    }

    private Task<RedisCouponStore> ConnectAsync() =>
        RedisCouponStore.ConnectAsync(new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = _prefix }, _time, TestCodes.Own);

    private static CampaignDefinition Opening(TimeSpan after, SealedCode? code = null) => new()
    {
        Name = "Sale",
        Discount = Discount.AmountOffOf(500),
        ClaimStartsAtMs = Start.Add(after).ToUnixTimeMilliseconds(),
        Validity = Validity.Relative(30),
        Code = code,
    };

    private static SealedCode Shared(string code)
    {
        var hash = TestCodes.Protector.HashOf(code);
        return new SealedCode(hash, TestCodes.Protector.ProtectToText(code, hash.AsOwner()));
    }

    [Fact]
    public async Task A_campaign_opening_within_the_lead_time_is_in_a_fresh_nodes_caches_before_its_window_opens_and_a_second_pass_warms_nothing()
    {
        var code = "WARM-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var soon = await _creator.CreateCampaignAsync(Opening(TimeSpan.FromMinutes(10), Shared(code)), 1_000);
        var open = await _creator.CreateCampaignAsync(Opening(TimeSpan.FromMinutes(-10)), 10);
        Assert.False(_fresh.IsWarm(soon.Id));
        Assert.False(_fresh.IsWarm(open.Id));

        var pass = await _fresh.WarmAsync(LeadMs, 100);

        Assert.Equal(new[] { soon.Id, open.Id }.Order(), pass.Warmed.Order());
        Assert.True(pass.CaughtUp);
        Assert.True(_fresh.IsWarm(soon.Id));
        Assert.True(_fresh.IsWarm(open.Id));
        // Still before the window: a claim is refused as not active, by the terms now in memory.
        Assert.Equal(Outcome.CampaignNotActive, (await _fresh.ClaimByCodeAsync(TestCodes.Protector.HashOf(code), "early", null)).Outcome);

        var again = await _fresh.WarmAsync(LeadMs, 100);
        Assert.Empty(again.Warmed);
        Assert.True(again.CaughtUp);
    }

    [Fact]
    public async Task A_campaign_far_in_the_future_is_not_warmed_until_it_comes_within_the_lead_time()
    {
        var later = await _creator.CreateCampaignAsync(Opening(TimeSpan.FromDays(2)), 10);

        var pass = await _fresh.WarmAsync(LeadMs, 100);
        Assert.Empty(pass.Warmed);
        Assert.True(pass.CaughtUp);
        Assert.False(_fresh.IsWarm(later.Id));

        _time.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMinutes(20));
        var due = await _fresh.WarmAsync(LeadMs, 100);
        Assert.Equal([later.Id], due.Warmed);
        Assert.True(_fresh.IsWarm(later.Id));
    }

    [Fact]
    public async Task Ended_campaigns_and_those_whose_window_is_over_are_not_warmed()
    {
        var ended = await _creator.CreateCampaignAsync(Opening(TimeSpan.FromMinutes(-5)), 10);
        Assert.Equal(Outcome.Ok, (await _creator.ChangeCampaignStatusAsync(ended.Id, CampaignCommand.End)).Outcome);
        var over = await _creator.CreateCampaignAsync(Opening(TimeSpan.FromDays(-2)) with { ClaimEndsAtMs = Start.AddDays(-1).ToUnixTimeMilliseconds() }, 10);

        var pass = await _fresh.WarmAsync(LeadMs, 100);

        Assert.Empty(pass.Warmed);
        Assert.True(pass.CaughtUp);
        Assert.False(_fresh.IsWarm(ended.Id));
        Assert.False(_fresh.IsWarm(over.Id));
    }

    [Fact]
    public async Task A_pass_warms_at_most_its_bound_and_the_next_pass_the_rest()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _creator.CreateCampaignAsync(Opening(TimeSpan.FromMinutes(i)), 10)).Id);
        }

        var first = await _fresh.WarmAsync(LeadMs, 2);
        Assert.Equal(2, first.Warmed.Count);
        Assert.False(first.CaughtUp);

        var second = await _fresh.WarmAsync(LeadMs, 2);
        Assert.Single(second.Warmed);
        Assert.True(second.CaughtUp);
        Assert.Equal(ids.Order(), first.Warmed.Concat(second.Warmed).Order());
        Assert.All(ids, id => Assert.True(_fresh.IsWarm(id)));
    }

    [Fact]
    public async Task Warming_loads_the_claims_scripts_on_a_server_that_has_none()
    {
        await _creator.CreateCampaignAsync(Opening(TimeSpan.FromMinutes(1)), 10);
        using var redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        var primary = redis.GetServers().Single();
        // Other tests of the collection share this server: their scripts come back on their next call (NOSCRIPT, then sent whole).
        await primary.ScriptFlushAsync();
        Assert.False(await primary.ScriptExistsAsync(Script.Claim.Hash));

        var pass = await _fresh.WarmAsync(LeadMs, 100);

        Assert.Single(pass.Warmed);
        Assert.All(await Task.WhenAll(Script.ClaimPath.Select(s => primary.ScriptExistsAsync(s.Hash))), Assert.True);
    }
}

/// <summary>The warm-up on a 3-master Redis Cluster: a campaign's buckets spread over the slots, the scripts on every primary.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class ClusterWarmUpTests(RedisCluster cluster) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _prefix = "cw" + Guid.NewGuid().ToString("N")[..12] + ":";
    private RedisCouponStore _creator = null!;
    private RedisCouponStore _fresh = null!;

    public async Task InitializeAsync()
    {
        _creator = await ConnectAsync();
        _fresh = await ConnectAsync();
    }

    public Task DisposeAsync()
    {
        _creator.Dispose();
        _fresh.Dispose();
        return Task.CompletedTask;
    }

    private Task<RedisCouponStore> ConnectAsync() => RedisCouponStore.ConnectAsync(
        new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = cluster.Configuration, KeyPrefix = _prefix, StockPerBucket = 10 }, _time, TestCodes.Own);

    [Fact]
    public async Task A_campaign_of_several_buckets_and_a_shared_code_is_warmed_with_the_scripts_on_every_primary_and_claimed_by_its_code_once_open()
    {
        var code = "CLUSTER-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var hash = TestCodes.Protector.HashOf(code);
        var terms = new CampaignDefinition
        {
            Name = "Cluster sale",
            Discount = Discount.AmountOffOf(500),
            ClaimStartsAtMs = Start.AddMinutes(10).ToUnixTimeMilliseconds(),
            Validity = Validity.Relative(30),
            Code = new SealedCode(hash, TestCodes.Protector.ProtectToText(code, hash.AsOwner())),
        };
        var campaign = await _creator.CreateCampaignAsync(terms, 40);
        using var admin = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration + ",allowAdmin=true");
        var primaries = admin.GetServers().Where(s => !s.IsReplica).ToList();
        Assert.Equal(3, primaries.Count);
        // The collection's other tests send their scripts whole again on their next call (NOSCRIPT).
        await Task.WhenAll(primaries.Select(p => p.ScriptFlushAsync()));

        var pass = await _fresh.WarmAsync((long)TimeSpan.FromMinutes(30).TotalMilliseconds, 100);

        Assert.Equal([campaign.Id], pass.Warmed);
        Assert.True(_fresh.IsWarm(campaign.Id));
        foreach (var primary in primaries)
        {
            Assert.All(await Task.WhenAll(Script.ClaimPath.Select(s => primary.ScriptExistsAsync(s.Hash))), Assert.True);
        }

        _time.Advance(TimeSpan.FromMinutes(10));
        var claim = await _fresh.ClaimByCodeAsync(hash, "first", null);
        Assert.Equal(Outcome.Ok, claim.Outcome);
        Assert.Equal(campaign.Id, claim.Coupon!.CampaignId);
    }
}
