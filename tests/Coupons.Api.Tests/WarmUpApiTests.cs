using System.Net;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Conformance;
using Coupons.Core;
using Coupons.Redis;
using Microsoft.Extensions.DependencyInjection;

namespace Coupons.Api.Tests;

/// <summary>
/// The warm-up service on the Redis store (README, "Warm-up"): each test starts a fresh node on a
/// redis-server shared by the class (a key prefix each), after campaigns were made by another node
/// (a store of the test's own on the same prefix). The node's warm-up goes through a gate the test
/// opens (<see cref="GatedWarmUp"/>, the real store's warm-up behind it), so "not ready until warm"
/// is a state the test holds, not a race it hopes to win.
/// </summary>
public sealed class WarmUpApiTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly string _prefix = "warm" + Guid.NewGuid().ToString("N")[..10] + ":";

    [Fact]
    public async Task A_node_started_during_an_open_sale_is_not_ready_until_warmed_then_ready()
    {
        var open = await CreateAsync(TimeSpan.FromMinutes(-5));
        await using var node = new WarmUpNodeFactory(redis, _prefix, [("Coupons:WarmUp:ReadyWithin", "00:10:00")]);
        using var client = node.CreateClient();

        await node.Gate.Entered.Task.WaitAsync(Deadline);
        using (var warming = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, warming.StatusCode);
        }

        Assert.True(node.Services.GetRequiredService<ICouponStore>().IsReady);
        Assert.False(node.WarmUp.IsWarm(open));

        node.Gate.Open();
        await EventuallyReadyAsync(client);
        Assert.True(node.WarmUp.IsWarm(open));
    }

    [Fact]
    public async Task A_campaign_opening_within_the_lead_time_is_warmed_by_a_running_node_and_counted_and_one_far_in_the_future_is_not()
    {
        await using var node = new WarmUpNodeFactory(redis, _prefix, [("Coupons:WarmUp:Interval", "00:00:01")]);
        node.Gate.Open();
        using var client = node.CreateClient();
        await EventuallyReadyAsync(client);

        var later = await CreateAsync(TimeSpan.FromDays(2));
        var soon = await CreateAsync(TimeSpan.FromMinutes(10));

        // Created after the far one, so the pass that warms it has read the far one too.
        await EventuallyAsync(() => Task.FromResult(node.WarmUp.IsWarm(soon)), "the campaign opening in 10 minutes is warmed");
        Assert.False(node.WarmUp.IsWarm(later));
        await EventuallyAsync(
            async () =>
            {
                using var metrics = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
                var text = await metrics.Content.ReadAsStringAsync();
                return text.Split('\n').Any(line => line.StartsWith("coupons_warmup_campaigns_total", StringComparison.Ordinal) && !line.TrimEnd().EndsWith(" 0", StringComparison.Ordinal));
            },
            "coupons_warmup_campaigns_total counts the campaign warmed");
    }

    [Fact]
    public async Task A_node_whose_warm_up_never_finishes_says_ready_after_ReadyWithin_anyway()
    {
        var open = await CreateAsync(TimeSpan.FromMinutes(-5));
        await using var node = new WarmUpNodeFactory(redis, _prefix, [("Coupons:WarmUp:ReadyWithin", "00:00:01")]);
        using var client = node.CreateClient();

        await node.Gate.Entered.Task.WaitAsync(Deadline);
        await EventuallyReadyAsync(client);

        Assert.False(node.WarmUp.IsWarm(open));
    }

    [Fact]
    public async Task With_the_warm_up_off_a_node_is_ready_at_once_and_warms_nothing()
    {
        var open = await CreateAsync(TimeSpan.FromMinutes(-5));
        await using var node = new WarmUpNodeFactory(redis, _prefix, [("Coupons:WarmUp:Enabled", "false"), ("Coupons:WarmUp:Interval", "00:00:01")]);
        node.Gate.Open();
        using var client = node.CreateClient();

        await EventuallyReadyAsync(client);
        // A few intervals' worth of chances to run, had it been on.
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.False(node.Gate.Entered.Task.IsCompleted);
        Assert.False(node.WarmUp.IsWarm(open));
    }

    /// <summary>A campaign made by another node, whose claim window opens <paramref name="opensIn"/> from now.</summary>
    private async Task<Guid> CreateAsync(TimeSpan opensIn)
    {
        using var other = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = redis.Configuration, KeyPrefix = _prefix }, TimeProvider.System, TestCodes.Own);
        var terms = new CampaignDefinition
        {
            Name = "Sale",
            Discount = Discount.AmountOffOf(500),
            ClaimStartsAtMs = DateTimeOffset.UtcNow.Add(opensIn).ToUnixTimeMilliseconds(),
            Validity = Validity.Relative(30),
        };
        return (await other.CreateCampaignAsync(terms, 100)).Id;
    }

    private static Task EventuallyReadyAsync(HttpClient client) => EventuallyAsync(
        async () =>
        {
            using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            return ready.StatusCode == HttpStatusCode.OK;
        },
        "/health/ready answers 200");

    private static async Task EventuallyAsync(Func<Task<bool>> state, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await state())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Deadline.TotalSeconds} s: {what}");
            await Task.Delay(50);
        }
    }
}

/// <summary>A fresh Redis node on <paramref name="redis"/> under <paramref name="prefix"/>, its warm-up behind <see cref="Gate"/>.</summary>
public sealed class WarmUpNodeFactory(RedisServer redis, string prefix, IEnumerable<(string Key, string Value)> settings) : CouponsApiFactory
{
    public GatedWarmUp Gate { get; } = new();

    /// <summary>The node's warm-up (the store's own), asked of memory alone.</summary>
    public ICacheWarmUp WarmUp => Services.GetRequiredService<RedisCouponStore>();

    protected override bool WaitsForReady => false;

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Coupons:Store", "redis"),
        ("Coupons:Redis:Configuration", redis.Configuration),
        ("Coupons:Redis:Timeout", RedisServer.CallTimeoutSetting),
        ("Coupons:Redis:KeyPrefix", prefix),
        // The sweep reads every campaign's terms into the same cache: a day apart, the warm-up alone fills it here.
        ("Coupons:Redis:SweepInterval", "1.00:00:00"),
        .. settings,
    ];

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<ICacheWarmUp>(sp => Gate.In(sp.GetRequiredService<RedisCouponStore>()));
}

/// <summary>The store's warm-up, each pass held until the test opens the gate.</summary>
public sealed class GatedWarmUp : ICacheWarmUp
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ICacheWarmUp? _inner;

    /// <summary>Set when the node's warm-up service first asks for a pass.</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ICacheWarmUp In(ICacheWarmUp inner)
    {
        _inner = inner;
        return this;
    }

    public void Open() => _open.TrySetResult();

    public async ValueTask<WarmUpPass> WarmAsync(long leadMs, int maxCampaigns, CancellationToken cancellationToken = default)
    {
        Entered.TrySetResult();
        await _open.Task.WaitAsync(cancellationToken);
        return await _inner!.WarmAsync(leadMs, maxCampaigns, cancellationToken);
    }

    public bool IsWarm(Guid campaignId) => _inner!.IsWarm(campaignId);
}
