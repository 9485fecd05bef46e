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
        return new Caller(userId, RoleOf(principal));
    }

    /// <summary>
    /// The role of a principal, for authorization policies: never throws, and anything but an
    /// authenticated principal with at most one known role is <see cref="CallerRole.Unknown"/>.
    /// </summary>
    public static CallerRole RoleOf(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true || principal.FindFirst(SubjectClaim) is null)
        {
            return CallerRole.Unknown;
        }

        var roles = principal.FindAll(RoleClaim).Take(2).ToList();
        return roles switch
        {
            [] => CallerRole.User,
            [{ Value: "service" }] => CallerRole.Service,
            [{ Value: "admin" }] => CallerRole.Admin,
            _ => CallerRole.Unknown,
        };
    }

    /// <summary>The owner a coupon must have for this caller to see it; null when the caller may see any.</summary>
    public string? OwnerFilter => Role is CallerRole.Service or CallerRole.Admin ? null : UserId;
}
