using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Protection;

/// <summary>Shared steps of the fraud signal tests, on any node.</summary>
internal static class Fraud
{
    public static Task<string> NewCampaignAsync(ProtectedApiFactory node) => node.NewCampaignAsync(totalStock: 1000);

    /// <summary>A claim into a campaign of its own (the factories cap claims per campaign at 3).</summary>
    public static async Task<HttpStatusCode> ClaimFreshAsync(ProtectedApiFactory node, string user, string? ip = null, string? device = null) =>
        await ClaimAsync(node, await NewCampaignAsync(node), user, ip, device);

    public static async Task<HttpStatusCode> ClaimAsync(ProtectedApiFactory node, string campaign, string user, string? ip = null, string? device = null)
    {
        using var client = node.Client(user, ip: ip ?? ProtectedApiFactory.NewIp(), device: device);
        using var response = await client.PostEmptyAsync($"/v1/campaigns/{campaign}/claim");
        return response.StatusCode;
    }

    public static async Task<List<JsonElement>> FlagsAsync(ProtectedApiFactory node, string signal)
    {
        using var admin = node.Admin();
        var flags = new List<JsonElement>();
        string? cursor = null;
        do
        {
            using var response = await admin.GetPathAsync($"/v1/fraud/flags?signal={signal}&limit=200" + (cursor is null ? "" : "&cursor=" + cursor));
            var page = await response.AssertStatusAsync(HttpStatusCode.OK);
            flags.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.Clone()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        return flags;
    }

    public static async Task<JsonElement?> FlagAsync(ProtectedApiFactory node, string signal, string value) =>
        (await FlagsAsync(node, signal)).Cast<JsonElement?>().FirstOrDefault(f => f!.Value.Str("value") == value);
}

/// <summary>The fraud signals on the embedded store: each signal flags at its threshold and not below; flags are listed and dismissed by admins.</summary>
public sealed class FraudSignalTests(ProtectedApiFactory factory) : IClassFixture<ProtectedApiFactory>
{
    [Fact]
    public async Task A_device_used_by_many_accounts_is_flagged_and_one_used_by_fewer_is_not()
    {
        var busy = "busy-" + Guid.NewGuid().ToString("N");
        var quiet = "quiet-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < ProtectedApiFactory.DeviceAccounts; i++)
        {
            Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimFreshAsync(factory, "acct-" + Guid.NewGuid().ToString("N"), device: busy));
        }

        for (var i = 0; i < ProtectedApiFactory.DeviceAccounts - 1; i++)
        {
            Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimFreshAsync(factory, "acct-" + Guid.NewGuid().ToString("N"), device: quiet));
        }

        var flag = await Fraud.FlagAsync(factory, "device_accounts", busy);
        Assert.NotNull(flag);
        Assert.Equal(("device", (long)ProtectedApiFactory.DeviceAccounts, (long)ProtectedApiFactory.DeviceAccounts, false),
            (flag.Value.Str("kind"), flag.Value.Long("count"), flag.Value.Long("threshold"), flag.Value.GetProperty("autoBlocked").GetBoolean()));
        Assert.Null(await Fraud.FlagAsync(factory, "device_accounts", quiet));

