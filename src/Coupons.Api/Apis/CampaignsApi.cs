using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Codes;
using Coupons.Api.Contracts;
using Coupons.Api.Hosting;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Api.Protection;
using Coupons.Core;
using Coupons.Core.Codes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coupons.Api.Apis;

public static class CampaignsApi
{
    // What each operation may refuse with: its documented problem answers and its answers at run time.
    private static readonly Refusals Lookup = new(Outcome.CampaignNotFound);
    private static readonly Refusals StatusChange = new(Outcome.CampaignNotFound, Outcome.CampaignEnded);
    private static readonly Refusals Ending = new(Outcome.CampaignNotFound); // ending an ended campaign is a replay
    private static readonly Refusals Restocking = new(Outcome.CampaignNotFound, Outcome.CampaignEnded, Outcome.StockCapExceeded);
    private static readonly Refusals Claiming = new(Outcome.CampaignNotFound, Outcome.CampaignNotActive, Outcome.LimitReached, Outcome.SoldOut);
    private static readonly Refusals Creating = new(Outcome.CodeTaken);

    // Listing is open to every caller, but only an admin may list more than the campaigns open to claims.
    private static readonly ProblemCode ListingForbidden = new(ProblemCodes.Forbidden, 403, "only an admin lists campaigns other than status=active");

    public static RouteGroupBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/campaigns", "Campaigns");
        api.MapGet("/{id}", GetCampaign).Refuses(Lookup)
            .Answers(200, "The campaign.").MayAnswerStale().WithName("GetCampaign").WithDescription("Any caller with a valid token. remainingStock is live: what claims can still take.").WithSummary("A campaign with its remaining stock.");

        var admin = api.MapRoleGroup(AuthExtensions.Admin);
        admin.MapPost("/", CreateCampaign).Refuses(Creating)
            .Answers(201, "The new campaign; Location is its path.").WithName("CreateCampaign").WithDescription("Left out: minOrderAmount 0, perUserLimit 1, claims open at once and until the campaign ends, lockTtlSeconds 900. The discount and validity take one of their shapes (see Discount, Validity).").WithSummary("Create a campaign (admin).")
            .WithJsonBody<RouteHandlerBuilder, CreateCampaignRequest>();

        // Any caller may list; what each role may list is the handler's (FilterFor), so not the admin
        // group's. A group of its own, made after the admin's, keeps the document's order (post, get).
        api.MapGroup(string.Empty).MapGet("/", ListCampaigns).ProducesCodes(ListingForbidden)
            .Answers(200, "A page of campaigns.").MayAnswerStale().WithName("ListCampaigns").WithDescription("Campaigns, oldest first, a page at a time: pass nextCursor back as cursor until it is null (a filtered page may hold fewer than limit, even none, and still have a nextCursor). An admin lists every campaign, or those of one status. Anyone else must ask for status=active, which lists the campaigns open to claims now: active, inside their claim window and before an absolute validity ends (sold-out ones included, with remainingStock 0); without it, or with another status, the answer is 403.").WithSummary("List campaigns, oldest first (admin: any status; others: the ones open to claims now, with status=active).");

        MapStatusChange(admin, "/{id}/pause", CampaignCommand.Pause, StatusChange)
            .WithName("PauseCampaign").WithDescription("Claims are refused with campaign_not_active until the campaign is resumed; coupons already claimed keep working. Pausing a paused campaign changes nothing.").WithSummary("Stop claims for a while (admin).");
        MapStatusChange(admin, "/{id}/resume", CampaignCommand.Resume, StatusChange)
            .WithName("ResumeCampaign").WithDescription("Claims are taken again. Resuming an active campaign changes nothing.").WithSummary("Take claims again (admin).");
        MapStatusChange(admin, "/{id}/end", CampaignCommand.End, Ending)
            .WithName("EndCampaign").WithDescription("No more claims, for good; coupons already claimed keep working until their validity ends. Ending an ended campaign changes nothing.").WithSummary("End a campaign for good (admin).");
        admin.MapPost("/{id}/stock", AddStock).Refuses(Restocking)
            .Answers(200, "The campaign with its new stock.").WithName("AddStock").WithDescription("Adds to totalStock and remainingStock at once, also for a sold-out campaign. Not idempotent: each call adds.").WithSummary("Add stock to a campaign (admin).")
            .WithJsonBody<RouteHandlerBuilder, AddStockRequest>();
        admin.MapGet("/{id}/stats", GetStats).Refuses(Lookup)
            .Answers(200, "The campaign's live counts.").MayAnswerStale().WithName("GetCampaignStats").WithDescription("Live counts: issued, locked, used, released (including lapsed locks), refunded, expired, and refusals by code.").WithSummary("Live counts of a campaign (admin).");

