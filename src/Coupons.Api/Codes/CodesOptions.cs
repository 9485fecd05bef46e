using System.ComponentModel.DataAnnotations;
using Coupons.Embedded;

namespace Coupons.Api.Codes;

/// <summary>
/// The keys that protect coupon codes at rest, bound from <c>Coupons:Codes</c> (<see cref="SectionName"/>).
/// Each is the base64 of 32 random bytes (<c>openssl rand -base64 32</c>). A key left empty is
/// created in the data folder on first start (<see cref="CodeKeys"/>).
/// </summary>
public sealed class CodesOptions : IValidatableObject
{
    public const string SectionName = "Coupons:Codes";

    /// <summary>The AES-256-GCM key new codes are encrypted under.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>More keys stored codes may be encrypted under, by name (or index): the keys being rotated out, or the next one announced early.</summary>
    public Dictionary<string, string> DecryptionKeys { get; set; } = [];

    /// <summary>The HMAC-SHA256 key of the lookup hash codes are found by. It cannot rotate: every stored hash depends on it.</summary>
    public string? LookupKey { get; set; }

    /// <summary>Where created keys are kept: the embedded store's data folder, as that store's settings say.</summary>
    public string DataDir { get; set; } = new EmbeddedStoreOptions().DataDir;

    /// <summary>The settings in <paramref name="configuration"/>, unchecked; the keys are checked by <see cref="Validate"/> and <see cref="CodeKeys.Resolve(CodesOptions)"/>.</summary>
    public static CodesOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(SectionName).Get<CodesOptions>() ?? new CodesOptions();
        options.DataDir = EmbeddedStoreOptions.DataDirOf(configuration);
        return options;
    }

    /// <summary>The configured keys' problems (<see cref="CodeKeys.Problems"/>), for the validation at start.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        CodeKeys.Problems(this).Select(problem => new ValidationResult(problem));
}
