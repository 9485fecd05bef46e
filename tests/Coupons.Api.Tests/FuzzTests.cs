using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Coupons.Api.Tests;

/// <summary>
/// Thousands of random and malformed requests, from every kind of caller, at every route and some
/// that do not exist: no answer may be a 5xx, every 4xx must be a problem with a code, and afterwards
/// the invariants must hold and the service must be ready. The seed is printed on failure; set
/// <c>FUZZ_SEED</c> to replay a run, <c>FUZZ_REQUESTS</c> for more requests.
/// </summary>
public abstract class FuzzTests<TFactory>(TFactory factory, ITestOutputHelper output) : ApiTestBase<TFactory>(factory)
    where TFactory : CouponsApiFactory
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    /// <summary>Every route with the method it answers, and some that do not exist.</summary>
    private static readonly (string Method, string Path)[] Templates =
    [
        ("POST", "/v1/campaigns"), ("GET", "/v1/campaigns"), ("GET", "/v1/campaigns/{campaign}"), ("POST", "/v1/campaigns/{campaign}/claim"),
        ("POST", "/v1/campaigns/{campaign}/claim"), ("GET", "/v1/campaigns/{campaign}/stats"), ("POST", "/v1/campaigns/{campaign}/pause"),
        ("POST", "/v1/campaigns/{campaign}/resume"), ("POST", "/v1/campaigns/{campaign}/end"), ("POST", "/v1/campaigns/{campaign}/stock"),
        ("GET", "/v1/me/coupons"), ("GET", "/v1/coupons/{coupon}"), ("POST", "/v1/coupons/{coupon}/lock"), ("POST", "/v1/coupons/{coupon}/lock"),
        ("POST", "/v1/coupons/{coupon}/redeem"), ("POST", "/v1/coupons/{coupon}/redeem"), ("POST", "/v1/coupons/{coupon}/release"),
        ("POST", "/v1/coupons/{coupon}/refund"), ("POST", "/v1/coupons/{coupon}/revoke"), ("GET", "/v1/users/{user}/coupons"),
        ("GET", "/v1/users/{user}/coupons"), ("GET", "/v1/blocklist"), ("POST", "/v1/blocklist"), ("DELETE", "/v1/blocklist/{kind}"),
        ("GET", "/v1/fraud/flags"), ("DELETE", "/v1/fraud/flags/{signal}"), ("GET", "/v1/{junk}"), ("POST", "/{junk}"),
        ("POST", "/v1/campaigns/{campaign}/{junk}"), ("GET", "/health/ready"), ("GET", "/openapi/v1.json"),
    ];

    private static readonly string[] QueryKeys = ["limit", "cursor", "status", "kind", "value", "signal", "x", ""];

    [Fact]
    public async Task Random_and_malformed_requests_from_every_role_never_get_a_5xx_and_break_no_invariant()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var fixedSeed) ? fixedSeed : Random.Shared.Next();
        var count = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_REQUESTS"), CultureInfo.InvariantCulture, out var asked) ? asked : 4000;
        var random = new Random(seed);

        // Something to aim at: campaigns with stock, coupons claimed by a pool of users.
        var users = Enumerable.Range(0, 12).Select(i => $"fuzz-user-{i}-{Unique()}").ToArray();
        var campaigns = new List<string>();
        var coupons = new List<string>();
        foreach (var stock in new[] { 3L, 50L, 1000L })
        {
            var id = await NewCampaignAsync(CampaignBody(totalStock: stock, perUserLimit: 2));
            campaigns.Add(id);
            coupons.Add(await ClaimAsync(Factory.ClientFor(users[campaigns.Count]), id));
        }

        var callers = new List<HttpClient> { Factory.CreateClient() };
        callers.AddRange(users.Select(u => Factory.ClientFor(u)));
        callers.Add(Factory.ClientFor("order-system", "service"));
        callers.Add(Factory.ClientFor("fuzz-admin", "admin"));
        callers.Add(Factory.ClientFor("fuzz-stranger", "superuser"));
        callers.Add(Factory.ClientWithToken("not.a.token"));
        callers.Add(Factory.ClientWithToken(Coupons.Api.Auth.TokenIssuer.Issue(CouponsApiFactory.Key, "expired", null, TimeSpan.FromMinutes(1), DateTimeOffset.UtcNow.AddHours(-1))));

        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        for (var sent = 0; sent < count;)
        {
            // Eight at a time, so requests also race each other.
            var batch = new List<(string Description, Task<HttpResponseMessage> Response)>();
            for (var i = 0; i < 8 && sent < count; i++, sent++)
            {
                var (request, description) = NewRequest(random, campaigns, coupons, users);
                batch.Add((description, Caller(random, callers).SendAsync(request)));
            }

            foreach (var (description, pending) in batch)
            {
                using var response = await pending;
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var body = await response.Content.ReadAsStringAsync();
                if (status >= 500)
                {
                    failures.Add($"{status} for {description}: {body[..Math.Min(body.Length, 300)]}");
                }
                else if (status >= 400 && response.RequestMessage?.Method != HttpMethod.Head && !IsProblemWithCode(body))
                {
                    failures.Add($"{status} without a problem code for {description}: {body[..Math.Min(body.Length, 300)]}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"seed {seed}: {failures.Count} bad answers, first ones:\n" + string.Join("\n", failures.Take(10)));

        // The service is still healthy, and every campaign and coupon is consistent.
        using (var ready = await Anonymous.GetPathAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        foreach (var campaign in campaigns)
        {
            var stats = await StatsAsync(campaign);
            var total = stats.Long("totalStock");
            Assert.True(stats.Long("issued") + stats.Long("remainingStock") == total, $"seed {seed}: {stats}");
            Assert.InRange(stats.Long("issued"), 0, total);
            Assert.InRange(stats.Long("revoked") + stats.Long("used") + stats.Long("locked"), 0, stats.Long("issued"));
        }

        var perUserAndCampaign = new Dictionary<(string, string), int>();
        foreach (var user in users)
        {
            // The fuzzing admin may have blocked the user: lift it to read their coupons.
            using (await Admin.DeleteAsync(new Uri($"/v1/blocklist/user?value={user}", UriKind.Relative)))
            {
            }

            using var mine = await Factory.ClientFor(user).GetPathAsync("/v1/me/coupons?limit=200");
            foreach (var coupon in (await mine.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray())
            {
                var key = (user, coupon.Str("campaignId"));
                perUserAndCampaign[key] = perUserAndCampaign.GetValueOrDefault(key) + 1;
                if (coupon.Str("status") == "used")
                {
                    Assert.False(coupon.IsNull("orderId"), $"seed {seed}: a used coupon without its order: {coupon}");
                }
            }
        }

        Assert.All(perUserAndCampaign, pair => Assert.InRange(pair.Value, 0, 2));

        // Not a vacuous run: the requests reached the handlers and were answered every way.
        Assert.True(statuses.Where(s => s.Key < 300).Sum(s => s.Value) > count / 20 && statuses.Keys.Count(s => s < 300) >= 2 && statuses.Keys.Count(s => s >= 400) >= 6, $"seed {seed}: statuses {string.Join(", ", statuses)}");
        output.WriteLine($"seed {seed}, {count} requests, answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} × {s.Value}"))}");
    }

    /// <summary>Mostly callers whose requests get past authentication: end users, the order system, admins.</summary>
    private static HttpClient Caller(Random random, List<HttpClient> callers) => random.Next(10) switch
    {
        < 4 => callers[1 + random.Next(callers.Count - 6)],
        < 6 => callers[^5],
        < 8 => callers[^4],
        _ => callers[random.Next(callers.Count)],
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

    private static (HttpRequestMessage Request, string Description) NewRequest(Random random, List<string> campaigns, List<string> coupons, string[] users)
    {
        var (method, template) = Templates[random.Next(Templates.Length)];
        if (random.Next(8) == 0)
        {
            method = Methods[random.Next(Methods.Length)];
        }

        var path = template
            .Replace("{campaign}", Pick(random, campaigns), StringComparison.Ordinal)
            .Replace("{coupon}", Pick(random, coupons), StringComparison.Ordinal)
            .Replace("{user}", random.Next(3) == 0 ? PathJunk(random) : Uri.EscapeDataString(users[random.Next(users.Length)]), StringComparison.Ordinal)
            .Replace("{kind}", random.Next(3) == 0 ? PathJunk(random) : new[] { "user", "ip", "device" }[random.Next(3)], StringComparison.Ordinal)
            .Replace("{signal}", random.Next(3) == 0 ? PathJunk(random) : new[] { "device_accounts", "ip_accounts", "claim_burst" }[random.Next(3)], StringComparison.Ordinal)
            .Replace("{junk}", PathJunk(random), StringComparison.Ordinal);
        if (random.Next(3) == 0)
        {
            var query = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"{QueryKeys[random.Next(QueryKeys.Length)]}={Uri.EscapeDataString(QueryValue(random, users))}");
            path += "?" + string.Join("&", query);
        }

        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        string? bodyText = null;
        if (method is "POST" or "PUT" or "PATCH" && random.Next(6) != 0)
        {
            var (content, text) = Body(random, users);
            request.Content = content;
            bodyText = text;
        }

        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", random.Next(3) == 0 ? "key-" + random.Next(5) : Junk(random));
        }

        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("X-Device-Id", random.Next(2) == 0 ? "device-" + random.Next(5) : Junk(random));
        }

        if (random.Next(8) == 0)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", random.Next(2) == 0 ? "203.0.113." + random.Next(256) : Junk(random));
        }

        return (request, $"{method} {path} {bodyText?[..Math.Min(bodyText.Length, 200)]}");
    }

    private static string Pick(Random random, List<string> known) => random.Next(6) switch
    {
        0 => Guid.NewGuid().ToString(),
        1 => PathJunk(random),
        _ => known[random.Next(known.Count)],
    };

    private static string QueryValue(Random random, string[] users) => random.Next(8) switch
    {
        0 => "-1",
        1 => "0",
        2 => "201",
        3 => "99999999999999999999",
        4 => users[random.Next(users.Length)],
        5 => "10.0.0.0/8",
        6 => new[] { "unused", "locked", "used", "expired", "revoked", "active", "paused", "ended" }[random.Next(8)],
        _ => Junk(random),
    };

    /// <summary>Junk for a path segment: escaped, and without NUL, which the test server's client side refuses to send (Kestrel answers it 400).</summary>
    private static string PathJunk(Random random) => Uri.EscapeDataString(Junk(random).Replace("\u0000", "", StringComparison.Ordinal));

    private static string Junk(Random random) => random.Next(10) switch
    {
        0 => string.Empty,
        1 => new string('x', random.Next(100, 5000)),
        2 => "../../etc/passwd",
        3 => "%00\u0000null",
        4 => "ünïcödé-🎟️",
        5 => "' OR 1=1 --",
        6 => "{\"json\":true}",
        7 => random.NextInt64().ToString(CultureInfo.InvariantCulture),
        8 => "  spaced  ",
        _ => Guid.NewGuid().ToString("N")[..random.Next(1, 32)],
    };

    private static (HttpContent Content, string Text) Body(Random random, string[] users)
    {
        switch (random.Next(10))
        {
            case 0:
                var bytes = new byte[random.Next(1, 200)];
                random.NextBytes(bytes);
                return (new ByteArrayContent(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }, "<random bytes>");
            case 1:
                var deep = new string('[', random.Next(5, 200)) + new string(']', random.Next(0, 200));
                return (new StringContent(deep, Encoding.UTF8, "application/json"), deep);
            case 2:
                var big = "{\"orderId\":\"" + new string('o', random.Next(60_000, 70_000)) + "\"}";
                return (new StringContent(big, Encoding.UTF8, "application/json"), "<big body>");
            case 3:
                var form = "orderId=o&orderAmount=1";
                return (new StringContent(form, Encoding.UTF8, random.Next(2) == 0 ? "text/plain" : "application/x-www-form-urlencoded"), form);
            default:
                var json = Mutate(random, Valid(random, users)).ToJsonString();
                if (random.Next(8) == 0)
                {
                    json = json[..random.Next(json.Length)];
                }

                return (new StringContent(json, Encoding.UTF8, "application/json"), json);
        }
    }

    private static JsonObject Valid(Random random, string[] users) => random.Next(6) switch
    {
        5 => new JsonObject { ["reason"] = random.Next(4) == 0 ? new string('r', 500 + random.Next(2)) : "fuzz" },
        0 => new JsonObject
        {
            ["name"] = "fuzz",
            ["discount"] = new JsonObject { ["type"] = "percent_off", ["percentOff"] = Number(random, 10), ["maxDiscount"] = Number(random, 500) },
            ["totalStock"] = Number(random, random.Next(1, 100)),
            ["perUserLimit"] = Number(random, 2),
            ["validity"] = new JsonObject { ["days"] = Number(random, 30) },
        },
        1 => new JsonObject { ["add"] = Number(random, random.Next(1, 10)) },
        // Now and then one of the pool's users, briefly: blocked answers are part of the run, not all of it.
        2 => new JsonObject
        {
            ["kind"] = "user",
            ["value"] = random.Next(10) == 0 ? users[random.Next(users.Length)] : "fuzz-blocked-" + random.Next(10),
            ["reason"] = "fuzz",
            ["expiresAt"] = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O", CultureInfo.InvariantCulture),
        },
        _ => new JsonObject { ["orderId"] = "order-" + random.Next(20), ["orderAmount"] = Number(random, random.Next(0, 5000)) },
    };

    /// <summary>A typical value half the time, otherwise one at or past a boundary.</summary>
    private static long Number(Random random, long typical) => random.Next(2) == 0
        ? typical
        : new[] { 0L, 1L, -1L, 100L, 101L, 999L, 1_000L, Coupons.Core.Money.MaxAmount, Coupons.Core.Money.MaxAmount + 1, Coupons.Core.CampaignDefinition.MaxStock, Coupons.Core.CampaignDefinition.MaxStock + 1, int.MaxValue, int.MaxValue + 1L, long.MaxValue, long.MinValue }[random.Next(15)];

    private static JsonNode Mutate(Random random, JsonObject body)
    {
        var mutations = random.Next(0, 3);
        for (var i = 0; i < mutations; i++)
        {
            var names = body.Select(p => p.Key).ToList();
            switch (random.Next(7))
            {
                case 0 when names.Count > 0:
                    body.Remove(names[random.Next(names.Count)]);
                    break;
                case 1:
                    body["unexpected" + random.Next(3)] = 1;
                    break;
                case 2 when names.Count > 0:
                    body[names[random.Next(names.Count)]] = Junk(random);
                    break;
                case 3 when names.Count > 0:
                    body[names[random.Next(names.Count)]] = JsonNode.Parse(new[] { "-1", "0", "1e308", "9223372036854775807", "18446744073709551616", "1.5", "null", "true", "[]", "{}" }[random.Next(10)]);
                    break;
                case 4 when names.Count > 0:
                    body[names[random.Next(names.Count)]] = new JsonObject { ["nested"] = new JsonArray(1, 2, new JsonObject()) };
                    break;
                default:
                    break;
            }
        }

        return body;
    }
}

/// <summary>The fuzz run on the embedded store.</summary>
public sealed class EmbeddedFuzzTests(CouponsApiFactory factory, ITestOutputHelper output) : FuzzTests<CouponsApiFactory>(factory, output), IClassFixture<CouponsApiFactory>;

/// <summary>The fuzz run on the Redis store, with its PostgreSQL persister.</summary>
public sealed class RedisFuzzTests(RedisApiFactory factory, ITestOutputHelper output) : FuzzTests<RedisApiFactory>(factory, output), IClassFixture<RedisApiFactory>;
