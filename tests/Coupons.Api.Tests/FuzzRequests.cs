using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Protection;
using Coupons.Core;
using Coupons.Core.Codes;

namespace Coupons.Api.Tests;

/// <summary>
/// What the fuzz requests aim at: the campaigns, coupons, jobs and codes set up before the run, and
/// those that successful answers name during it (a bounded number of each).
/// </summary>
internal sealed class FuzzTargets(string[] users)
{
    private const int MostEach = 40;

    public string[] Users { get; } = users;

    public List<string> Campaigns { get; } = [];

    /// <summary>How many of <see cref="Campaigns"/> were set up before the run (the others are the run's own).</summary>
    public int SetUpCampaigns { get; set; }

    public List<string> Coupons { get; } = [];

    public List<string> Jobs { get; } = [];

    /// <summary>Codes to type: generated codes, shared codes, coupons' own codes.</summary>
    public List<string> Codes { get; } = [];

    public static void Add(List<string> pool, string? value)
    {
        if (value is not null && pool.Count < MostEach && !pool.Contains(value))
        {
            pool.Add(value);
        }
    }

    /// <summary>Takes the ids and codes a successful answer to <paramref name="template"/> names.</summary>
    public void Learn(string template, string body)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return; // the CSV export
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        switch (template)
        {
            case "/v1/campaigns":
                Add(Campaigns, Text(root, "id"));
                Add(Codes, Text(root, "code"));
                break;
            case "/v1/campaigns/{campaign}/codes" when root.TryGetProperty("items", out var items):
                foreach (var item in items.EnumerateArray())
                {
                    Add(Codes, Text(item, "code"));
                }

                break;
            case "/v1/campaigns/{campaign}/codes" or "/v1/campaigns/{campaign}/issuances":
                Add(Jobs, Text(root, "id"));
                break;
            case "/v1/campaigns/{campaign}/claim" or "/v1/codes/claim":
                Add(Coupons, Text(root, "id"));
                Add(Codes, Text(root, "code"));
                break;
            default:
                break;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// Random and malformed requests at every route the service maps (and some it does not): random
/// methods, ids, query strings, headers and bodies, each route's own body half the time and any
/// other otherwise, mutated, cut short, or not JSON at all.
/// </summary>
internal sealed class FuzzRequests(Random random, FuzzTargets targets)
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    /// <summary>Every route with the method it answers (the busiest twice), and some that do not exist.</summary>
    private static readonly (string Method, string Path)[] Templates =
    [
        ("POST", "/v1/campaigns"), ("GET", "/v1/campaigns"), ("GET", "/v1/campaigns/{campaign}"), ("POST", "/v1/campaigns/{campaign}/claim"),
        ("POST", "/v1/campaigns/{campaign}/claim"), ("GET", "/v1/campaigns/{campaign}/stats"), ("POST", "/v1/campaigns/{campaign}/pause"),
        ("POST", "/v1/campaigns/{campaign}/resume"), ("POST", "/v1/campaigns/{ending}/end"), ("POST", "/v1/campaigns/{campaign}/stock"),
        ("GET", "/v1/me/coupons"), ("GET", "/v1/coupons/{coupon}"), ("POST", "/v1/coupons/{coupon}/lock"), ("POST", "/v1/coupons/{coupon}/lock"),
        ("POST", "/v1/coupons/{coupon}/redeem"), ("POST", "/v1/coupons/{coupon}/redeem"), ("POST", "/v1/coupons/{coupon}/release"),
        ("POST", "/v1/coupons/{coupon}/refund"), ("POST", "/v1/coupons/{coupon}/revoke"), ("GET", "/v1/users/{user}/coupons"),
        ("GET", "/v1/users/{user}/coupons"), ("GET", "/v1/blocklist"), ("POST", "/v1/blocklist"), ("DELETE", "/v1/blocklist/{kind}"),
        ("GET", "/v1/fraud/flags"), ("DELETE", "/v1/fraud/flags/{signal}"), ("GET", "/v1/audit"),
        ("POST", "/v1/codes/claim"), ("POST", "/v1/codes/claim"), ("POST", "/v1/codes/lookup"),
        ("POST", "/v1/campaigns/{campaign}/codes"), ("GET", "/v1/campaigns/{campaign}/codes"), ("GET", "/v1/campaigns/{campaign}/codes"),
        ("POST", "/v1/campaigns/{campaign}/issuances"), ("POST", "/v1/campaigns/{campaign}/issuances"),
        ("GET", "/v1/jobs/{job}"), ("POST", "/v1/jobs/{job}/cancel"), ("GET", "/v1/jobs/{job}/failures"),
        ("GET", "/v1/{junk}"), ("POST", "/{junk}"), ("POST", "/v1/campaigns/{campaign}/{junk}"), ("POST", "/v1/jobs/{job}/{junk}"),
        ("GET", "/health/ready"), ("GET", "/openapi/v1.json"),
    ];

    private static readonly string[] QueryKeys = ["limit", "cursor", "status", "kind", "value", "signal", "subject", "actor", "owner", "campaignId", "action", "from", "to", "x", ""];

    /// <summary>The kinds of JSON body the routes take.</summary>
    private enum Shape
    {
        Campaign,
        Stock,
        BlockEntry,
        Order,
        Revoke,
        Code,
        Generation,
        Issuance,
    }

    /// <summary>A new request, the template it was made from (to learn from its answer), and a line that describes it.</summary>
    public (HttpRequestMessage Request, string Template, string Description) Next()
    {
        var (method, template) = Templates[random.Next(Templates.Length)];
        if (random.Next(8) == 0)
        {
            method = Methods[random.Next(Methods.Length)];
        }

        var path = Fill(template);
        if (random.Next(3) == 0)
        {
            var query = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"{QueryKeys[random.Next(QueryKeys.Length)]}={Uri.EscapeDataString(QueryValue())}");
            path += "?" + string.Join("&", query);
        }

        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        string? bodyText = null;
        if (method is "POST" or "PUT" or "PATCH" && random.Next(6) != 0)
        {
            (request.Content, bodyText) = Body(template);
        }

        AddHeaders(request, template);
        return (request, template, $"{method} {path} {bodyText?[..Math.Min(bodyText.Length, 200)]}");
    }

