using System.Security.Claims;

namespace Coupons.Api.Http;

public enum CallerRole
{
    /// <summary>An end user: a token without a role claim.</summary>
    User,

    /// <summary>The order system: acts for any user.</summary>
    Service,

    Admin,

    /// <summary>A role this service does not know: allowed nothing that needs a role.</summary>
    Unknown,
}

/// <summary>Who is calling, from the validated token.</summary>
public readonly record struct Caller(string UserId, CallerRole Role)
{
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";

    public static Caller From(ClaimsPrincipal principal)
    {
        var userId = principal.FindFirstValue(SubjectClaim)
            ?? throw new InvalidOperationException("an authenticated caller always has a subject");
        var role = principal.FindFirstValue(RoleClaim) switch
        {
            null or "" => CallerRole.User,
            "service" => CallerRole.Service,
            "admin" => CallerRole.Admin,
            _ => CallerRole.Unknown,
        };
        return new Caller(userId, role);
    }

    /// <summary>The owner a coupon must have for this caller to see it; null when the caller may see any.</summary>
    public string? OwnerFilter => Role is CallerRole.Service or CallerRole.Admin ? null : UserId;
}
