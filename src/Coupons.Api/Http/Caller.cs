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

    /// <summary>
    /// The caller of a request that passed authorization, as <see cref="Find"/> reads it; throws for
    /// a request without an authenticated subject, which no authorized endpoint gets.
    /// </summary>
    public static Caller Of(HttpContext context) =>
        Find(context) ?? throw new InvalidOperationException("an authenticated caller always has a subject");

    /// <summary>
    /// The role of a request's caller, for authorization policies and the protections: never throws,
    /// and anything but an authenticated principal with at most one known role is <see cref="CallerRole.Unknown"/>.
    /// </summary>
    public static CallerRole RoleOf(HttpContext context) => Find(context)?.Role ?? CallerRole.Unknown;

    /// <summary>
    /// The caller of a request, null when it has no authenticated subject. The token's claims are
    /// read once per request (<see cref="Remember"/>, when authentication validates the token) and
    /// kept in the request's features; every later reader (the protections, the role policies, the
    /// endpoint) takes them from there. A principal other than the one read is read anew.
    /// </summary>
    public static Caller? Find(HttpContext context)
    {
        var principal = context.User;
        return context.Features.Get<CallerFeature>() is { } known && ReferenceEquals(known.Principal, principal)
            ? known.Caller
            : Remember(context, principal);
    }

    /// <summary>Reads what <paramref name="principal"/> says about its caller and keeps it for the rest of the request.</summary>
    public static Caller? Remember(HttpContext context, ClaimsPrincipal principal)
    {
        var (userId, role) = Read(principal);
        Caller? caller = userId is null ? null : new Caller(userId, role);
        context.Features.Set(new CallerFeature(principal, caller));
        return caller;
    }

    /// <summary>Reads the claims of a principal outside a request. Within one, use <see cref="Of"/>.</summary>
    public static Caller From(ClaimsPrincipal principal)
    {
        var (userId, role) = Read(principal);
        return new Caller(userId ?? throw new InvalidOperationException("an authenticated caller always has a subject"), role);
    }

    /// <summary>The role of a principal read outside a request, as <see cref="RoleOf(HttpContext)"/> reads it. Within one, use that.</summary>
    public static CallerRole RoleOf(ClaimsPrincipal principal) => Read(principal).Role;

    /// <summary>
    /// The subject and role in one pass over the claims; <see cref="ClaimsPrincipal.FindAll(string)"/>
    /// and LINQ cost a kilobyte of garbage per request here.
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

/// <summary>What a request's token said about its caller, read once (<see cref="Caller.Remember"/>).</summary>
internal sealed class CallerFeature(ClaimsPrincipal principal, Caller? caller)
{
    /// <summary>The principal whose claims were read: a request whose user changed since is read again.</summary>
    public ClaimsPrincipal Principal { get; } = principal;

    public Caller? Caller { get; } = caller;
}
