using System.ComponentModel.DataAnnotations;

namespace Coupons.Api.Hosting;

/// <summary>Settings of HTTPS answers, bound from <c>Coupons:Tls</c> (<see cref="SectionName"/>).</summary>
public sealed class TlsOptions
{
    public const string SectionName = "Coupons:Tls";

    /// <summary>The max-age of the Strict-Transport-Security header on HTTPS answers.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true,
        ErrorMessage = SectionName + ":HstsMaxAge must be from 00:00:00 to 3650.00:00:00")]
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}
