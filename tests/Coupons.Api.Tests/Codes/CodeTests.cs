using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Core.Codes;

namespace Coupons.Api.Tests.Codes;

/// <summary>Shared steps of the code tests: a generation job run to its end, every code of a campaign.</summary>
internal static class CodeSteps
{
    public static async Task<JsonElement> GenerateAsync(HttpClient admin, string campaign, long count, string? prefix = null, int? length = null)
    {
        var body = new JsonObject { ["count"] = count };
        if (prefix is not null)
        {
            body["prefix"] = prefix;
        }

        if (length is not null)
        {
            body["length"] = length;
        }

        using var response = await admin.PostJsonAsync($"/v1/campaigns/{campaign}/codes", body);
        var job = await response.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal("codes", job.Str("kind"));
        return await admin.WaitForJobAsync(job.Str("id"));
    }

    public static async Task<List<JsonElement>> AllCodesAsync(HttpClient admin, string campaign, string? status = null, int limit = 200)
    {
        var codes = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var query = $"?limit={limit}" + (status is null ? "" : "&status=" + status) + (cursor is null ? "" : "&cursor=" + cursor);
            using var response = await admin.GetPathAsync($"/v1/campaigns/{campaign}/codes{query}");
            var page = await response.AssertStatusAsync(HttpStatusCode.OK);
            codes.AddRange(page.GetProperty("items").EnumerateArray().Select(item => item.Clone()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return codes;
    }

    public static Task<HttpResponseMessage> ClaimAsync(HttpClient user, string code, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/codes/claim") { Content = JsonContent(new JsonObject { ["code"] = code }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return user.SendAsync(request);
    }

    public static Task<HttpResponseMessage> LookupAsync(HttpClient caller, string code) =>
        caller.PostJsonAsync("/v1/codes/lookup", new JsonObject { ["code"] = code });

    /// <summary>A code as a person might type it: lower case, in groups of four.</summary>
    public static string Typed(string code) =>
        string.Join("-", code.ToLowerInvariant().Chunk(4).Select(group => new string(group)));

    private static StringContent JsonContent(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}

/// <summary>
/// Codes over HTTP: a campaign's shared code, generated codes claimed once each, every coupon's own
/// code found by the till, and what each refuses.
/// </summary>
public abstract class CodeTests<TFactory>(TFactory factory) : ApiTestBase<TFactory>(factory)
    where TFactory : CouponsApiFactory
{
    [Fact]
    public async Task A_shared_code_gives_each_user_a_coupon_and_the_same_one_again_and_is_unique_across_campaigns()
    {
        var code = "Summer-" + Unique()[..6];
        var body = CampaignBody(totalStock: 10, perUserLimit: 2);
        body["code"] = code;
        var created = await CreateCampaignAsync(body);
        Assert.Equal(code.ToUpperInvariant(), created.Str("code"));
        var campaign = created.Str("id");

        var (_, alice) = NewUser();
        Assert.Equal(code.ToUpperInvariant(), (await GetCampaignAsync(campaign)).Str("code"));
        using (var asUser = await alice.GetPathAsync($"/v1/campaigns/{campaign}"))
        {
            Assert.True((await asUser.AssertStatusAsync(HttpStatusCode.OK)).IsNull("code"));
        }

        using var first = await CodeSteps.ClaimAsync(alice, "  " + code.ToLowerInvariant());
        var coupon = await first.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal(campaign, coupon.Str("campaignId"));
        using var again = await CodeSteps.ClaimAsync(alice, code);
        Assert.Equal(coupon.Str("id"), (await again.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));
        using var second = await CodeSteps.ClaimAsync(alice, code, "another");
        Assert.NotEqual(coupon.Str("id"), (await second.AssertStatusAsync(HttpStatusCode.Created)).Str("id"));
        using var third = await CodeSteps.ClaimAsync(alice, code, "a-third");
        await third.AssertProblemAsync(HttpStatusCode.Conflict, "limit_reached");

        var (_, bob) = NewUser();
        using var bobs = await CodeSteps.ClaimAsync(bob, code.ToUpperInvariant());
        await bobs.AssertStatusAsync(HttpStatusCode.Created);

        var taken = CampaignBody();
        taken["code"] = code.ToLowerInvariant();
        using var clash = await Admin.PostJsonAsync("/v1/campaigns", taken);
        await clash.AssertProblemAsync(HttpStatusCode.Conflict, "code_taken");
        var bad = CampaignBody();
        bad["code"] = "no spaces";
        using var invalid = await Admin.PostJsonAsync("/v1/campaigns", bad);
        await invalid.AssertValidationAsync("code");
    }

    [Fact]
    public async Task Generated_codes_are_listed_exported_and_claimed_once_each()
    {
        var campaign = await NewCampaignAsync(CampaignBody(totalStock: 100));
        var job = await CodeSteps.GenerateAsync(Admin, campaign, 45, prefix: "mvp", length: 10);
        Assert.Equal("succeeded", job.Str("status"));
        Assert.Equal(45, job.GetProperty("results").Long("ok"));

        var codes = await CodeSteps.AllCodesAsync(Admin, campaign, limit: 20);
        Assert.Equal(45, codes.Select(c => c.Str("code")).Distinct().Count());
        Assert.All(codes, c =>
        {
            Assert.StartsWith("MVP", c.Str("code"), StringComparison.Ordinal);
            Assert.Equal(13, c.Str("code").Length);
            Assert.True(CouponCodes.IsWellFormed(c.Str("code")));
            Assert.Equal("available", c.Str("status"));
        });

        var code = codes[7].Str("code");
        var (alice, aliceClient) = NewUser();
        using var claimed = await CodeSteps.ClaimAsync(aliceClient, CodeSteps.Typed(code));
        var coupon = await claimed.AssertStatusAsync(HttpStatusCode.Created);
        using var replay = await CodeSteps.ClaimAsync(aliceClient, code);
        Assert.Equal(coupon.Str("id"), (await replay.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));
        var (_, bob) = NewUser();
        using var taken = await CodeSteps.ClaimAsync(bob, code);
        await taken.AssertProblemAsync(HttpStatusCode.Conflict, "code_already_claimed");

        var claimedCodes = await CodeSteps.AllCodesAsync(Admin, campaign, status: "claimed");
        var entry = Assert.Single(claimedCodes);
        Assert.Equal((code, alice, coupon.Str("id")), (entry.Str("code"), entry.Str("userId"), entry.Str("couponId")));
        Assert.Equal(44, (await CodeSteps.AllCodesAsync(Admin, campaign, status: "available")).Count);

        using var export = new HttpRequestMessage(HttpMethod.Get, $"/v1/campaigns/{campaign}/codes");
        export.Headers.Add("Accept", "text/csv");
        using var csv = await Admin.SendAsync(export);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("code,status,userId,couponId,claimedAt", lines[0]);
        Assert.Equal(46, lines.Length);
        Assert.Equal(codes.Select(c => c.Str("code")), lines.Skip(1).Select(line => line.Split(',')[0]));
        Assert.Contains(lines, line => line.StartsWith($"{code},claimed,{alice},{coupon.Str("id")},", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_export_keeps_a_user_id_that_looks_like_a_formula_from_running_in_a_spreadsheet()
    {
        var campaign = await NewCampaignAsync(CampaignBody(totalStock: 10));
        await CodeSteps.GenerateAsync(Admin, campaign, 3);
        var codes = (await CodeSteps.AllCodesAsync(Admin, campaign)).Select(c => c.Str("code")).ToList();
        var users = new[] { "=HYPERLINK(\"http://evil.example\",\"x\")-" + Unique(), "+1-" + Unique(), "@SUM(A1)-" + Unique() };
        for (var i = 0; i < users.Length; i++)
        {
            using var claimed = await CodeSteps.ClaimAsync(Factory.ClientFor(users[i]), codes[i]);
            await claimed.AssertStatusAsync(HttpStatusCode.Created);
        }

        using var export = new HttpRequestMessage(HttpMethod.Get, $"/v1/campaigns/{campaign}/codes");
        export.Headers.Add("Accept", "text/csv");
        using var csv = await Admin.SendAsync(export);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.Contains($",claimed,\"'{users[0].Replace("\"", "\"\"", StringComparison.Ordinal)}\",", text, StringComparison.Ordinal);
        Assert.Contains($",claimed,'{users[1]},", text, StringComparison.Ordinal);
        Assert.Contains($",claimed,'{users[2]},", text, StringComparison.Ordinal);

        // The JSON listing gives them as they are.
        var listed = await CodeSteps.AllCodesAsync(Admin, campaign, status: "claimed");
        Assert.Equal(users.Order(StringComparer.Ordinal), listed.Select(c => c.Str("userId")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_refused_claim_leaves_the_code_available_and_a_typo_is_not_found()
    {
        var campaign = await NewCampaignAsync(CampaignBody(totalStock: 1));
        await CodeSteps.GenerateAsync(Admin, campaign, 3);
        var codes = (await CodeSteps.AllCodesAsync(Admin, campaign)).Select(c => c.Str("code")).ToList();
        var (_, alice) = NewUser();
        using var first = await CodeSteps.ClaimAsync(alice, codes[0]);
        await first.AssertStatusAsync(HttpStatusCode.Created);
        var (_, bob) = NewUser();
        using var soldOut = await CodeSteps.ClaimAsync(bob, codes[1]);
        await soldOut.AssertProblemAsync(HttpStatusCode.Conflict, "sold_out");
        Assert.Equal(2, (await CodeSteps.AllCodesAsync(Admin, campaign, status: "available")).Count);

        using var pause = await Admin.PostEmptyAsync($"/v1/campaigns/{campaign}/pause");
        await pause.AssertStatusAsync(HttpStatusCode.OK);
        using var paused = await CodeSteps.ClaimAsync(bob, codes[2]);
        await paused.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");

        var typo = codes[2][..4] + (codes[2][4] == 'A' ? 'B' : 'A') + codes[2][5..];
        using var mistyped = await CodeSteps.ClaimAsync(bob, typo);
        await mistyped.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");
        using var nothing = await CodeSteps.ClaimAsync(bob, "NOT-A-CODE-" + Unique());
        await nothing.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");
        using var empty = await bob.PostRawAsync("/v1/codes/claim", """{"code":""}""");
        await empty.AssertValidationAsync("code");
        using var asAdmin = await CodeSteps.ClaimAsync(Admin, codes[2]);
        await asAdmin.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Every_coupon_has_its_own_code_that_the_till_finds()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var coupon = await GetCouponAsync(user, couponId);
        var own = coupon.Str("code");
        Assert.Equal(CouponOwnCodes.Length, own.Length);
        Assert.True(CouponOwnCodes.TryRead(own, out _));

        using var found = await CodeSteps.LookupAsync(Service, CodeSteps.Typed(own));
        Assert.Equal(couponId, (await found.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));
        using var byAdmin = await CodeSteps.LookupAsync(Admin, own);
        Assert.Equal(own, (await byAdmin.AssertStatusAsync(HttpStatusCode.OK)).Str("code"));
        using var byUser = await CodeSteps.LookupAsync(user, own);
        await byUser.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        var typo = own[..6] + (own[6] == 'A' ? 'B' : 'A') + own[7..];
        using var mistyped = await CodeSteps.LookupAsync(Service, typo);
        await mistyped.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");

        // A well-formed code no coupon has: the check character right, the rest made up.
        var body = own[..3] + new string('Z', CouponOwnCodes.DerivedSymbols);
        using var unknown = await CodeSteps.LookupAsync(Service, body + CouponCodes.CheckCharacter(body));
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");

        // The code a claim by code answers with is the coupon's own, not the code typed.
        var campaign = await NewCampaignAsync();
        await CodeSteps.GenerateAsync(Admin, campaign, 1);
        var generated = (await CodeSteps.AllCodesAsync(Admin, campaign))[0].Str("code");
        var (_, other) = NewUser();
        using var byCode = await CodeSteps.ClaimAsync(other, generated);
        var viaCode = await byCode.AssertStatusAsync(HttpStatusCode.Created);
        Assert.NotEqual(generated, viaCode.Str("code"));
        using var tillFinds = await CodeSteps.LookupAsync(Service, viaCode.Str("code"));
        Assert.Equal(viaCode.Str("id"), (await tillFinds.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));
    }

    [Fact]
    public async Task Generation_is_checked_before_a_job_starts_and_only_admins_may_ask()
    {
        var campaign = await NewCampaignAsync();
        using var zero = await Admin.PostJsonAsync($"/v1/campaigns/{campaign}/codes", new JsonObject { ["count"] = 0 });
        await zero.AssertValidationAsync("count");
        using var tooMany = await Admin.PostJsonAsync($"/v1/campaigns/{campaign}/codes", new JsonObject { ["count"] = 1_000_001 });
        await tooMany.AssertValidationAsync("count");
        using var lookalike = await Admin.PostJsonAsync($"/v1/campaigns/{campaign}/codes", new JsonObject { ["count"] = 1, ["prefix"] = "OIL" });
        await lookalike.AssertValidationAsync("prefix");
        using var longCode = await Admin.PostJsonAsync($"/v1/campaigns/{campaign}/codes", new JsonObject { ["count"] = 1, ["length"] = 25 });
        await longCode.AssertValidationAsync("length");
        using var missing = await Admin.PostJsonAsync($"/v1/campaigns/{Guid.NewGuid()}/codes", new JsonObject { ["count"] = 1 });
        await missing.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
        var (_, user) = NewUser();
        using var asUser = await user.PostJsonAsync($"/v1/campaigns/{campaign}/codes", new JsonObject { ["count"] = 1 });
        await asUser.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using var listAsService = await Service.GetPathAsync($"/v1/campaigns/{campaign}/codes");
        await listAsService.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using var badCursor = await Admin.GetPathAsync($"/v1/campaigns/{campaign}/codes?cursor=nope");
        await badCursor.AssertValidationAsync("cursor");
        using var badStatus = await Admin.GetPathAsync($"/v1/campaigns/{campaign}/codes?status=used");
        await badStatus.AssertValidationAsync("status");

        using var end = await Admin.PostEmptyAsync($"/v1/campaigns/{campaign}/end");
        await end.AssertStatusAsync(HttpStatusCode.OK);
        using var ended = await Admin.PostJsonAsync($"/v1/campaigns/{campaign}/codes", new JsonObject { ["count"] = 1 });
        await ended.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_ended");
    }
}

public sealed class EmbeddedCodeTests(CouponsApiFactory factory) : CodeTests<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>;

public sealed class RedisCodeTests(RedisApiFactory factory) : CodeTests<RedisApiFactory>(factory), IClassFixture<RedisApiFactory>;
