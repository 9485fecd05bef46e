using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Coupons.Api.Auth;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Tests;

/// <summary>
/// The service mid-rotation: it signs with the new key and still accepts tokens of the old one
/// (<c>Coupons:Auth:ValidationKeys</c>); every log line is kept, to show no key is ever written.
/// </summary>
public sealed class RotatingKeysFactory : CouponsApiFactory
{
    public const string OldKeyText = "the-old-signing-key-being-retired-0123456789abcdef";
    public const string NextKeyText = "the-next-signing-key-announced-early-0123456789abcdef";

    public ConcurrentQueue<string> Logged { get; } = new();

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Coupons:Auth:ValidationKeys:0", OldKeyText),
        ("Coupons:Auth:ValidationKeys:1", NextKeyText),
        ("Logging:LogLevel:Default", "Trace"),
    ];

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(new KeepingLoggerProvider(Logged)));
}

public sealed class KeyRotationTests(RotatingKeysFactory factory) : ApiTestBase<RotatingKeysFactory>(factory), IClassFixture<RotatingKeysFactory>
{
    private static readonly SymmetricSecurityKey OldKey = new(Encoding.UTF8.GetBytes(RotatingKeysFactory.OldKeyText));
    private static readonly SymmetricSecurityKey NextKey = new(Encoding.UTF8.GetBytes(RotatingKeysFactory.NextKeyText));

    [Fact]
    public async Task Tokens_of_the_signing_key_and_of_every_validation_key_are_accepted_with_or_without_a_key_id()
    {
        foreach (var key in new[] { CouponsApiFactory.Key, OldKey, NextKey })
        {
            foreach (var withId in new[] { true, false })
            {
                var signingKey = new SymmetricSecurityKey(key.Key) { KeyId = withId ? SigningKey.IdOf(key.Key) : null };
                var client = Factory.ClientWithToken(TokenIssuer.Issue(signingKey, "rotating-user", null, TimeSpan.FromHours(1), DateTimeOffset.UtcNow.AddMinutes(-1)));
                using var response = await client.GetPathAsync("/v1/me/coupons");
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"key {SigningKey.IdOf(key.Key)} with id {withId}: {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task A_token_of_a_key_not_configured_is_refused_even_when_it_names_a_known_key_id()
    {
        var unknown = Encoding.UTF8.GetBytes("a-key-this-service-has-never-been-given-0123456789");
        foreach (var kid in new[] { null, SigningKey.IdOf(unknown), SigningKey.IdOf(OldKey.Key) })
        {
            var key = new SymmetricSecurityKey(unknown) { KeyId = kid };
            var client = Factory.ClientWithToken(TokenIssuer.Issue(key, "mallory", "admin", TimeSpan.FromHours(1), DateTimeOffset.UtcNow.AddMinutes(-1)));
            using var response = await client.GetPathAsync("/v1/campaigns");
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        }
    }

    [Fact]
    public void Tokens_the_service_signs_name_their_key()
    {
        var signing = Factory.Services.GetRequiredService<SigningKey>();
        var token = new JsonWebToken(TokenIssuer.Issue(signing.Key, "someone", null, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));
        Assert.Equal(SigningKey.IdOf(CouponsApiFactory.Key.Key), token.Kid);
        Assert.Equal([SigningKey.IdOf(OldKey.Key), SigningKey.IdOf(NextKey.Key)], signing.ValidationKeys.Select(k => k.KeyId));
    }

    [Fact]
    public async Task No_key_is_ever_logged_only_key_ids()
    {
        // Traffic that logs: a good token, a bad one, an admin action.
        using (var ok = await Admin.GetPathAsync("/v1/campaigns"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        var forged = Factory.ClientWithToken("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        using (var refused = await forged.GetPathAsync("/v1/me/coupons"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var logged = string.Join("\n", Factory.Logged);
        Assert.Contains(SigningKey.IdOf(CouponsApiFactory.Key.Key), logged, StringComparison.Ordinal);
        Assert.Contains(SigningKey.IdOf(OldKey.Key), logged, StringComparison.Ordinal);
        foreach (var secret in new[] { CouponsApiFactory.SigningKeyText, RotatingKeysFactory.OldKeyText, RotatingKeysFactory.NextKeyText })
        {
            Assert.DoesNotContain(secret, logged, StringComparison.Ordinal);
            Assert.DoesNotContain(Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(secret)), logged, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_short_validation_key_stops_the_start_without_showing_the_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Coupons:Auth:SigningKey"] = CouponsApiFactory.SigningKeyText,
            ["Coupons:Auth:ValidationKeys:0"] = "too-short-secret",
        }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => SigningKey.Resolve(configuration));
        Assert.Contains("Coupons:Auth:ValidationKeys:0", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("too-short-secret", error.Message, StringComparison.Ordinal);
    }
}
