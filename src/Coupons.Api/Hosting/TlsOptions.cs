namespace Coupons.Api.Hosting;

/// <summary>Settings of HTTPS answers, bound from <c>Coupons:Tls</c> (<see cref="SectionName"/>).</summary>
public sealed class TlsOptions
{
    public const string SectionName = "Coupons:Tls";

    /// <summary>The max-age of the Strict-Transport-Security header on HTTPS answers.</summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}
