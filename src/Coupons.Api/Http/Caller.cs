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
        var (userId, role) = Read(principal);
        return new Caller(userId ?? throw new InvalidOperationException("an authenticated caller always has a subject"), role);
    }

    /// <summary>
    /// The role of a principal, for authorization policies: never throws, and anything but an
    /// authenticated principal with at most one known role is <see cref="CallerRole.Unknown"/>.
    /// </summary>
    public static CallerRole RoleOf(ClaimsPrincipal principal) => Read(principal).Role;

    /// <summary>
    /// The subject and role in one pass over the claims. Every authorized request reads them twice
    /// (policy, then endpoint); <see cref="ClaimsPrincipal.FindAll(string)"/> and LINQ cost a
    /// kilobyte of garbage per request here.
    /// </summary>
    private static (string? UserId, CallerRole Role) Read(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return (null, CallerRole.Unknown);
        }

        string? subject = null;
        string? role = null;
        var roles = 0;
        foreach (var identity in principal.Identities)
        {
            foreach (var claim in identity.Claims)
            {
                if (subject is null && string.Equals(claim.Type, SubjectClaim, StringComparison.Ordinal))
                {
                    subject = claim.Value;
                }
                else if (string.Equals(claim.Type, RoleClaim, StringComparison.Ordinal))
                {
                    role = claim.Value;
                    roles++;
                }
            }
        }

        if (subject is null)
        {
            return (null, CallerRole.Unknown);
        }

        return (subject, (roles, role) switch
        {
            (0, _) => CallerRole.User,
            (1, "service") => CallerRole.Service,
            (1, "admin") => CallerRole.Admin,
            _ => CallerRole.Unknown,
        });
    }

    /// <summary>The owner a coupon must have for this caller to see it; null when the caller may see any.</summary>
    public string? OwnerFilter => Role is CallerRole.Service or CallerRole.Admin ? null : UserId;
}