    /// <summary>Who may call the route <paramref name="template"/>: an end user, the service or an admin (null for anyone, or no route).</summary>
    public static string? RoleFor(string template) => template switch
    {
        "/v1/me/coupons" or "/v1/codes/claim" => "user",
        _ when template.EndsWith("/claim", StringComparison.Ordinal) => "user",
        "/v1/coupons/{coupon}" or "/v1/coupons/{coupon}/lock" or "/v1/coupons/{coupon}/redeem" or "/v1/coupons/{coupon}/release" => "owner",
        "/v1/coupons/{coupon}/refund" or "/v1/users/{user}/coupons" or "/v1/codes/lookup" or "/v1/campaigns/{campaign}/issuances" => "service",
        _ when template.StartsWith("/v1/jobs/", StringComparison.Ordinal) => "service",
        _ when template.Contains("{junk}", StringComparison.Ordinal) || !template.StartsWith("/v1/", StringComparison.Ordinal) => null,
        _ => "admin",
    };

    /// <summary>Takes the ids and codes a successful answer names, to aim later requests at.</summary>
    public void Learn(string template, string body) => targets.Learn(template, body);

    private string Fill(string template) => template
        .Replace("{campaign}", Pick(targets.Campaigns), StringComparison.Ordinal)
        .Replace("{ending}", Ending(), StringComparison.Ordinal)
        .Replace("{coupon}", Pick(targets.Coupons), StringComparison.Ordinal)
        .Replace("{job}", Pick(targets.Jobs), StringComparison.Ordinal)
        .Replace("{user}", random.Next(3) == 0 ? PathJunk() : Uri.EscapeDataString(targets.Users[random.Next(targets.Users.Length)]), StringComparison.Ordinal)
        .Replace("{kind}", random.Next(3) == 0 ? PathJunk() : new[] { "user", "ip", "device" }[random.Next(3)], StringComparison.Ordinal)
        .Replace("{signal}", random.Next(3) == 0 ? PathJunk() : FraudSignal(), StringComparison.Ordinal)
        .Replace("{junk}", PathJunk(), StringComparison.Ordinal);

    /// <summary>
    /// The campaign to end: mostly one the run created, now and then one set up before it. Ended is
    /// for good, so the campaigns the other requests aim at stay open for most of the run.
    /// </summary>
    private string Ending()
    {
        var own = targets.Campaigns.Skip(targets.SetUpCampaigns).ToList();
        return random.Next(10) == 0 || own.Count == 0 ? Pick(targets.Campaigns) : Pick(own);
    }

    private string FraudSignal() => FraudFlag.Signals[random.Next(FraudFlag.Signals.Count)];