        // End users' claims, which the per-campaign admission cap counts.
        var claims = api.MapRoleGroup(AuthExtensions.EndUser).WithMetadata(CampaignAdmission.Instance);
        claims.MapPost("/{id}/claim", Claim).Refuses(Claiming)
            .Answers(201, "A new coupon for the caller; Location is its path.").Answers(200, "The coupon an earlier claim with this Idempotency-Key got; nothing changed.").WithName("ClaimCoupon").WithDescription("An end user claims one coupon for themselves from the campaign's stock, within the per-user limit and the claim window. With an Idempotency-Key, repeating the claim returns the same coupon (200) and takes no more stock.").WithSummary("Claim a coupon for the calling user; 201 when new, 200 when an Idempotency-Key is replayed.");
        return api;
    }

    private static RouteHandlerBuilder MapStatusChange(RouteGroupBuilder group, string pattern, CampaignCommand command, Refusals refusals) =>
        group.MapPost(pattern, (string id, ICouponStore store, CodeProtector protector, CancellationToken ct) => ChangeStatusAsync(id, command, refusals, store, protector, ct))
            .Refuses(refusals).Answers(200, "The campaign with its status now.");

    private static async Task<Results<Created<CampaignResponse>, ProblemHttpResult>> CreateCampaign(HttpRequest request, ICouponStore store, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CreateCampaignRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var (definition, totalStock, errors) = CampaignMapping.ToDefinition(body!);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (body!.Code is not null)
        {
            if (SharedCodes.Problem(body.Code) is { } codeProblem)
            {
                return Problems.Validation("code", codeProblem);
            }

            definition = definition! with { Code = CampaignCodes.Seal(Protector(request), SharedCodes.Normalize(body.Code)) };
        }

        CampaignInfo campaign;
        try
        {
            campaign = await store.CreateCampaignAsync(definition!, totalStock, ct).ConfigureAwait(false);
        }
        catch (CodeTakenException)
        {
            return Creating.Problem(Outcome.CodeTaken);
        }

        return TypedResults.Created($"/v1/campaigns/{Ids.Format(campaign.Id)}", CampaignResponse.From(campaign, body.Code is null ? null : CampaignCodes.Open(Protector(request), campaign)));
    }

    private static async Task<Results<Ok<PageResponse<CampaignResponse>>, ProblemHttpResult>> ListCampaigns(
        HttpContext context,
        ICouponStore store,
        LastCopies copies,
        CodeProtector protector,
        [Description("Only campaigns in this status. An admin may ask for any, or none; everyone else must ask for active, which lists the campaigns open to claims now (active, inside the claim window, before an absolute validity ends).")] string? status,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken ct)
    {
        CampaignStatus? wanted = null;
        if (status is not null)
        {
            if (!WireNames.TryParse(status, out CampaignStatus parsed))
            {
                return Problems.Validation("status", "must be one of active, paused, ended");
            }

            wanted = parsed;
        }

        if (Paging.Check(limit, cursor, out var pageSize, out var after) is { } problem)
        {
            return problem;
        }

        var role = Caller.Of(context).Role;
        if (FilterFor(role, wanted) is not { } filter)
        {
            return Problems.Create(StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, "The token's role may not do this.", "Only an admin lists campaigns other than status=active.");
        }

        var page = await copies.ReadAsync(
            context, ("campaigns", filter, after, pageSize), () => store.ListCampaignsAsync(filter, after, pageSize, ct), static p => p.Items.Count).ConfigureAwait(false);
        return TypedResults.Ok(new PageResponse<CampaignResponse>([.. page.Items.Select(campaign => Reveal(campaign, role, protector))], Cursors.Format(page.NextAfter)));
    }

    /// <summary>
    /// What a caller's listing shows: an admin's, the campaigns of the status asked (all without one);
    /// anyone else's, with status=active, those open to claims now; null (forbidden) for anything else.
    /// </summary>
    private static CampaignFilter? FilterFor(CallerRole role, CampaignStatus? wanted) => (role, wanted) switch
    {
        (CallerRole.Admin, null) => CampaignFilter.All,
        (CallerRole.Admin, { } status) => CampaignFilter.WithStatus(status),
        (_, CampaignStatus.Active) => CampaignFilter.Claimable,
        _ => null,
    };

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> GetCampaign(string id, HttpContext context, ICouponStore store, LastCopies copies, CodeProtector protector, CancellationToken ct)
    {
        var campaign = Ids.TryParse(id, out var campaignId)
            ? await copies.ReadAsync(context, ("campaign", campaignId), () => store.GetCampaignAsync(campaignId, ct)).ConfigureAwait(false)
            : null;
        return campaign is null ? Lookup.Problem(Outcome.CampaignNotFound) : TypedResults.Ok(Reveal(campaign, Caller.Of(context).Role, protector));
    }

    /// <summary>The code keys, resolved only once a request needs them, so a body's problems are answered first (400) even when the keys cannot be read.</summary>
    private static CodeProtector Protector(HttpRequest request) => request.HttpContext.RequestServices.GetRequiredService<CodeProtector>();

    /// <summary>The campaign as <paramref name="role"/> may see it: the shared code only for admins.</summary>
    private static CampaignResponse Reveal(CampaignInfo campaign, CallerRole role, CodeProtector protector) =>
        CampaignResponse.From(campaign, role == CallerRole.Admin ? CampaignCodes.Open(protector, campaign) : null);

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> ChangeStatusAsync(string id, CampaignCommand command, Refusals refusals, ICouponStore store, CodeProtector protector, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var campaignId))
        {
            return refusals.Problem(Outcome.CampaignNotFound);
        }

        var result = await store.ChangeCampaignStatusAsync(campaignId, command, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(Reveal(result.Campaign!, CallerRole.Admin, protector)) : refusals.Problem(result.Outcome);
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> AddStock(string id, HttpRequest request, ICouponStore store, CodeProtector protector, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<AddStockRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Add is not { } add || add is < 1 or > CampaignDefinition.MaxStock)
        {
            return Problems.Validation("add", $"must be between 1 and {CampaignDefinition.MaxStock}");
        }

        if (!Ids.TryParse(id, out var campaignId))
        {
            return Restocking.Problem(Outcome.CampaignNotFound);
        }

        var result = await store.AddStockAsync(campaignId, add, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(Reveal(result.Campaign!, CallerRole.Admin, protector)) : Restocking.Problem(result.Outcome);
    }

    private static async Task<Results<Created<CouponResponse>, Ok<CouponResponse>, ProblemHttpResult>> Claim(
        string id,
        HttpContext context,
        ICouponStore store,
        CouponOwnCodes codes,
        BusinessMetrics metrics,
        [FromHeader(Name = "Idempotency-Key")][Description("Repeat a claim safely: the same key returns the same coupon.")] string? idempotencyKey,
        CancellationToken ct)
    {
        if (IdempotencyKeys.Problem(idempotencyKey) is { } badKey)
        {
            return badKey;
        }

        if (!Ids.TryParse(id, out var campaignId))
        {
            return Claiming.Problem(Outcome.CampaignNotFound);
        }

        var result = await store.ClaimAsync(campaignId, Caller.Of(context).UserId, idempotencyKey, ct).ConfigureAwait(false);
        metrics.Claimed(campaignId, result.Outcome, "id");
        return result.Outcome switch
        {
            Outcome.Ok => TypedResults.Created($"/v1/coupons/{Ids.Format(result.Coupon!.Id)}", CouponResponse.From(result.Coupon, codes)),
            Outcome.Replayed => TypedResults.Ok(CouponResponse.From(result.Coupon!, codes)),
            _ => Claiming.Problem(result.Outcome),
        };
    }

    private static async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> GetStats(string id, HttpContext context, ICouponStore store, LastCopies copies, CancellationToken ct)
    {
        var stats = Ids.TryParse(id, out var campaignId)
            ? await copies.ReadAsync(context, ("stats", campaignId), () => store.GetStatsAsync(campaignId, ct)).ConfigureAwait(false)
            : null;
        return stats is null ? Lookup.Problem(Outcome.CampaignNotFound) : TypedResults.Ok(StatsResponse.From(stats));
    }
}
