using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Protection;

/// <summary>
/// The limits and the blocklist on the Redis store, where they must hold across every API node:
/// two nodes share one redis-server.
/// </summary>
public sealed class SharedProtectionTests(ProtectedRedisNodes nodes) : IClassFixture<ProtectedRedisNodes>
{
    private const string Mine = "/v1/me/coupons";

    [Fact]
    public async Task A_users_limit_is_shared_by_every_node_and_another_user_is_not_affected()
    {
        var user = "shared-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < ProtectedApiFactory.UserLimit; i++)
        {
            var node = i % 2 == 0 ? nodes.First : nodes.Second;
            using var client = node.Client(user, ip: ProtectedApiFactory.NewIp());
            using var response = await client.GetPathAsync(Mine);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var node in new[] { nodes.First, nodes.Second })
        {
            using var client = node.Client(user, ip: ProtectedApiFactory.NewIp());
            using var refused = await client.GetPathAsync(Mine);
            await refused.AssertRateLimitedAsync("user");
        }

        using var other = nodes.Second.Client("other-" + Guid.NewGuid().ToString("N"), ip: ProtectedApiFactory.NewIp());
        using var fine = await other.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task An_address_limit_is_shared_by_every_node()
    {
        var ip = ProtectedApiFactory.NewIp();
        for (var i = 0; i < ProtectedApiFactory.IpLimit; i++)
        {
            var node = i % 2 == 0 ? nodes.First : nodes.Second;
            using var client = node.Client("ip-" + Guid.NewGuid().ToString("N"), ip: ip);
            using var response = await client.GetPathAsync(Mine);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var limited = nodes.First.Client("ip-" + Guid.NewGuid().ToString("N"), ip: ip);
        using var refused = await limited.GetPathAsync(Mine);
        await refused.AssertRateLimitedAsync("ip");
    }

    [Fact]
    public async Task A_campaigns_claim_cap_is_shared_by_every_node()
    {
        var campaign = await nodes.First.NewCampaignAsync(totalStock: 100);
        for (var i = 0; i < ProtectedApiFactory.CampaignLimit; i++)
        {
            var node = i % 2 == 0 ? nodes.First : nodes.Second;
            using var user = node.Client("claimer-" + Guid.NewGuid().ToString("N"), ip: ProtectedApiFactory.NewIp());
            using var claim = await user.PostEmptyAsync($"/v1/campaigns/{campaign}/claim");
            Assert.Equal(HttpStatusCode.Created, claim.StatusCode);
        }

        using var late = nodes.Second.Client("claimer-" + Guid.NewGuid().ToString("N"), ip: ProtectedApiFactory.NewIp());
        using var refused = await late.PostEmptyAsync($"/v1/campaigns/{campaign}/claim");
        await refused.AssertRateLimitedAsync("campaign");
    }

    [Fact]
    public async Task A_block_set_on_one_node_is_in_force_on_the_other_within_a_second_and_so_is_its_lifting()
    {
        var user = "blocked-" + Guid.NewGuid().ToString("N");
        using var admin = nodes.First.Admin();
        using var onSecond = nodes.Second.Client(user, ip: ProtectedApiFactory.NewIp());

        var watch = Stopwatch.StartNew();
        using var added = await admin.PostJsonAsync("/v1/blocklist", new JsonObject { ["kind"] = "user", ["value"] = user });
        await added.AssertStatusAsync(HttpStatusCode.Created);
        await UntilAsync(onSecond, blocked: true);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"the other node refused only after {watch.Elapsed}");
        using var refused = await onSecond.GetPathAsync(Mine);
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "blocked");

        watch.Restart();
        using var lifted = await admin.DeleteAsync(new Uri($"/v1/blocklist/user?value={user}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);
        await UntilAsync(onSecond, blocked: false);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"the other node admitted only after {watch.Elapsed}");

        // Both nodes list the same entries.
        using var second = nodes.Second.Admin();
        using var list = await second.GetPathAsync("/v1/blocklist?kind=user&limit=200");
        Assert.DoesNotContain((await list.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(), e => e.Str("value") == user);
    }

    /// <summary>
    /// Asks every 20 ms until the answer is (or is no longer) 403, for at most 3 s (the assertion after
    /// it checks the time). Once unblocked the user may meet their rate limit, which the polling spent.
    /// </summary>
    private static async Task UntilAsync(HttpClient client, bool blocked)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        while (true)
        {
            using var response = await client.GetPathAsync(Mine);
            if ((response.StatusCode == HttpStatusCode.Forbidden) == blocked || DateTime.UtcNow > deadline)
            {
                Assert.Equal(blocked, response.StatusCode == HttpStatusCode.Forbidden);
                return;
            }

            await Task.Delay(20);
        }
    }
}

/// <summary>The fraud signals on the Redis store: counted across nodes, flags seen from every node.</summary>
public sealed class SharedFraudSignalTests(ProtectedRedisNodes nodes) : IClassFixture<ProtectedRedisNodes>
{
    [Fact]
    public async Task A_device_used_by_accounts_on_different_nodes_is_flagged_and_every_node_lists_it()
    {
        var device = "spread-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < ProtectedApiFactory.DeviceAccounts; i++)
        {
            var node = i % 2 == 0 ? nodes.First : nodes.Second;
            Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimFreshAsync(node, "acct-" + Guid.NewGuid().ToString("N"), device: device));
        }

        // Counting runs beside the claim on Redis: give it a moment.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await Fraud.FlagAsync(nodes.Second, "device_accounts", device) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        foreach (var node in new[] { nodes.First, nodes.Second })
        {
            var flag = await Fraud.FlagAsync(node, "device_accounts", device);
            Assert.NotNull(flag);
            Assert.Equal((long)ProtectedApiFactory.DeviceAccounts, flag.Value.Long("count"));
        }
    }
}