        // A flag alone blocks nothing unless the automatic policy is on (after a second, when the
        // device's rate limit has a token again).
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimFreshAsync(factory, "acct-" + Guid.NewGuid().ToString("N"), device: busy));
    }

    [Fact]
    public async Task One_account_claiming_on_one_device_again_and_again_is_one_account()
    {
        var campaign = await Fraud.NewCampaignAsync(factory);
        var device = "same-" + Guid.NewGuid().ToString("N");
        var user = "acct-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimAsync(factory, campaign, user, device: device));
        Assert.Equal(HttpStatusCode.Conflict, await Fraud.ClaimAsync(factory, campaign, user, device: device));
        Assert.Null(await Fraud.FlagAsync(factory, "device_accounts", device));
    }

    [Fact]
    public async Task An_address_claiming_for_many_accounts_is_flagged()
    {
        var ip = ProtectedApiFactory.NewIp();
        for (var i = 0; i < ProtectedApiFactory.IpAccounts; i++)
        {
            Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimFreshAsync(factory, "acct-" + Guid.NewGuid().ToString("N"), ip: ip));
        }

        var flag = await Fraud.FlagAsync(factory, "ip_accounts", ip);
        Assert.NotNull(flag);
        Assert.Equal(("ip", (long)ProtectedApiFactory.IpAccounts), (flag.Value.Str("kind"), flag.Value.Long("count")));
    }

    [Fact]
    public async Task A_burst_of_claim_attempts_by_one_account_across_campaigns_is_flagged_refused_attempts_included()
    {
        var user = "burst-" + Guid.NewGuid().ToString("N");
        var campaign = await Fraud.NewCampaignAsync(factory);
        Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimAsync(factory, campaign, user));
        Assert.Null(await Fraud.FlagAsync(factory, "claim_burst", user));
        Assert.Equal(HttpStatusCode.Conflict, await Fraud.ClaimAsync(factory, campaign, user));
        Assert.Null(await Fraud.FlagAsync(factory, "claim_burst", user));
        for (var i = 2; i < ProtectedApiFactory.ClaimBurst; i++)
        {
            Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimFreshAsync(factory, user));
        }

        var flag = await Fraud.FlagAsync(factory, "claim_burst", user);
        Assert.NotNull(flag);
        Assert.Equal("user", flag.Value.Str("kind"));
    }

    [Fact]
    public async Task A_dismissed_flag_is_gone_and_bad_requests_are_validation_problems()
    {
        var device = "dismissed-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < ProtectedApiFactory.DeviceAccounts; i++)
        {
            await Fraud.ClaimFreshAsync(factory, "acct-" + Guid.NewGuid().ToString("N"), device: device);
        }

        Assert.NotNull(await Fraud.FlagAsync(factory, "device_accounts", device));
        using var admin = factory.Admin();
        using var dismissed = await admin.DeleteAsync(new Uri($"/v1/fraud/flags/device_accounts?value={device}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, dismissed.StatusCode);
        Assert.Null(await Fraud.FlagAsync(factory, "device_accounts", device));
        using var again = await admin.DeleteAsync(new Uri($"/v1/fraud/flags/device_accounts?value={device}", UriKind.Relative));
        await again.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");

        using var badSignal = await admin.GetPathAsync("/v1/fraud/flags?signal=moon_phase");
        await badSignal.AssertValidationAsync("signal");
        using var badLimit = await admin.GetPathAsync("/v1/fraud/flags?limit=0");
        await badLimit.AssertValidationAsync("limit");
        using var noValue = await admin.DeleteAsync(new Uri("/v1/fraud/flags/device_accounts", UriKind.Relative));
        await noValue.AssertValidationAsync("value");

        using var user = factory.ClientFor("curious-user");
        using var forbidden = await user.GetPathAsync("/v1/fraud/flags");
        await forbidden.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}

/// <summary>The automatic policy: a flagged device is blocked for a while, and the block says why.</summary>
public sealed class AutoBlockTests(AutoBlockApiFactory factory) : IClassFixture<AutoBlockApiFactory>
{
    [Fact]
    public async Task A_device_reaching_the_threshold_is_blocked_for_the_configured_time()
    {
        var campaign = await Fraud.NewCampaignAsync(factory);
        var device = "farm-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < ProtectedApiFactory.DeviceAccounts; i++)
        {
            Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimFreshAsync(factory, "acct-" + Guid.NewGuid().ToString("N"), device: device));
        }

        using var next = factory.Client("acct-" + Guid.NewGuid().ToString("N"), device: device);
        using var refused = await next.PostEmptyAsync($"/v1/campaigns/{campaign}/claim");
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "blocked");

        using var admin = factory.Admin();
        using var list = await admin.GetPathAsync("/v1/blocklist?kind=device&limit=200");
        var entry = (await list.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Single(e => e.Str("value") == device);
        Assert.Equal("fraud-policy", entry.Str("createdBy"));
        Assert.Contains("device_accounts", entry.Str("reason"), StringComparison.Ordinal);
        var blockedFor = entry.Time("expiresAt") - entry.Time("createdAt");
        Assert.Equal(TimeSpan.FromMinutes(30), blockedFor);
        // The claim is counted beside the request, and the flag is stored after the block it
        // caused (and the block's audit line): give it the moment it may still need.
        var flag = await Fraud.FlagAsync(factory, "device_accounts", device);
        for (var wait = 0; flag is null && wait < 50; wait++)
        {
            await Task.Delay(100);
            flag = await Fraud.FlagAsync(factory, "device_accounts", device);
        }

        Assert.True(flag!.Value.GetProperty("autoBlocked").GetBoolean());

        // The accounts themselves, on another device, are not blocked.
        Assert.Equal(HttpStatusCode.Created, await Fraud.ClaimFreshAsync(factory, "acct-" + Guid.NewGuid().ToString("N"), device: "clean-" + Guid.NewGuid().ToString("N")));
    }
}
