using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Coupons.Api.Auth;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Tests;

/// <summary>Bearer tokens: what is refused with 401, what with 403, and that someone else's coupon is 404.</summary>
public sealed class AuthTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private const string SomeId = "0198f0f0-0000-7000-8000-000000000000";

    /// <summary>A token built by hand, with every part of it under the test's control.</summary>
    private static string Craft(
        SecurityKey? key = null,
        string algorithm = SecurityAlgorithms.HmacSha256,
        string? issuer = SigningKey.Issuer,
        string? audience = SigningKey.Audience,
        string? subject = "mallory",
        string? role = "admin",
        DateTimeOffset? notBefore = null,
        DateTimeOffset? expires = null,
        bool withExpiry = true)
    {
        var now = DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object>();
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        if (role is not null)
        {
            claims["role"] = role;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = now.AddMinutes(-1).UtcDateTime,
            NotBefore = (notBefore ?? now.AddMinutes(-1)).UtcDateTime,
            Expires = withExpiry ? (expires ?? now.AddHours(1)).UtcDateTime : null,
            SigningCredentials = new SigningCredentials(key ?? CouponsApiFactory.Key, algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private static string Base64Url(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));

    private async Task AssertUnauthorizedAsync(string token)
    {
        // An admin-only route and an any-token route: both must refuse.
        var client = Factory.ClientWithToken(token);
        using (var create = await client.PostJsonAsync("/v1/campaigns", CampaignBody()))
        {
            await create.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }

        using var get = await client.GetPathAsync($"/v1/campaigns/{SomeId}");
        await get.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_crafted_token_with_the_right_key_is_taken()
    {
        // The control for every refusal below: only the one thing each changes makes it fail.
        using var response = await Factory.ClientWithToken(Craft()).PostJsonAsync("/v1/campaigns", CampaignBody());
        await response.AssertStatusAsync(HttpStatusCode.Created);
    }

    public static TheoryData<string, string> ProtectedRoutes => new()
    {
        { "POST", "/v1/campaigns" },
        { "GET", "/v1/campaigns" },
        { "GET", $"/v1/campaigns/{SomeId}" },
        { "POST", $"/v1/campaigns/{SomeId}/pause" },
        { "POST", $"/v1/campaigns/{SomeId}/resume" },
        { "POST", $"/v1/campaigns/{SomeId}/end" },
        { "POST", $"/v1/campaigns/{SomeId}/stock" },
        { "GET", $"/v1/campaigns/{SomeId}/stats" },
        { "GET", "/v1/me/coupons" },
        { "GET", $"/v1/coupons/{SomeId}" },
        { "POST", $"/v1/coupons/{SomeId}/refund" },
    };

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task Every_route_of_the_api_without_a_token_is_401(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (method == "POST")
        {
            request.Content = new StringContent("""{"orderId":"o","orderAmount":1}""", Encoding.UTF8, "application/json");
        }

        using var response = await Anonymous.SendAsync(request);
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    public static TheoryData<string> OwnerOrEndUserRoutes => new()
    {
        $"/v1/campaigns/{SomeId}/claim",
        $"/v1/coupons/{SomeId}/lock",
        $"/v1/coupons/{SomeId}/redeem",
        $"/v1/coupons/{SomeId}/release",
    };

    [Theory]
    [MemberData(nameof(OwnerOrEndUserRoutes))]
    public async Task Claim_lock_redeem_and_release_without_a_token_are_401(string path)
    {
        using var response = await Anonymous.PostRawAsync(path, """{"orderId":"o","orderAmount":1}""");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [MemberData(nameof(OwnerOrEndUserRoutes))]
    public async Task Claim_lock_redeem_and_release_with_a_token_that_fails_validation_are_401(string path)
    {
        var otherKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("another-key-of-forty-eight-characters-0123456789"));
        var now = DateTimeOffset.UtcNow;
        foreach (var token in new[] { Craft(key: otherKey, role: null), Craft(role: null, notBefore: now.AddHours(-2), expires: now.AddMinutes(-5)), Craft(role: null, audience: "other") })
        {
            using var response = await Factory.ClientWithToken(token).PostRawAsync(path, """{"orderId":"o","orderAmount":1}""");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Fact]
    public async Task A_body_that_is_garbage_without_a_token_is_still_401()
    {
        using var response = await Anonymous.PostRawAsync("/v1/campaigns", "{{{{ not json");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Bearer a.b.c")]
    [InlineData("Bearer ....")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    public async Task A_malformed_authorization_header_is_401(string header)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);
        using var response = await client.GetPathAsync($"/v1/campaigns/{SomeId}");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_401()
    {
        var otherKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("another-key-of-forty-eight-characters-0123456789"));
        await AssertUnauthorizedAsync(Craft(key: otherKey));
    }

    [Fact]
    public async Task A_token_with_a_tampered_payload_is_401()
    {
        var parts = FactoryToken("plain-user", role: null).Split('.');
        var payload = Base64Url($$"""{"iss":"coupons","aud":"coupons","sub":"plain-user","role":"admin","exp":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}}}""");
        await AssertUnauthorizedAsync($"{parts[0]}.{payload}.{parts[2]}");
    }

    [Fact]
    public async Task An_expired_token_is_401()
    {
        var now = DateTimeOffset.UtcNow;
        await AssertUnauthorizedAsync(Craft(notBefore: now.AddHours(-2), expires: now.AddMinutes(-5)));
        await AssertUnauthorizedAsync(TokenIssuer.Issue(CouponsApiFactory.Key, "admin-x", "admin", TimeSpan.FromHours(1), now.AddHours(-2)));
    }

    [Fact]
    public async Task A_token_not_valid_yet_is_401()
    {
        var now = DateTimeOffset.UtcNow;
        await AssertUnauthorizedAsync(Craft(notBefore: now.AddHours(1), expires: now.AddHours(2)));
    }

    [Fact]
    public async Task A_token_without_an_expiry_is_401() => await AssertUnauthorizedAsync(Craft(withExpiry: false));

    [Fact]
    public async Task An_unsigned_alg_none_token_is_401()
    {
        var exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var nbf = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        var header = Base64Url("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64Url($$"""{"iss":"coupons","aud":"coupons","sub":"mallory","role":"admin","nbf":{{nbf}},"exp":{{exp}}}""");
        await AssertUnauthorizedAsync($"{header}.{payload}.");
        await AssertUnauthorizedAsync($"{header}.{payload}");
        await AssertUnauthorizedAsync($"{Base64Url("""{"alg":"None","typ":"JWT"}""")}.{payload}.");
    }

    [Fact]
    public async Task A_token_signed_with_another_hmac_algorithm_is_401() =>
        await AssertUnauthorizedAsync(Craft(algorithm: SecurityAlgorithms.HmacSha384));

    [Theory]
    [InlineData("other")]
    [InlineData("Coupons")]
    [InlineData("")]
    public async Task A_token_for_another_audience_is_401(string audience) => await AssertUnauthorizedAsync(Craft(audience: audience));

    [Fact]
    public async Task A_token_without_an_audience_is_401() => await AssertUnauthorizedAsync(Craft(audience: null));

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("COUPONS")]
    public async Task A_token_from_another_issuer_is_401(string issuer) => await AssertUnauthorizedAsync(Craft(issuer: issuer));

    [Fact]
    public async Task A_token_without_an_issuer_is_401() => await AssertUnauthorizedAsync(Craft(issuer: null));

    [Fact]
    public async Task A_token_without_a_subject_is_401() => await AssertUnauthorizedAsync(Craft(subject: null));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task A_token_with_an_empty_subject_is_401(string subject) => await AssertUnauthorizedAsync(Craft(subject: subject));

    [Fact]
    public async Task A_subject_of_128_characters_is_taken_and_of_129_is_401()
    {
        using (var ok = await Factory.ClientWithToken(Craft(subject: new string('s', 128))).PostJsonAsync("/v1/campaigns", CampaignBody()))
        {
            await ok.AssertStatusAsync(HttpStatusCode.Created);
        }

        await AssertUnauthorizedAsync(Craft(subject: new string('s', 129)));
    }

    [Fact]
    public async Task The_token_issuer_makes_tokens_the_service_takes()
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", TokenIssuer.Issue(CouponsApiFactory.Key, "admin-issuer", "admin", TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow));
        using var response = await client.PostJsonAsync("/v1/campaigns", CampaignBody());
        await response.AssertStatusAsync(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(null, "POST", "/v1/campaigns")]
    [InlineData("service", "POST", "/v1/campaigns")]
    [InlineData(null, "GET", "/v1/campaigns")]
    [InlineData("auditor", "GET", "/v1/campaigns")]
    [InlineData("Admin", "GET", "/v1/campaigns")]
    [InlineData(null, "GET", "/v1/campaigns/{campaign}/stats")]
    [InlineData(null, "POST", "/v1/campaigns/{campaign}/end")]
    [InlineData("admin", "POST", "/v1/campaigns/{campaign}/claim")]
    [InlineData("service", "POST", "/v1/campaigns/{campaign}/claim")]
    [InlineData("admin", "POST", "/v1/coupons/{coupon}/lock")]
    [InlineData("admin", "POST", "/v1/coupons/{coupon}/redeem")]
    [InlineData("admin", "POST", "/v1/coupons/{coupon}/release")]
    [InlineData(null, "POST", "/v1/coupons/{coupon}/refund")]
    [InlineData("auditor", "POST", "/v1/coupons/{coupon}/lock")]
    [InlineData("auditor", "POST", "/v1/coupons/{coupon}/refund")]
    public async Task A_valid_token_with_the_wrong_role_is_403(string? role, string method, string template)
    {
        var (userId, _, campaignId, couponId) = await UserWithCouponAsync();
        var path = template.Replace("{campaign}", campaignId, StringComparison.Ordinal).Replace("{coupon}", couponId, StringComparison.Ordinal);
        // The coupon's owner with the wrong role: ownership does not make up for the role.
        var client = Factory.ClientFor(userId, role);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (method == "POST")
        {
            var body = path.EndsWith("/lock", StringComparison.Ordinal) || path.EndsWith("/redeem", StringComparison.Ordinal)
                ? """{"orderId":"o-1","orderAmount":2000}"""
                : path.EndsWith("/release", StringComparison.Ordinal) || path.EndsWith("/refund", StringComparison.Ordinal)
                    ? """{"orderId":"o-1"}"""
                    : CampaignBody().ToJsonString();
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Another_users_coupon_is_404_coupon_not_found_never_403()
    {
        var (_, owner, _, couponId) = await UserWithCouponAsync();
        var (_, stranger) = NewUser();
        using (var get = await stranger.GetPathAsync($"/v1/coupons/{couponId}"))
        {
            await get.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
        }

        using (var lockIt = await PostCouponAsync(stranger, couponId, "lock", Order("o-x", 2000)))
        {
            await lockIt.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
        }

        // The owner still has it untouched.
        Assert.Equal("unused", (await GetCouponAsync(owner, couponId)).Str("status"));
    }

    [Fact]
    public async Task The_subject_is_the_user_a_claim_is_for()
    {
        var campaignId = await NewCampaignAsync();
        var subject = "ünïcødé user/with:odd chars";
        var client = Factory.ClientFor(subject);
        using var response = await client.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        Assert.Equal(subject, (await response.AssertStatusAsync(HttpStatusCode.Created)).Str("userId"));
    }

    [Fact]
    public void Claims_of_a_principal_are_read_as_the_contract_says()
    {
        // Guards the claim names the tokens above rely on.
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "u1"), new Claim("role", "service")], "test"));
        var caller = Coupons.Api.Http.Caller.From(principal);
        Assert.Equal("u1", caller.UserId);
        Assert.Equal(Coupons.Api.Http.CallerRole.Service, caller.Role);
        Assert.Null(caller.OwnerFilter);
    }

    private static string FactoryToken(string subject, string? role) => CouponsApiFactory.Token(subject, role);
}
