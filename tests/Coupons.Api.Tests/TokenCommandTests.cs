using Coupons.Api.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Tests;

/// <summary>The <c>token</c> command reads its settings as the service does and signs with the key the service would use.</summary>
public sealed class TokenCommandTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "coupons-token-command-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_token_is_signed_with_the_key_the_service_keeps_in_its_data_dir()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = TokenIssuer.RunCommand(["--sub", "ops", "--role", "admin", $"--Coupons:Embedded:DataDir={_dataDir}"], output, error);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, error.ToString());
        // The key file the service would read on its start (it creates one when none is configured).
        var key = SigningKey.Read(Path.Combine(_dataDir, SigningKey.FileName));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(output.ToString().Trim(), new TokenValidationParameters
        {
            ValidIssuer = SigningKey.Issuer,
            ValidAudience = SigningKey.Audience,
            IssuerSigningKey = key.Key,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("ops", result.Claims["sub"]);
        Assert.Equal("admin", result.Claims["role"]);
    }

    [Fact]
    public void Without_a_subject_it_says_how_to_use_it()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(2, TokenIssuer.RunCommand(["--role", "admin", $"--Coupons:Embedded:DataDir={_dataDir}"], output, error));
        Assert.StartsWith("usage: token", error.ToString(), StringComparison.Ordinal);
        // Refused before any key is resolved: nothing is created in the data dir it was given.
        Assert.False(Directory.Exists(_dataDir));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
