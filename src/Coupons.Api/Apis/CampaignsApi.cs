using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Api.Protection;
using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coupons.Api.Apis;

public static class CampaignsApi
{
    public static RouteGroupBuilder MapCampaignsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/campaigns").WithTags("Campaigns").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        api.MapPost("/", CreateCampaign).RequireAuthorization(AuthExtensions.Admin)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("CreateCampaign").WithSummary("Create a campaign (admin).")
            .WithJsonBody<RouteHandlerBuilder, CreateCampaignRequest>();
        api.MapGet("/", ListCampaigns).RequireAuthorization(AuthExtensions.Admin)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .WithName("ListCampaigns").WithSummary("List campaigns, oldest first (admin).");
        api.MapGet("/{id}", GetCampaign)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetCampaign").WithSummary("A campaign with its remaining stock.");
        api.MapPost("/{id}/pause", (string id, ICouponStore store, CancellationToken ct) => ChangeStatus(id, CampaignCommand.Pause, store, ct))
            .RequireAuthorization(AuthExtensions.Admin).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).WithName("PauseCampaign").WithSummary("Stop claims for a while (admin).");
        api.MapPost("/{id}/resume", (string id, ICouponStore store, CancellationToken ct) => ChangeStatus(id, CampaignCommand.Resume, store, ct))
            .RequireAuthorization(AuthExtensions.Admin).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).WithName("ResumeCampaign").WithSummary("Take claims again (admin).");
        api.MapPost("/{id}/end", (string id, ICouponStore store, CancellationToken ct) => ChangeStatus(id, CampaignCommand.End, store, ct))
            .RequireAuthorization(AuthExtensions.Admin).ProducesProblem(StatusCodes.Status404NotFound).WithName("EndCampaign").WithSummary("End a campaign for good (admin).");
        api.MapPost("/{id}/stock", AddStock).RequireAuthorization(AuthExtensions.Admin)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("AddStock").WithSummary("Add stock to a campaign (admin).")
            .WithJsonBody<RouteHandlerBuilder, AddStockRequest>();
        api.MapPost("/{id}/claim", Claim).RequireAuthorization(AuthExtensions.EndUser).WithMetadata(CampaignAdmission.Instance)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithName("ClaimCoupon").WithSummary("Claim a coupon for the calling user; 201 when new, 200 when an Idempotency-Key is replayed.");
        api.MapGet("/{id}/stats", GetStats).RequireAuthorization(AuthExtensions.Admin)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("GetCampaignStats").WithSummary("Live counts of a campaign (admin).");
        return api;
    }

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

        var campaign = await store.CreateCampaignAsync(definition!, totalStock, ct).ConfigureAwait(false);
        return TypedResults.Created($"/v1/campaigns/{Ids.Format(campaign.Id)}", CampaignResponse.From(campaign));
    }

    private static async Task<Results<Ok<PageResponse<CampaignResponse>>, ProblemHttpResult>> ListCampaigns(
        ICouponStore store,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken ct)
    {
        if (Paging.Check(limit, cursor, out var pageSize, out var after) is { } problem)
        {
            return problem;
        }

        var page = await store.ListCampaignsAsync(after, pageSize, ct).ConfigureAwait(false);
        return TypedResults.Ok(new PageResponse<CampaignResponse>([.. page.Items.Select(CampaignResponse.From)], Cursors.Format(page.NextAfter)));
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> GetCampaign(string id, ICouponStore store, CancellationToken ct)
    {
        var campaign = Ids.TryParse(id, out var campaignId) ? await store.GetCampaignAsync(campaignId, ct).ConfigureAwait(false) : null;
        return campaign is null ? Problems.For(Outcome.CampaignNotFound) : TypedResults.Ok(CampaignResponse.From(campaign));
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> ChangeStatus(string id, CampaignCommand command, ICouponStore store, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var campaignId))
        {
            return Problems.For(Outcome.CampaignNotFound);
        }

        var result = await store.ChangeCampaignStatusAsync(campaignId, command, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(CampaignResponse.From(result.Campaign!)) : Problems.For(result.Outcome);
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> AddStock(string id, HttpRequest request, ICouponStore store, CancellationToken ct)
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
            return Problems.For(Outcome.CampaignNotFound);
        }

        var result = await store.AddStockAsync(campaignId, add, ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            _ when result.Outcome.IsSuccess() => TypedResults.Ok(CampaignResponse.From(result.Campaign!)),
            // The answer users had before the cap was an outcome: a validation problem on the field.
            Outcome.StockCapExceeded => Problems.Validation("add", $"the total stock would pass {CampaignDefinition.MaxStock}"),
            _ => Problems.For(result.Outcome),
        };
    }

    private static async Task<Results<Created<CouponResponse>, Ok<CouponResponse>, ProblemHttpResult>> Claim(
        string id,
        HttpContext context,
        ICouponStore store,
        [FromHeader(Name = "Idempotency-Key")][Description("Repeat a claim safely: the same key returns the same coupon.")] string? idempotencyKey,
        CancellationToken ct)
    {
        if (idempotencyKey is not null && !IsValidKey(idempotencyKey))
        {
            return Problems.Validation("Idempotency-Key", $"must be 1 to {StoreLimits.MaxIdempotencyKeyLength} visible ASCII characters");
        }

        if (!Ids.TryParse(id, out var campaignId))
        {
            return Problems.For(Outcome.CampaignNotFound);
        }

        var caller = Caller.From(context.User);
        var result = await store.ClaimAsync(campaignId, caller.UserId, idempotencyKey, ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            Outcome.Ok => TypedResults.Created($"/v1/coupons/{Ids.Format(result.Coupon!.Id)}", CouponResponse.From(result.Coupon)),
            Outcome.Replayed => TypedResults.Ok(CouponResponse.From(result.Coupon!)),
            _ => Problems.For(result.Outcome),
        };
    }

    private static async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> GetStats(string id, ICouponStore store, CancellationToken ct)
    {
        var stats = Ids.TryParse(id, out var campaignId) ? await store.GetStatsAsync(campaignId, ct).ConfigureAwait(false) : null;
        return stats is null ? Problems.For(Outcome.CampaignNotFound) : TypedResults.Ok(StatsResponse.From(stats));
    }

    private static bool IsValidKey(string key) =>
        key.Length is > 0 and <= StoreLimits.MaxIdempotencyKeyLength && key.All(c => c is > ' ' and <= '~');
}