    private void AddHeaders(HttpRequestMessage request, string template)
    {
        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", random.Next(3) == 0 ? "key-" + random.Next(5) : Junk());
        }

        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("X-Device-Id", random.Next(2) == 0 ? "device-" + random.Next(5) : Junk());
        }

        if (random.Next(8) == 0)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", random.Next(2) == 0 ? "203.0.113." + random.Next(256) : Junk());
        }

        // The codes listing streams CSV when asked; any other route answers as it always does.
        if (template.EndsWith("/codes", StringComparison.Ordinal) ? random.Next(2) == 0 : random.Next(20) == 0)
        {
            request.Headers.TryAddWithoutValidation("Accept", new[] { "text/csv", "text/csv; charset=utf-8", "TEXT/CSV, application/json;q=0.5", "application/xml", "*/*" }[random.Next(5)]);
        }
    }

    private string Pick(List<string> known) => random.Next(6) switch
    {
        0 => Guid.NewGuid().ToString(),
        1 => PathJunk(),
        _ when known.Count == 0 => Guid.NewGuid().ToString(),
        _ => known[random.Next(known.Count)],
    };

    private string QueryValue() => random.Next(10) switch
    {
        0 => "-1",
        1 => "0",
        2 => "201",
        3 => "99999999999999999999",
        4 => targets.Users[random.Next(targets.Users.Length)],
        5 => "10.0.0.0/8",
        6 => new[] { "unused", "locked", "used", "expired", "revoked", "active", "paused", "ended", "available", "claimed" }[random.Next(10)],
        7 => new[] { "2026-01-01T00:00:00Z", "yesterday", "coupon.claimed", "job:" + Guid.NewGuid().ToString("N") }[random.Next(4)],
        8 => random.Next(2) == 0 ? Pick(targets.Campaigns) : Pick(targets.Coupons),
        _ => Junk(),
    };

    /// <summary>Junk for a path segment: escaped, and without NUL, which the test server's client side refuses to send (Kestrel answers it 400).</summary>
    private string PathJunk() => Uri.EscapeDataString(Junk().Replace("\u0000", "", StringComparison.Ordinal));

    private string Junk() => random.Next(10) switch
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

    private (HttpContent Content, string Text) Body(string template)
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
            case 4 or 5 when template.EndsWith("/issuances", StringComparison.Ordinal):
                var csv = UserList();
                var content = new StringContent(csv, Encoding.UTF8, "text/csv"); // with charset=utf-8
                if (random.Next(3) == 0)
                {
                    content.Headers.ContentType = new MediaTypeHeaderValue(random.Next(2) == 0 ? "text/csv" : "TEXT/CSV");
                }

                return (content, csv);
            default:
                var json = Mutate(Valid(random.Next(2) == 0 ? ShapeOf(template) : (Shape)random.Next(8))).ToJsonString();
                if (random.Next(8) == 0)
                {
                    json = json[..random.Next(json.Length)];
                }

                return (new StringContent(json, Encoding.UTF8, "application/json"), json);
        }
    }

    private Shape ShapeOf(string template) => template switch
    {
        "/v1/campaigns" => Shape.Campaign,
        _ when template.EndsWith("/stock", StringComparison.Ordinal) => Shape.Stock,
        "/v1/blocklist" => Shape.BlockEntry,
        _ when template.EndsWith("/revoke", StringComparison.Ordinal) => Shape.Revoke,
        _ when template.StartsWith("/v1/coupons/", StringComparison.Ordinal) => Shape.Order,
        _ when template.StartsWith("/v1/codes/", StringComparison.Ordinal) => Shape.Code,
        _ when template.EndsWith("/codes", StringComparison.Ordinal) => Shape.Generation,
        _ when template.EndsWith("/issuances", StringComparison.Ordinal) => Shape.Issuance,
        _ => (Shape)random.Next(8),
    };

    private JsonObject Valid(Shape shape) => shape switch
    {
        Shape.Campaign => Campaign(),
        Shape.Stock => new JsonObject { ["add"] = Number(random.Next(1, 10)) },
        // Now and then one of the pool's users, briefly: blocked answers are part of the run, not all of it.
        Shape.BlockEntry => new JsonObject
        {
            ["kind"] = "user",
            ["value"] = random.Next(10) == 0 ? targets.Users[random.Next(targets.Users.Length)] : "fuzz-blocked-" + random.Next(10),
            ["reason"] = "fuzz",
            ["expiresAt"] = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O", CultureInfo.InvariantCulture),
        },
        Shape.Revoke => new JsonObject { ["reason"] = random.Next(4) == 0 ? new string('r', 500 + random.Next(2)) : "fuzz" },
        Shape.Code => new JsonObject { ["code"] = Code() },
        Shape.Generation => Generation(),
        Shape.Issuance => new JsonObject { ["userIds"] = UserIds() },
        _ => new JsonObject { ["orderId"] = "order-" + random.Next(20), ["orderAmount"] = Number(random.Next(0, 5000)) },
    };

    private JsonObject Campaign()
    {
        var campaign = new JsonObject
        {
            ["name"] = "fuzz",
            ["discount"] = new JsonObject { ["type"] = "percent_off", ["percentOff"] = Number(10), ["maxDiscount"] = Number(500) },
            ["totalStock"] = Number(random.Next(1, 100)),
            ["perUserLimit"] = Number(2),
            ["validity"] = new JsonObject { ["days"] = Number(30) },
        };
        if (random.Next(4) == 0)
        {
            // A few shared codes, so that some are taken (409 code_taken); some not codes at all.
            campaign["code"] = random.Next(4) == 0 ? Junk() : "FUZZ-" + random.Next(6) + "-" + targets.Users[0][^4..].ToUpperInvariant();
        }

        return campaign;
    }

    /// <summary>A generation request, mostly small: a valid one of 1,000,000 codes would only slow the run.</summary>
    private JsonObject Generation()
    {
        var generation = new JsonObject
        {
            ["count"] = random.Next(4) == 0
                ? new[] { 0L, -1L, CouponCodes.MaxCount + 1L, int.MaxValue + 1L, long.MinValue }[random.Next(5)]
                : random.Next(1, 30),
        };
        if (random.Next(2) == 0)
        {
            generation["prefix"] = new[] { "", "FZ", "vip", "SALE", "=A", "+1", "-X", "@A", "ABCDEFGHJ", "ÜNÏ", "F Z" }[random.Next(11)];
        }

        if (random.Next(2) == 0)
        {
            generation["length"] = new[] { 7, 8, 12, 24, 25, int.MinValue }[random.Next(6)];
        }

        return generation;
    }

    /// <summary>A code as a person might type it: one of the pool's, as it is, in another case and grouped, or mistyped; an unknown one; or no code at all.</summary>
    private string Code()
    {
        var known = targets.Codes.Count > 0 ? targets.Codes[random.Next(targets.Codes.Count)] : "K7QMX4TR9HWQ";
        return random.Next(10) switch
        {
            < 4 => known,
            4 => string.Join("-", known.ToLowerInvariant().Chunk(4).Select(group => new string(group))),
            5 => known[..^1] + (known[^1] == 'A' ? 'B' : 'A'),
            6 => WellFormedUnknownCode(),
            7 => random.Next(2) == 0 ? string.Empty : new string('A', CouponCodes.MaxInputLength + 1),
            _ => Junk(),
        };
    }

    private string WellFormedUnknownCode()
    {
        var body = new string(Enumerable.Range(0, 11).Select(_ => CouponCodes.Alphabet[random.Next(CouponCodes.Alphabet.Length)]).ToArray());
        return body + CouponCodes.CheckCharacter(body);
    }

    private JsonArray UserIds()
    {
        if (random.Next(30) == 0)
        {
            return new JsonArray([.. Enumerable.Range(0, 10_001).Select(i => (JsonNode)("u" + i))]); // one more than a list may have
        }

        return new JsonArray([.. Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(8) switch
        {
            0 => JsonValue.Create(random.Next(100)),
            1 => null,
            2 => (JsonNode)new string('u', StoreLimits.MaxUserIdLength + random.Next(2)),
            3 => (JsonNode)Junk(),
            4 => (JsonNode)("fuzz-pushed-" + random.Next(20)),
            _ => (JsonNode)targets.Users[random.Next(targets.Users.Length)],
        })]);
    }

    /// <summary>A CSV list of users, one a line: the pool's users, new ones, empty lines, and lines no user id can be.</summary>
    private string UserList() => string.Join(random.Next(2) == 0 ? "\n" : "\r\n", Enumerable.Range(0, random.Next(0, 8)).Select(_ => random.Next(8) switch
    {
        0 => string.Empty,
        1 => new string('u', StoreLimits.MaxUserIdLength + random.Next(2)),
        2 => Junk(),
        3 => "fuzz-pushed-" + random.Next(20),
        4 => "user,with,commas\tand\u0001control",
        _ => targets.Users[random.Next(targets.Users.Length)],
    }));

    /// <summary>A typical value half the time, otherwise one at or past a boundary.</summary>
    private long Number(long typical) => random.Next(2) == 0
        ? typical
        : new[] { 0L, 1L, -1L, 100L, 101L, 999L, 1_000L, Money.MaxAmount, Money.MaxAmount + 1, CampaignDefinition.MaxStock, CampaignDefinition.MaxStock + 1, int.MaxValue, int.MaxValue + 1L, long.MaxValue, long.MinValue }[random.Next(15)];

    private JsonNode Mutate(JsonObject body)
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
                    body[names[random.Next(names.Count)]] = Junk();
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
