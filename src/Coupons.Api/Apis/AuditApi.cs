using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Apis;

/// <summary>The audit log's admin API: every change (campaigns, coupons, blocklist), newest first, filtered and paged.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/audit", "Protection").RequireRole(AuthExtensions.Admin);
        api.MapGet("/", Query)
            .Answers(200, "A page of entries, newest first.").WithName("QueryAudit").WithDescription("Every change, newest first, with who made it (token subject and role, address) and the state before and after; filters combine.").WithSummary("Audit entries, newest first: who did what to which coupon, campaign or blocklist entry, and the state before and after (admin).");
        return api;
    }

    private static async Task<Results<Ok<PageResponse<AuditEntryResponse>>, ProblemHttpResult>> Query(
        IAuditLog audit,
        [Description("A coupon id, campaign id or blocklist entry (kind:value): its entries only.")] string? subject,
        [Description("Entries made by this caller (a token subject, or system).")] string? actor,
        [Description("Entries about this user's coupons.")] string? owner,
        [Description("Entries about this campaign and its coupons.")] string? campaignId,
        [Description("One action, like coupon.locked or blocklist.added.")] string? action,
        [Description("Entries at or after this time (ISO 8601).")] DateTimeOffset? from,
        [Description("Entries before this time (ISO 8601).")] DateTimeOffset? to,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken ct)
    {
        var (query, errors) = ToQuery(subject, actor, owner, campaignId, action, from, to, limit, cursor);
        if (query is null)
        {
            return Problems.Validation(errors);
        }

        try
        {
            var (items, next) = await audit.QueryAsync(query, ct).ConfigureAwait(false);
            return TypedResults.Ok(new PageResponse<AuditEntryResponse>([.. items.Select(AuditEntryResponse.From)], next));
        }
        catch (ArgumentException)
        {
            return Problems.Validation("cursor", "is not a cursor this service gave");
        }
    }

    /// <summary>The filters as the audit log takes them; null, with every filter that is off named, when any is.</summary>
    private static (AuditQuery? Query, Dictionary<string, string> Errors) ToQuery(
        string? subject, string? actor, string? owner, string? campaignId, string? action, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor)
    {
        var errors = new Dictionary<string, string>();
        foreach (var (name, value) in new[] { ("subject", subject), ("actor", actor), ("owner", owner), ("action", action) })
        {
            if (value is { Length: 0 or > AuditText.MaxTextLength })
            {
                errors[name] = $"must be 1 to {AuditText.MaxTextLength} characters";
            }
        }

        Guid? campaign = null;
        if (campaignId is not null)
        {
            if (Ids.TryParse(campaignId, out var parsed))
            {
                campaign = parsed;
            }
            else
            {
                errors["campaignId"] = "is not a campaign id";
            }
        }

        var pageSize = limit ?? StoreLimits.DefaultPageSize;
        if (pageSize is < 1 or > StoreLimits.MaxPageSize)
        {
            errors["limit"] = $"must be between 1 and {StoreLimits.MaxPageSize}";
        }

        if (cursor is { Length: 0 or > AuditText.MaxTextLength })
        {
            errors["cursor"] = "is not a cursor this service gave";
        }

        if (from is { } start && to is { } end && end <= start)
        {
            errors["to"] = "must be after from";
        }

        return errors.Count > 0
            ? (null, errors)
            : (new AuditQuery(subject, actor, owner, campaign, action, from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds(), cursor, pageSize), errors);
    }
}
