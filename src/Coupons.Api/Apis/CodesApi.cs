using System.ComponentModel;
using Coupons.Api.Auth;
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

/// <summary>
/// Codes as users and cashiers type them: a claim by a campaign's shared code or a generated code,
/// and the lookup of a coupon by its own code. Codes travel only in bodies, never in URLs, and are
/// never logged: what the service keeps and logs is their keyed hash.
/// </summary>
public static class CodesApi
{
    private static readonly Refusals Claiming = new(
        Outcome.CodeNotFound, Outcome.CodeAlreadyClaimed, Outcome.CampaignNotFound, Outcome.CampaignNotActive, Outcome.LimitReached, Outcome.SoldOut);

    private static readonly Refusals Looking = new(Outcome.CodeNotFound);

    public static RouteGroupBuilder MapCodesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/codes", "Codes");
        api.MapRoleGroup(AuthExtensions.EndUser).MapPost("/claim", Claim).Refuses(Claiming).WithJsonBody<RouteHandlerBuilder, CodeRequest>()
            .Answers(201, "A new coupon for the caller; Location is its path.")
            .Answers(200, "The coupon this user got with this code before; nothing changed.")
            .WithName("ClaimByCode").WithSummary("Claim a coupon with a code: a campaign's shared code or a generated one (end user).")
            .WithDescription("A generated code gives one coupon, to the first user who claims it: the same user again gets the same coupon (200), anyone else code_already_claimed. A shared code gives each user a coupon under the campaign's per-user limit; without an Idempotency-Key the same user again gets the same coupon (200), with a new key another one. Then the campaign's own rules: campaign_not_active, limit_reached, sold_out. A code is typed in any case, with or without the dashes between printed groups; a typo the check character catches is code_not_found without a lookup. Failed attempts are limited per user and per address (429, limit code_attempts).");
        api.MapRoleGroup(AuthExtensions.ServiceOrAdmin).MapPost("/lookup", Lookup).Refuses(Looking).WithJsonBody<RouteHandlerBuilder, CodeRequest>()
            .Answers(200, "The coupon whose own code this is.")
            .WithName("LookupCode").WithSummary("Find a coupon by its own redemption code (service, admin).")
            .WithDescription("Every issued coupon has its own code (code in the coupon), for use in a shop: a cashier types it, and the till finds the coupon here before locking or redeeming it by id.");
        return api;
    }

    private static async Task<Results<Created<CouponResponse>, Ok<CouponResponse>, ProblemHttpResult>> Claim(
        HttpContext context,
        ICodeStore codes,
        CodeProtector protector,
        CouponOwnCodes ownCodes,
        CodeGuessing guessing,
        BusinessMetrics metrics,
        [FromHeader(Name = "Idempotency-Key")][Description("With a shared code: a new key claims another coupon (within the per-user limit), the same key returns the same coupon.")] string? idempotencyKey,
        CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CodeRequest>(context.Request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (Invalid(body!) is { } invalid)
        {
            return invalid;
        }

        if (IdempotencyKeys.Problem(idempotencyKey) is { } badKey)
        {
            return badKey;
        }

        if (guessing.Refusal(context) is { } refused)
        {
            return refused;
        }

        var userId = Caller.Of(context).UserId;
        var (unique, shared) = CandidateHashes(protector, body!.Code!);
        var result = new CouponResult(Outcome.CodeNotFound, null);
        if (unique is { } asGenerated)
        {
            result = await codes.ClaimByCodeAsync(asGenerated, userId, idempotencyKey, ct).ConfigureAwait(false);
        }

        if (result.Outcome == Outcome.CodeNotFound && shared is { } asShared)
        {
            result = await codes.ClaimByCodeAsync(asShared, userId, idempotencyKey, ct).ConfigureAwait(false);
        }

        metrics.Claimed(result.Coupon?.CampaignId, result.Outcome, "code");
        if (result.Outcome is Outcome.CodeNotFound or Outcome.CodeAlreadyClaimed)
        {
            await guessing.FailedAsync(context).ConfigureAwait(false);
        }

        return result.Outcome switch
        {
            Outcome.Ok => TypedResults.Created($"/v1/coupons/{Ids.Format(result.Coupon!.Id)}", CouponResponse.From(result.Coupon, ownCodes)),
            Outcome.Replayed => TypedResults.Ok(CouponResponse.From(result.Coupon!, ownCodes)),
            _ => Claiming.Problem(result.Outcome),
        };
    }

    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult>> Lookup(HttpRequest request, ICodeStore codes, CouponOwnCodes ownCodes, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<CodeRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (Invalid(body!) is { } invalid)
        {
            return invalid;
        }

        if (!CouponOwnCodes.TryRead(body!.Code, out var code))
        {
            return Looking.Problem(Outcome.CodeNotFound);
        }

        var result = await codes.FindCouponByCodeAsync(ownCodes.KeyOf(code), ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(CouponResponse.From(result.Coupon!, ownCodes)) : Looking.Problem(Outcome.CodeNotFound);
    }

    private static ProblemHttpResult? Invalid(CodeRequest body) =>
        body.Code is not { Length: > 0 and <= CouponCodes.MaxInputLength }
            ? Problems.Validation("code", $"must be 1 to {CouponCodes.MaxInputLength} characters")
            : null;

    /// <summary>
    /// The hashes a typed code may be stored under: as a generated code (when it is one: alphabet,
    /// length and check character, dashes and spaces dropped), then as a shared code (its dashes
    /// kept). Neither for text that can be neither: a typo is refused without a lookup.
    /// </summary>
    internal static (CodeHash? Unique, CodeHash? Shared) CandidateHashes(CodeProtector protector, string typed)
    {
        CodeHash? unique = CouponCodes.TryParse(typed, out var code) ? protector.HashOf(code) : null;
        var normalized = SharedCodes.Normalize(typed);
        CodeHash? shared = SharedCodes.IsValid(normalized) && protector.HashOf(normalized) is var hash && hash != unique ? hash : null;
        return (unique, shared);
    }
}
