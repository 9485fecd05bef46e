using Coupons.Api.Auth;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Tests;

public class CachingTokenHandlerTests
{
    private static readonly TokenValidationParameters Parameters = new()
    {
        ValidIssuer = SigningKey.Issuer,
        ValidAudience = SigningKey.Audience,
        IssuerSigningKey = CouponsApiFactory.Key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    private static string Token(string subject, TimeSpan lifetime) =>
        TokenIssuer.Issue(CouponsApiFactory.Key, subject, null, lifetime, DateTimeOffset.UtcNow.AddMinutes(-1));

    [Fact]
    public async Task A_token_validated_once_is_answered_from_memory()
    {
        var handler = new CachingTokenHandler(10, TimeProvider.System);
        var token = Token("alice", TimeSpan.FromHours(1));

        var first = await handler.ValidateTokenAsync(token, Parameters);
        var second = await handler.ValidateTokenAsync(token, Parameters);
        var third = await handler.ValidateTokenAsync(token, Parameters);

        Assert.True(first.IsValid);
        Assert.IsType<JsonWebToken>(first.SecurityToken);
        Assert.True(second.IsValid);
        var remembered = Assert.IsType<RememberedToken>(second.SecurityToken);
        Assert.Same(remembered, third.SecurityToken);
        Assert.Equal(first.SecurityToken.ValidTo, remembered.ValidTo);
        Assert.Equal(first.SecurityToken.ValidFrom, remembered.ValidFrom);
        Assert.Equal("alice", second.ClaimsIdentity.FindFirst("sub")?.Value);
    }

    [Fact]
    public async Task Hits_share_one_identity_with_the_claims_validation_gave()
    {
        var handler = new CachingTokenHandler(10, TimeProvider.System);
        var token = TokenIssuer.Issue(CouponsApiFactory.Key, "orders", "service", TimeSpan.FromHours(1), DateTimeOffset.UtcNow.AddMinutes(-1));

        var validated = (await handler.ValidateTokenAsync(token, Parameters)).ClaimsIdentity;
        var second = (await handler.ValidateTokenAsync(token, Parameters)).ClaimsIdentity;
        var third = (await handler.ValidateTokenAsync(token, Parameters)).ClaimsIdentity;

        Assert.Same(second, third);
        Assert.NotSame(validated, second);
        Assert.Equal(Describe(validated), Describe(second));
        Assert.Equal(validated.AuthenticationType, second.AuthenticationType);
        Assert.True(second.IsAuthenticated);
        Assert.Equal(validated.NameClaimType, second.NameClaimType);
        Assert.Equal(validated.RoleClaimType, second.RoleClaimType);

        static string[] Describe(System.Security.Claims.ClaimsIdentity identity) =>
            [.. identity.Claims.Select(c => $"{c.Type}={c.Value} ({c.ValueType}, {c.Issuer})")];
    }

    [Fact]
    public async Task A_remembered_token_is_validated_again_once_it_has_expired()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new CachingTokenHandler(10, time);
        // Issued a minute ago for five minutes: it expires four minutes from now.
        var token = Token("alice", TimeSpan.FromMinutes(5));
        var first = await handler.ValidateTokenAsync(token, Parameters);

        time.Advance(TimeSpan.FromMinutes(4));
        var stillUsable = await handler.ValidateTokenAsync(token, Parameters);
        time.Advance(TimeSpan.FromSeconds(31));
        var afterExpiry = await handler.ValidateTokenAsync(token, Parameters);

        Assert.IsType<JsonWebToken>(first.SecurityToken);
        Assert.IsType<RememberedToken>(stillUsable.SecurityToken);
        // Past expiry plus clock skew the cache is not used; the library validates against the real
        // clock, for which the token is still valid, so its own result comes back.
        Assert.True(afterExpiry.IsValid);
        Assert.IsType<JsonWebToken>(afterExpiry.SecurityToken);
    }

    [Fact]
    public async Task A_token_that_differs_in_its_signature_is_not_taken_for_a_remembered_one()
    {
        var handler = new CachingTokenHandler(10, TimeProvider.System);
        var token = Token("alice", TimeSpan.FromHours(1));
        await handler.ValidateTokenAsync(token, Parameters);
        var forged = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];

        var result = await handler.ValidateTokenAsync(forged, Parameters);

        Assert.False(result.IsValid);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task Invalid_tokens_are_not_remembered()
    {
        var handler = new CachingTokenHandler(10, TimeProvider.System);
        var otherKey = new SymmetricSecurityKey(new byte[32]);
        var foreign = TokenIssuer.Issue(otherKey, "mallory", null, TimeSpan.FromHours(1), DateTimeOffset.UtcNow);

        var result = await handler.ValidateTokenAsync(foreign, Parameters);

        Assert.False(result.IsValid);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task The_cache_never_holds_more_than_its_capacity()
    {
        var handler = new CachingTokenHandler(3, TimeProvider.System);

        for (var i = 0; i < 10; i++)
        {
            Assert.True((await handler.ValidateTokenAsync(Token($"user-{i}", TimeSpan.FromHours(1)), Parameters)).IsValid);
            Assert.InRange(handler.Count, 1, 3);
        }
    }

    [Fact]
    public async Task Capacity_zero_remembers_nothing()
    {
        var handler = new CachingTokenHandler(0, TimeProvider.System);
        var token = Token("alice", TimeSpan.FromHours(1));

        var first = await handler.ValidateTokenAsync(token, Parameters);
        var second = await handler.ValidateTokenAsync(token, Parameters);

        Assert.IsType<JsonWebToken>(first.SecurityToken);
        Assert.IsType<JsonWebToken>(second.SecurityToken);
        Assert.NotSame(first.SecurityToken, second.SecurityToken);
        Assert.Equal(0, handler.Count);
    }
}
