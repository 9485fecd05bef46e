using System.ComponentModel.DataAnnotations;
using Coupons.Embedded;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Auth;

/// <summary>Settings of token validation, bound from <c>Coupons:Auth</c> (<see cref="SectionName"/>). The defaults are here and nowhere else.</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Coupons:Auth";

    /// <summary>The HS256 key tokens are signed with; when empty, one is created in the data folder (<see cref="SigningKey"/>).</summary>
    public string? SigningKey { get; set; }

    /// <summary>More keys whose tokens are accepted, by name (or index), for rotation.</summary>
    public Dictionary<string, string> ValidationKeys { get; set; } = [];

    /// <summary>How many validated tokens are remembered until they expire; 0 turns the cache off.</summary>
    public int TokenCacheSize { get; set; } = 20_000;

    /// <summary>Where a created signing key is kept: the embedded store's data folder, as that store's settings say.</summary>
    public string DataDir { get; set; } = new EmbeddedStoreOptions().DataDir;

    /// <summary>The settings in <paramref name="configuration"/>, checked as at start: a bad value throws, naming its key.</summary>
    public static AuthOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(SectionName).Get<AuthOptions>() ?? new AuthOptions();
        options.DataDir = EmbeddedStoreOptions.DataDirOf(configuration);
        var result = new DataAnnotationValidateOptions<AuthOptions>(null).Validate(null, options);
        return result.Failed ? throw new InvalidOperationException(string.Join("; ", (result.Failures ?? []).Select(Hosting.SettingsCheck.Plain))) : options;
    }

    /// <summary>The cache's size and the configured keys' problems (<see cref="Auth.SigningKey.Problems"/>), for the check at start.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var problems = Auth.SigningKey.Problems(this);
        if (TokenCacheSize < 0)
        {
            problems = problems.Prepend($"{SectionName}:TokenCacheSize must be 0 (no cache) or more");
        }

        return problems.Select(problem => new ValidationResult(problem));
    }
}
