using Coupons.Api.Http;
using Coupons.Api.OpenApi;

namespace Coupons.Api.Apis;

/// <summary>The route groups every resource's API is built from, with the policies they share set once.</summary>
internal static class ApiGroups
{
    /// <summary>
    /// A resource's routes: their OpenAPI tag, a valid bearer token (a role group narrows whom), and
    /// the problems every request under <c>/v1</c> can meet before its handler runs.
    /// </summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app, string prefix, string tag) =>
        app.MapGroup(prefix).WithTags(tag).RequireAuthorization().ProducesGuardProblems();

    /// <summary>The routes of a group that only the callers <paramref name="policy"/> admits may use.</summary>
    public static RouteGroupBuilder MapRoleGroup(this RouteGroupBuilder group, string policy) =>
        group.MapGroup(string.Empty).RequireRole(policy);

    /// <summary>Only the callers <paramref name="policy"/> admits may use the group's routes; others are answered 403.</summary>
    public static RouteGroupBuilder RequireRole(this RouteGroupBuilder group, string policy) =>
        group.RequireAuthorization(policy).ProducesRoleProblems();
}
