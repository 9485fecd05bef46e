using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Coupons.Api.Tests.Infrastructure;

/// <summary>Clients for the three kinds of caller and helpers that make the common steps one line each.</summary>
public abstract class ApiTestBase<TFactory>(TFactory factory)
    where TFactory : CouponsApiFactory
{
    private HttpClient? _admin;
    private HttpClient? _service;
    private HttpClient? _anonymous;

    protected TFactory Factory { get; } = factory;

    protected HttpClient Admin => _admin ??= Factory.ClientFor("admin-" + Unique(), "admin");

    protected HttpClient Service => _service ??= Factory.ClientFor("order-system", "service");

    protected HttpClient Anonymous => _anonymous ??= Factory.CreateClient();

    /// <summary>A short unique suffix, so tests sharing one service never see each other's users or orders.</summary>
    protected static string Unique() => Guid.NewGuid().ToString("N")[..12];

    /// <summary>An end user with a fresh id and a client for them.</summary>
    protected (string Id, HttpClient Client) NewUser()
    {
        var id = "user-" + Unique();
        return (id, Factory.ClientFor(id));
    }

    /// <summary>amount_off 500, minimum order 1000, the given stock and per-user limit, valid 30 days from the claim.</summary>
    protected static JsonObject CampaignBody(long totalStock = 10, int perUserLimit = 1) => new()
    {
        ["name"] = "Spring sale",
        ["discount"] = new JsonObject { ["type"] = "amount_off", ["amountOff"] = 500 },
        ["minOrderAmount"] = 1000,
        ["totalStock"] = totalStock,
        ["perUserLimit"] = perUserLimit,
        ["validity"] = new JsonObject { ["days"] = 30 },
    };

    protected static JsonObject Order(string orderId, long? orderAmount = null)
    {
        var body = new JsonObject { ["orderId"] = orderId };
        if (orderAmount is { } amount)
        {
            body["orderAmount"] = amount;
        }

        return body;
    }

    /// <summary>A checkout campaign: <see cref="CampaignBody"/> with this discount, stacking, scope by category and minimum.</summary>
    protected static JsonObject Campaign(JsonObject discount, string? stacking = null, string[]? categories = null, long minOrderAmount = 0)
    {
        var body = CampaignBody();
        body["discount"] = discount;
        body["minOrderAmount"] = minOrderAmount;
        if (stacking is not null)
        {
            body["stacking"] = stacking;
        }

        if (categories is not null)
        {
            body["scope"] = new JsonObject { ["categories"] = new JsonArray([.. categories.Select(c => (JsonNode)c)]) };
        }

        return body;
    }

    protected async Task<string> ClaimOfAsync(HttpClient user, JsonObject campaign) => await ClaimAsync(user, await NewCampaignAsync(campaign));

    protected static string Iso(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Creates a campaign as an admin and returns its body (asserting 201).</summary>
    protected async Task<JsonElement> CreateCampaignAsync(JsonObject? body = null)
    {
        using var response = await Admin.PostJsonAsync("/v1/campaigns", body ?? CampaignBody());
        return await response.AssertStatusAsync(HttpStatusCode.Created);
    }

    protected async Task<string> NewCampaignAsync(JsonObject? body = null) =>
        (await CreateCampaignAsync(body)).GetProperty("id").GetString()!;

    protected async Task<JsonElement> GetCampaignAsync(string campaignId)
    {
        using var response = await Admin.GetAsync(new Uri($"/v1/campaigns/{campaignId}", UriKind.Relative));
        return await response.AssertStatusAsync(HttpStatusCode.OK);
    }

    protected async Task<JsonElement> StatsAsync(string campaignId)
    {
        using var response = await Admin.GetAsync(new Uri($"/v1/campaigns/{campaignId}/stats", UriKind.Relative));
        return await response.AssertStatusAsync(HttpStatusCode.OK);
    }

    /// <summary>Claims as <paramref name="user"/> and returns the new coupon's id (asserting 201).</summary>
    protected static async Task<string> ClaimAsync(HttpClient user, string campaignId)
    {
        using var response = await user.PostAsync(new Uri($"/v1/campaigns/{campaignId}/claim", UriKind.Relative), null);
        var coupon = await response.AssertStatusAsync(HttpStatusCode.Created);
        return coupon.GetProperty("id").GetString()!;
    }

    /// <summary>A new user holding one coupon of a new default campaign.</summary>
    protected async Task<(string UserId, HttpClient User, string CampaignId, string CouponId)> UserWithCouponAsync(JsonObject? campaign = null)
    {
        var campaignId = await NewCampaignAsync(campaign);
        var (userId, user) = NewUser();
        var couponId = await ClaimAsync(user, campaignId);
        return (userId, user, campaignId, couponId);
    }

    protected static Task<HttpResponseMessage> PostCouponAsync(HttpClient client, string couponId, string action, JsonObject body) =>
        client.PostJsonAsync($"/v1/coupons/{couponId}/{action}", body);

    protected static async Task<JsonElement> GetCouponAsync(HttpClient client, string couponId)
    {
        using var response = await client.GetAsync(new Uri($"/v1/coupons/{couponId}", UriKind.Relative));
        return await response.AssertStatusAsync(HttpStatusCode.OK);
    }

    /// <summary>The entries matching <paramref name="query"/>, newest first, once there are <paramref name="expected"/> of them (waiting up to 10 s for a persister).</summary>
    protected async Task<List<JsonElement>> AuditEntriesAsync(string query, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await Admin.GetPathAsync("/v1/audit?" + query);
            var items = (await response.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(e => e.Clone()).ToList();
            if (items.Count >= expected || DateTime.UtcNow > deadline)
            {
                Assert.True(items.Count == expected, $"{query}: expected {expected} entries, got {items.Count}: {string.Join("; ", items.Select(e => e.Str("action")))}");
                return items;
            }

            await Task.Delay(50);
        }
    }
}

public static class HttpTestExtensions
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, JsonNode body) =>
        client.PostRawAsync(path, body.ToJsonString());

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string json, string mediaType = "application/json")
    {
        var content = new StringContent(json, Encoding.UTF8, mediaType);
        return client.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    public static Task<HttpResponseMessage> PostEmptyAsync(this HttpClient client, string path) =>
        client.PostAsync(new Uri(path, UriKind.Relative), null);

    public static Task<HttpResponseMessage> GetPathAsync(this HttpClient client, string path) =>
        client.GetAsync(new Uri(path, UriKind.Relative));

    /// <summary>Reads the job (as an admin or the service) until it has finished, and returns it; fails after a minute.</summary>
    public static async Task<JsonElement> WaitForJobAsync(this HttpClient caller, string jobId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            using var response = await caller.GetPathAsync($"/v1/jobs/{jobId}");
            var job = await response.AssertStatusAsync(HttpStatusCode.OK);
            if (job.Str("status") is "succeeded" or "failed" or "cancelled")
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {jobId} did not finish in 60 s: {job}");
            await Task.Delay(50);
        }
    }

    /// <summary>Asserts the status (showing the body when it is off) and returns the JSON body.</summary>
    public static async Task<JsonElement> AssertStatusAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(
            response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected} {expected}, got {(int)response.StatusCode} {response.StatusCode}: {Shorten(text)}");
        if (string.IsNullOrEmpty(text))
        {
            return default;
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with this status and <c>code</c>, and returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode expected, string code)
    {
        var problem = await response.AssertStatusAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(JsonValueKind.Object, problem.ValueKind);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Asserts a 400 validation problem that names <paramref name="field"/> among its errors.</summary>
    public static async Task<JsonElement> AssertValidationAsync(this HttpResponseMessage response, string? field = null)
    {
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        if (field is not null)
        {
            var errors = problem.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), $"expected an error for '{field}', got {errors}");
        }

        return problem;
    }

    /// <summary>Asserts any 4xx problem with a non-empty <c>code</c> (never a 5xx), and returns the code.</summary>
    public static async Task<string> AssertClientErrorAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        Assert.True(status is >= 400 and < 500, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected a 4xx, got {status}: {Shorten(text)}");
        using var document = JsonDocument.Parse(text);
        var code = document.RootElement.GetProperty("code").GetString();
        Assert.False(string.IsNullOrEmpty(code));
        return code!;
    }

    public static string Str(this JsonElement element, string name) => element.GetProperty(name).GetString()!;

    public static long Long(this JsonElement element, string name) => element.GetProperty(name).GetInt64();

    public static DateTimeOffset Time(this JsonElement element, string name) => element.GetProperty(name).GetDateTimeOffset();

    public static bool IsNull(this JsonElement element, string name) => element.GetProperty(name).ValueKind == JsonValueKind.Null;

    private static string Shorten(string text) => text.Length > 2000 ? text[..2000] + "…" : text;
}
