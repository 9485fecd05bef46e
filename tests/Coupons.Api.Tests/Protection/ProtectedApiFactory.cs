using System.Net.Http.Headers;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Conformance;

namespace Coupons.Api.Tests.Protection;

/// <summary>
/// The service with small limits, trusting <c>X-Forwarded-For</c> (as behind a load balancer), so a
/// test can call from any address it likes.
/// </summary>
public class ProtectedApiFactory : CouponsApiFactory
{
    public const int IpLimit = 5;
    public const int DeviceLimit = 3;
    public const int UserLimit = 4;
    public const int CampaignLimit = 3;
    public const int DeviceAccounts = 3;
    public const int IpAccounts = 4;
    public const int ClaimBurst = 3;

    /// <summary>A client with the given token (none when <paramref name="subject"/> is null), address and device.</summary>
    public HttpClient Client(string? subject, string? role = null, string? ip = null, string? device = null)
    {
        var client = subject is null ? CreateClient() : ClientFor(subject, role);
        if (ip is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        }

        if (device is not null)
        {
            client.DefaultRequestHeaders.Add("X-Device-Id", device);
        }

        return client;
    }

    public HttpClient Admin() => ClientFor("admin-" + Guid.NewGuid().ToString("N")[..8], "admin");

    /// <summary>Creates a campaign as an admin (500 off, one coupon per user) and returns its id.</summary>
    public async Task<string> NewCampaignAsync(long totalStock)
    {
        using var admin = Admin();
        using var response = await admin.PostJsonAsync("/v1/campaigns", new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = "Protected sale",
            ["discount"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "amount_off", ["amountOff"] = 500 },
            ["totalStock"] = totalStock,
            ["perUserLimit"] = 1,
            ["validity"] = new System.Text.Json.Nodes.JsonObject { ["days"] = 30 },
        });
        return (await response.AssertStatusAsync(System.Net.HttpStatusCode.Created)).Str("id");
    }

    /// <summary>An address no other test uses: 10.x.y.z from a random number.</summary>
    public static string NewIp()
    {
        var n = Random.Shared.Next(1, 1 << 24);
        return $"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}";
    }

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Coupons:Protection:TrustedProxies:0", "127.0.0.1"),
        ("Coupons:Protection:Ip:Limit", IpLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Coupons:Protection:Ip:Window", "00:10:00"),
        ("Coupons:Protection:Device:Limit", DeviceLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Coupons:Protection:Device:Window", "00:00:03"),
        ("Coupons:Protection:User:Limit", UserLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Coupons:Protection:User:Window", "00:10:00"),
        ("Coupons:Protection:CampaignClaims:Limit", CampaignLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Coupons:Protection:CampaignClaims:Window", "00:10:00"),
        ("Coupons:Protection:Fraud:DeviceAccounts:Threshold", DeviceAccounts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Coupons:Protection:Fraud:IpAccounts:Threshold", IpAccounts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Coupons:Protection:Fraud:ClaimBurst:Threshold", ClaimBurst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        .. ExtraSettings,
    ];

    protected virtual IEnumerable<(string Key, string Value)> ExtraSettings => [];
}

/// <summary>The same service with the automatic block policy on.</summary>
public sealed class AutoBlockApiFactory : ProtectedApiFactory
{
    protected override IEnumerable<(string Key, string Value)> ExtraSettings =>
    [
        ("Coupons:Protection:Fraud:AutoBlock", "true"),
        ("Coupons:Protection:Fraud:AutoBlockFor", "00:30:00"),
    ];
}

/// <summary>
/// Two API nodes on the Redis store sharing one redis-server (no persister: the limits and the
/// blocklist live in Redis alone), with the same small limits.
/// </summary>
public sealed class ProtectedRedisNodes : IAsyncLifetime
{
    public RedisServer Redis { get; } = new();

    public ProtectedApiFactory First { get; private set; } = null!;

    public ProtectedApiFactory Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Redis.InitializeAsync();
        First = new Node(Redis);
        Second = new Node(Redis);
        await Task.WhenAll(First.InitializeAsync(), Second.InitializeAsync());
    }

    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await Redis.DisposeAsync();
    }

    private sealed class Node(RedisServer redis) : ProtectedApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> ExtraSettings =>
        [
            ("Coupons:Store", "redis"),
            ("Coupons:Redis:Configuration", redis.Configuration),
            ("Coupons:Redis:Timeout", RedisServer.CallTimeoutSetting),
            ("Coupons:Redis:KeyPrefix", "protection-tests:"),
        ];
    }
}

internal static class ProtectionAsserts
{
    /// <summary>Asserts a 429 <c>rate_limited</c> naming <paramref name="limit"/>, with a Retry-After of at least a second.</summary>
    public static async Task AssertRateLimitedAsync(this HttpResponseMessage response, string limit)
    {
        var problem = await response.AssertProblemAsync(System.Net.HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal(limit, problem.Str("limit"));
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter >= TimeSpan.FromSeconds(1), $"Retry-After was {response.Headers.RetryAfter}");
    }

    public static void Bearer(this HttpClient client, string token) =>
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
}
