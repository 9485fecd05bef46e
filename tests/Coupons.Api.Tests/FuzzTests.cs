using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Codes;
using Coupons.Api.Tests.Contract;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Core.Codes;
using Xunit.Abstractions;

namespace Coupons.Api.Tests;

/// <summary>
/// Thousands of random and malformed requests (<see cref="FuzzRequests"/>), from every kind of caller,
/// at every route and some that do not exist: no answer may be a 5xx, every 4xx must be a problem
/// with a code, every answer must be one docs/openapi.json describes (the clients'
/// <see cref="ContractCheckingHandler"/>), and afterwards the invariants must hold, every job must
/// finish with its counts adding up, and the service must be ready. The seed is printed on failure;
/// set <c>FUZZ_SEED</c> to replay a run, <c>FUZZ_REQUESTS</c> for more requests.
/// </summary>
public abstract class FuzzTests<TFactory>(TFactory factory, ITestOutputHelper output) : ApiTestBase<TFactory>(factory)
    where TFactory : CouponsApiFactory
{
    [Fact]
    public async Task Random_and_malformed_requests_from_every_role_never_get_a_5xx_and_break_no_invariant()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        var count = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_REQUESTS"), CultureInfo.InvariantCulture, out var asked) ? asked : 4000;
        var targets = await SetUpTargetsAsync();
        var statuses = await SendAsync(new FuzzRequests(new Random(seed), targets), Callers(targets.Users), count, seed);

        // The service is still healthy, every job finishes, and every campaign, code and holding is consistent.
        using (var ready = await Anonymous.GetPathAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        await CheckJobsAsync(targets, seed);
        await CheckCampaignsAsync(targets, seed);
        await CheckHoldingsAsync(targets, seed);

        // Not a vacuous run: the requests reached the handlers and were answered every way.
        Assert.True(statuses.Where(s => s.Key < 300).Sum(s => s.Value) > count / 20 && statuses.Keys.Count(s => s < 300) >= 2 && statuses.Keys.Count(s => s >= 400) >= 6, $"seed {seed}: statuses {string.Join(", ", statuses)}");
        output.WriteLine($"seed {seed}, {count} requests, answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}"))}; " +
            $"{targets.Campaigns.Count} campaigns, {targets.Coupons.Count} coupons, {targets.Jobs.Count} jobs, {targets.Codes.Count} codes aimed at");
    }

    /// <summary>Something to aim at: campaigns with stock (one with a shared code), coupons claimed by a pool of users, generated codes, an issuance.</summary>
    private async Task<FuzzTargets> SetUpTargetsAsync()
    {
        var targets = new FuzzTargets([.. Enumerable.Range(0, 12).Select(i => $"fuzz-user-{i}-{Unique()}")]);
        var shared = CampaignBody(totalStock: 100, perUserLimit: 2);
        shared["code"] = "FUZZ-" + Unique().ToUpperInvariant();
        foreach (var body in new[] { CampaignBody(totalStock: 3, perUserLimit: 2), CampaignBody(totalStock: 50, perUserLimit: 2), CampaignBody(totalStock: 1000, perUserLimit: 2), shared })
        {
            var id = await NewCampaignAsync(body);
            targets.Campaigns.Add(id);
            using var claim = await Factory.ClientFor(targets.Users[targets.Campaigns.Count]).PostEmptyAsync($"/v1/campaigns/{id}/claim");
            var coupon = await claim.AssertStatusAsync(HttpStatusCode.Created);
            targets.Coupons.Add(coupon.Str("id"));
            targets.Codes.Add(coupon.Str("code"));
        }

        targets.SetUpCampaigns = targets.Campaigns.Count;
        targets.Codes.Add(shared["code"]!.GetValue<string>());
        var job = await CodeSteps.GenerateAsync(Admin, targets.Campaigns[2], 20, prefix: "FZ");
        targets.Jobs.Add(job.Str("id"));
        targets.Codes.AddRange((await CodeSteps.AllCodesAsync(Admin, targets.Campaigns[2])).Select(c => c.Str("code")));
        using var issuance = await Admin.PostJsonAsync($"/v1/campaigns/{targets.Campaigns[1]}/issuances", new JsonObject { ["userIds"] = new JsonArray(targets.Users[0], targets.Users[1], "fuzz-pushed") });
        targets.Jobs.Add((await issuance.AssertStatusAsync(HttpStatusCode.Accepted)).Str("id"));
        return targets;
    }

    /// <summary>Anonymous, the pool's users, the order system, an admin, and tokens that fail: an unknown role, a bad one, an expired one.</summary>
    private List<HttpClient> Callers(string[] users)
    {
        var callers = new List<HttpClient> { Factory.CreateClient() };
        callers.AddRange(users.Select(u => Factory.ClientFor(u)));
        callers.Add(Factory.ClientFor("order-system", "service"));
        callers.Add(Factory.ClientFor("fuzz-admin", "admin"));
        callers.Add(Factory.ClientFor("fuzz-stranger", "superuser"));
        callers.Add(Factory.ClientWithToken("not.a.token"));
        callers.Add(Factory.ClientWithToken(Coupons.Api.Auth.TokenIssuer.Issue(CouponsApiFactory.Key, "expired", null, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddHours(-1))));
        return callers;
    }

    /// <summary>Sends the requests eight at a time (so they also race each other); fails on any bad answer; returns how many of each status came.</summary>
    private static async Task<Dictionary<int, int>> SendAsync(FuzzRequests requests, List<HttpClient> callers, int count, int seed)
    {
        var random = new Random(seed ^ 0x5eed);
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        for (var sent = 0; sent < count;)
        {
            var batch = new List<(string Template, string Description, Task<HttpResponseMessage> Response)>();
            for (var i = 0; i < 8 && sent < count; i++, sent++)
            {
                var (request, template, description) = requests.Next();
                batch.Add((template, description, Caller(random, callers, FuzzRequests.RoleFor(template)).SendAsync(request)));
            }

            foreach (var (template, description, pending) in batch)
            {
                try
                {
                    using var response = await pending;
                    var status = (int)response.StatusCode;
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    var body = await response.Content.ReadAsStringAsync();
                    if (status >= 500 || (status >= 400 && response.RequestMessage?.Method != HttpMethod.Head && !IsProblemWithCode(body)))
                    {
                        failures.Add($"{status} {(status >= 500 ? "" : "without a problem code ")}for {description}: {body[..Math.Min(body.Length, 300)]}");
                    }
                    else if (status < 300)
                    {
                        requests.Learn(template, body);
                    }
                }
                catch (ContractViolationException violation)
                {
                    failures.Add($"off the contract for {description}: {violation.Message}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} bad answers, first ones:\n" + string.Join("\n", failures.Take(10)));
        return statuses;
    }

    /// <summary>Every job the run knows of finishes, its results adding up to what it did, and a job that succeeded did all it had to.</summary>
    private async Task CheckJobsAsync(FuzzTargets targets, int seed)
    {
        foreach (var jobId in targets.Jobs)
        {
            var job = await Admin.WaitForJobAsync(jobId);
            var done = job.Long("done");
            var results = job.GetProperty("results").EnumerateObject().Sum(r => r.Value.GetInt64());
            Assert.True(results == done && done <= job.Long("total") && (job.Str("status") != "succeeded" || done == job.Long("total")), $"seed {seed}: {job}");
        }
    }

    /// <summary>Each campaign's stock adds up; its codes are well formed and unique, and each claimed one gave a coupon of its own.</summary>
    private async Task CheckCampaignsAsync(FuzzTargets targets, int seed)
    {
        var allCodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var campaign in targets.Campaigns)
        {
            var stats = await StatsAsync(campaign);
            var total = stats.Long("totalStock");
            Assert.True(stats.Long("issued") + stats.Long("remainingStock") == total, $"seed {seed}: {stats}");
            Assert.InRange(stats.Long("issued"), 0, total);
            Assert.InRange(stats.Long("revoked") + stats.Long("used") + stats.Long("locked"), 0, stats.Long("issued"));

            using var export = new HttpRequestMessage(HttpMethod.Get, new Uri($"/v1/campaigns/{campaign}/codes", UriKind.Relative));
            export.Headers.Accept.ParseAdd("text/csv");
            using var response = await Admin.SendAsync(export);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var rows = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split(',')).ToList();
            Assert.All(rows, row => Assert.True(CouponCodes.IsWellFormed(row[0]) && allCodes.Add(row[0]), $"seed {seed}: {string.Join(',', row)}"));
            var couponsOfClaimedCodes = rows.Where(row => row[1] == "claimed").Select(row => row[^2]).ToList();
            Assert.True(couponsOfClaimedCodes.Distinct().Count() == couponsOfClaimedCodes.Count && couponsOfClaimedCodes.Count <= stats.Long("issued"), $"seed {seed}: {couponsOfClaimedCodes.Count} codes claimed, {stats}");
        }
    }

    /// <summary>No user holds more of a campaign than its per-user limit, and a used coupon names its order.</summary>
    private async Task CheckHoldingsAsync(FuzzTargets targets, int seed)
    {
        var perUserAndCampaign = new Dictionary<(string User, string Campaign), int>();
        foreach (var user in targets.Users)
        {
            // The fuzzing admin may have blocked the user: lift it to read their coupons.
            using (await Admin.DeleteAsync(new Uri($"/v1/blocklist/user?value={user}", UriKind.Relative)))
            {
            }

            var client = Factory.ClientFor(user);
            string? cursor = null;
            do
            {
                using var mine = await client.GetPathAsync("/v1/me/coupons?limit=200" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
                var page = await mine.AssertStatusAsync(HttpStatusCode.OK);
                foreach (var coupon in page.GetProperty("items").EnumerateArray())
                {
                    var key = (user, coupon.Str("campaignId"));
                    perUserAndCampaign[key] = perUserAndCampaign.GetValueOrDefault(key) + 1;
                    Assert.False(coupon.Str("status") == "used" && coupon.IsNull("orderId"), $"seed {seed}: a used coupon without its order: {coupon}");
                }

                cursor = page.IsNull("nextCursor") ? null : page.Str("nextCursor");
            }
            while (cursor is not null);
        }

        foreach (var ((user, campaign), held) in perUserAndCampaign)
        {
            var limit = (await GetCampaignAsync(campaign)).GetProperty("perUserLimit").GetInt32();
            Assert.True(held <= limit, $"seed {seed}: {user} holds {held} coupons of {campaign}, whose limit is {limit}");
        }
    }

    /// <summary>Mostly callers whose requests get past authentication (end users, the order system, admins), and often one the route takes.</summary>
    private static HttpClient Caller(Random random, List<HttpClient> callers, string? role) => (random.Next(2) == 0 ? role : null) switch
    {
        // Half the time a caller the route takes, so that more requests get past the role checks.
        "user" or "owner" when random.Next(4) != 0 => callers[1 + random.Next(callers.Count - 6)],
        "owner" or "service" => callers[^5],
        "admin" => callers[^4],
        _ => random.Next(10) switch
        {
            < 4 => callers[1 + random.Next(callers.Count - 6)],
            < 6 => callers[^5],
            < 8 => callers[^4],
            _ => callers[random.Next(callers.Count)],
        },
    };

    private static bool IsProblemWithCode(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString()!.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>
/// The service for the fuzz run. Failed code claims are limited per address as well as per account,
/// and every fuzzing caller comes from the one test address: that limit is off here, so claims by
/// code meet the per-account limit and the codes themselves rather than only each other's failures.
/// </summary>
public sealed class FuzzApiFactory : CouponsApiFactory
{
    internal static readonly (string Key, string Value) CodeAttemptsPerAddressOff = ("Coupons:Protection:CodeAttempts:PerIp", "0");

    protected override IEnumerable<(string Key, string Value)> Settings => [CodeAttemptsPerAddressOff];
}

/// <summary>The Redis service for the fuzz run, with the same setting as <see cref="FuzzApiFactory"/>.</summary>
public sealed class RedisFuzzApiFactory : RedisApiFactory
{
    protected override IEnumerable<(string Key, string Value)> Settings => [.. base.Settings, FuzzApiFactory.CodeAttemptsPerAddressOff];
}

/// <summary>The fuzz run on the embedded store.</summary>
public sealed class EmbeddedFuzzTests(FuzzApiFactory factory, ITestOutputHelper output) : FuzzTests<FuzzApiFactory>(factory, output), IClassFixture<FuzzApiFactory>;

/// <summary>The fuzz run on the Redis store, with its PostgreSQL persister.</summary>
public sealed class RedisFuzzTests(RedisFuzzApiFactory factory, ITestOutputHelper output) : FuzzTests<RedisFuzzApiFactory>(factory, output), IClassFixture<RedisFuzzApiFactory>;
