using System.Net;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Api.Tests.Protection;

namespace Coupons.Api.Tests.Codes;

/// <summary>The service with small limits on failed code attempts, trusting X-Forwarded-For so each test picks its address.</summary>
public sealed class CodeGuessingApiFactory : CouponsApiFactory
{
    public const int PerUser = 3;
    public const int PerIp = 5;
    public const int FlagAt = 2;

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Coupons:Protection:TrustedProxies:0", "127.0.0.1"),
        ("Coupons:Protection:CodeAttempts:PerUser", PerUser.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Coupons:Protection:CodeAttempts:PerIp", PerIp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("Coupons:Protection:Fraud:CodeGuessing:Threshold", FlagAt.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    public HttpClient User(string subject, string ip)
    {
        var client = ClientFor(subject);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        return client;
    }
}

/// <summary>
/// Guessing codes: failed attempts are limited per account and per address (429, limit
/// code_attempts, with Retry-After), a successful claim is not a failure, and failures feed the
/// fraud signal code_guessing.
/// </summary>
public sealed class CodeGuessingTests(CodeGuessingApiFactory factory) : IClassFixture<CodeGuessingApiFactory>
{
    private static string Guess() => "GUESS-" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

    [Fact]
    public async Task An_account_past_its_failed_attempts_is_refused_even_with_a_good_code_and_is_flagged()
    {
        var user = "guesser-" + Guid.NewGuid().ToString("N")[..8];
        var good = "REAL-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        using (var admin = factory.ClientFor("admin-" + Guid.NewGuid().ToString("N")[..8], "admin"))
        {
            var body = new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = "Banner",
                ["discount"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 },
                ["totalStock"] = 10,
                ["validity"] = new System.Text.Json.Nodes.JsonObject { ["days"] = 5 },
                ["code"] = good,
            };
            using var created = await admin.PostJsonAsync("/v1/campaigns", body);
            await created.AssertStatusAsync(HttpStatusCode.Created);
        }

        for (var i = 0; i < CodeGuessingApiFactory.PerUser; i++)
        {
            using var client = factory.User(user, ProtectedApiFactory.NewIp());
            using var miss = await CodeSteps.ClaimAsync(client, Guess());
            await miss.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");
        }

        using var refusedClient = factory.User(user, ProtectedApiFactory.NewIp());
        using var refused = await CodeSteps.ClaimAsync(refusedClient, good);
        var problem = await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.Equal("code_attempts", problem.Str("limit"));
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        using (var admin = factory.ClientFor("admin-" + Guid.NewGuid().ToString("N")[..8], "admin"))
        {
            using var flags = await admin.GetPathAsync("/v1/fraud/flags?signal=code_guessing&limit=200");
            var page = await flags.AssertStatusAsync(HttpStatusCode.OK);
            var flag = Assert.Single(page.GetProperty("items").EnumerateArray(), f => f.Str("value") == user);
            Assert.Equal("user", flag.Str("kind"));
            Assert.True(flag.Long("count") >= CodeGuessingApiFactory.FlagAt);
        }

        // Another account claims with the code at once: the limit is the guesser's alone.
        using var honest = factory.User("honest-" + Guid.NewGuid().ToString("N")[..8], ProtectedApiFactory.NewIp());
        using var claimed = await CodeSteps.ClaimAsync(honest, good.ToLowerInvariant());
        await claimed.AssertStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_address_past_its_failed_attempts_is_refused_for_every_account_behind_it()
    {
        var ip = ProtectedApiFactory.NewIp();
        for (var i = 0; i < CodeGuessingApiFactory.PerIp; i++)
        {
            using var client = factory.User("rotating-" + Guid.NewGuid().ToString("N")[..8], ip);
            using var miss = await CodeSteps.ClaimAsync(client, Guess());
            await miss.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");
        }

        using var next = factory.User("rotating-" + Guid.NewGuid().ToString("N")[..8], ip);
        using var refused = await CodeSteps.ClaimAsync(next, Guess());
        Assert.Equal("code_attempts", (await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited")).Str("limit"));

        using var elsewhere = factory.User("rotating-" + Guid.NewGuid().ToString("N")[..8], ProtectedApiFactory.NewIp());
        using var allowed = await CodeSteps.ClaimAsync(elsewhere, Guess());
        await allowed.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");
    }
}
