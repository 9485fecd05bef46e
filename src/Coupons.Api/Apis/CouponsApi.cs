using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Hosting;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Apis;

public static class CouponsApi
{
    private static readonly Refusals Lookup = new(Outcome.CouponNotFound);

    // Revoking a revoked coupon is a replay (200); an expired one is refused, as CouponRules.Revoke says why.
    private static readonly Refusals Revoking = new(Outcome.CouponNotFound, Outcome.CouponExpired, Outcome.AlreadyUsed);

    // The four changes of a coupon by an order: what each takes, asks the store and answers; the
    // rest is CouponChange's.
    private static readonly CouponChange<Redemption, RedemptionResponse> Locking = new(
        "lock",
        new Refusals(Outcome.CouponNotFound, Outcome.CouponExpired, Outcome.CouponRevoked, Outcome.CouponNotYetValid, Outcome.AlreadyUsed, Outcome.LockedByOtherOrder, Outcome.OrderMismatch, Outcome.OutOfScope, Outcome.BelowMinimum),
        OrderAmount.Required,
        static (store, couponId, owner, order, cart, ct) => cart is not null
            ? store.LockForCartAsync(couponId, owner, order.OrderId!, cart, ct)
            : store.LockAsync(couponId, owner, order.OrderId!, order.OrderAmount!.Value, ct),
        static result => result.Outcome,
        ToResponse);

    private static readonly CouponChange<Redemption, RedemptionResponse> Redeeming = new(
        "redeem",
        new Refusals(Outcome.CouponNotFound, Outcome.CouponExpired, Outcome.CouponRevoked, Outcome.CouponNotYetValid, Outcome.AlreadyUsed, Outcome.LockedByOtherOrder, Outcome.OrderMismatch, Outcome.OrderAmountRequired, Outcome.OutOfScope, Outcome.BelowMinimum),
        OrderAmount.Optional,
        static (store, couponId, owner, order, cart, ct) => cart is not null
            ? store.RedeemForCartAsync(couponId, owner, order.OrderId!, cart, ct)
            : store.RedeemAsync(couponId, owner, order.OrderId!, order.OrderAmount, ct),
        static result => result.Outcome,
        ToResponse);

    private static readonly CouponChange<CouponResult, CouponResponse> Releasing = new(
        "release",
        new Refusals(Outcome.CouponNotFound, Outcome.LockedByOtherOrder, Outcome.AlreadyUsed),
        OrderAmount.NotTaken,
        static (store, couponId, owner, order, _, ct) => store.ReleaseAsync(couponId, owner, order.OrderId!, ct),
        static result => result.Outcome,
        ToResponse);

    private static readonly CouponChange<CouponResult, CouponResponse> Refunding = new(
        "refund",
        new Refusals(Outcome.CouponNotFound, Outcome.AlreadyUsed, Outcome.NotRedeemed),
        OrderAmount.NotTaken,
        static (store, couponId, owner, order, _, ct) => store.RefundAsync(couponId, owner, order.OrderId!, ct),
        static result => result.Outcome,
        ToResponse);

    /// <summary>Whether an order body takes an <c>orderAmount</c>.</summary>
    private enum OrderAmount
    {
        Required,
        Optional,
        NotTaken,
    }

    public static RouteGroupBuilder MapCouponsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1", "Coupons");
        api.MapGet("/me/coupons", ListMine)
            .Answers(200, "A page of the caller's coupons.").MayAnswerStale().WithName("ListMyCoupons").WithDescription("The calling user's coupons, oldest first, optionally of one status, a page at a time.").WithSummary("The calling user's coupons, oldest first.");
        api.MapRoleGroup(AuthExtensions.ServiceOrAdmin).MapGet("/users/{userId}/coupons", ListUsers)
            .Answers(200, "A page of the user's coupons.").MayAnswerStale().WithName("ListUserCoupons").WithDescription("Any user's coupons, as /v1/me/coupons shows a user their own: oldest first, optionally of one status, a page at a time. A user with no coupons has an empty list.").WithSummary("A user's coupons, oldest first (service or admin).");

        var coupon = api.MapGroup("/coupons/{id}");
        coupon.MapGet("/", GetCoupon).Refuses(Lookup)
            .Answers(200, "The coupon.").WithName("GetCoupon").WithDescription("The coupon's owner, the service or an admin; anyone else is answered 404, as for a coupon that does not exist.").WithSummary("A coupon (its owner, the service or an admin; 404 for anyone else).");

        var holders = coupon.MapRoleGroup(AuthExtensions.OwnerOrService);
        MapChange(holders, "/lock", Locking).WithJsonBody<RouteHandlerBuilder, LockRequest>()
            .Answers(200, "The locked coupon, the discount it gives the order and what is left to pay.").WithName("LockCoupon").WithDescription("Reserves the coupon for an order at an amount and answers what the discount comes to. Repeating the same lock changes nothing; another order's lock is refused. The lock lapses after the campaign's lockTtlSeconds unless redeemed or released.").WithSummary("Lock a coupon for an order; the lock lapses after the campaign's lockTtlSeconds.");
        MapChange(holders, "/redeem", Redeeming).WithJsonBody<RouteHandlerBuilder, RedeemRequest>()
            .Answers(200, "The used coupon, the discount it gave the order and what is left to pay.").WithName("RedeemCoupon").WithDescription("Confirms the order's lock, or locks and uses in one step when orderAmount is given and the coupon is not locked. Repeating it for the same order answers the same.").WithSummary("Use a coupon: confirm the order's lock, or lock and use in one step (orderAmount needed).");
        MapChange(holders, "/release", Releasing).WithJsonBody<RouteHandlerBuilder, OrderReference>()
            .Answers(200, "The coupon, unused again (or as it was, if the order held no lock).").WithName("ReleaseCoupon").WithDescription("The order gives its lock back: the coupon is unused again. Releasing a coupon that is not locked for the order changes nothing.").WithSummary("Release the order's lock.");

        var refunders = coupon.MapRoleGroup(AuthExtensions.ServiceOrAdmin);
        MapChange(refunders, "/refund", Refunding).WithJsonBody<RouteHandlerBuilder, OrderReference>()
            .Answers(200, "The coupon, unused again (or expired).").WithName("RefundCoupon").WithDescription("A used coupon becomes unused again (expired, if its validity has passed) once its order is refunded. Repeating it for the same order changes nothing.").WithSummary("Return a used coupon to its holder (service or admin).");

        coupon.MapRoleGroup(AuthExtensions.Admin).MapPost("/revoke", Revoke).Refuses(Revoking).WithJsonBody<RouteHandlerBuilder, RevokeRequest>()
            .Answers(200, "The coupon, revoked (also when it was revoked before: nothing changed then).").WithName("RevokeCoupon").WithDescription("An unused or locked coupon becomes revoked for good: a lock held by an order is dropped (that order's redeem is then refused with coupon_revoked), the stock it took is not returned, and the audit log keeps the reason with the admin as actor. Revoking a revoked coupon changes nothing and keeps the first reason; a used coupon is refused (refund it first), and so is an expired one, which can no longer be used anyway.").WithSummary("Take a coupon back for good (admin).");
        return api;
    }

    private static Task<Results<Ok<PageResponse<CouponResponse>>, ProblemHttpResult>> ListMine(
        HttpContext context,
        ICouponStore store,
        LastCopies copies,
        CouponOwnCodes codes,
        [Description("Only coupons in this status: unused, locked, used, expired, revoked.")] string? status,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken ct) =>
        ListAsync(context, Caller.Of(context).UserId, status, limit, cursor, store, copies, codes, ct);

    private static Task<Results<Ok<PageResponse<CouponResponse>>, ProblemHttpResult>> ListUsers(
        string userId,
        HttpContext context,
        ICouponStore store,
        LastCopies copies,
        CouponOwnCodes codes,
        [Description("Only coupons in this status: unused, locked, used, expired, revoked.")] string? status,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken ct) =>
        string.IsNullOrWhiteSpace(userId) || userId.Length > StoreLimits.MaxUserIdLength
            ? Task.FromResult<Results<Ok<PageResponse<CouponResponse>>, ProblemHttpResult>>(
                Problems.Validation("userId", $"must be 1 to {StoreLimits.MaxUserIdLength} characters, not only white space"))
            : ListAsync(context, userId, status, limit, cursor, store, copies, codes, ct);

    /// <summary>A page of one user's coupons: the caller's own (/v1/me/coupons) or anyone's (/v1/users/{userId}/coupons), the same checks and answer.</summary>
    private static async Task<Results<Ok<PageResponse<CouponResponse>>, ProblemHttpResult>> ListAsync(
        HttpContext context, string userId, string? status, int? limit, string? cursor, ICouponStore store, LastCopies copies, CouponOwnCodes codes, CancellationToken ct)
    {
        CouponStatus? filter = null;
        if (status is not null)
        {
            if (!WireNames.TryParse(status, out CouponStatus parsed))
            {
                return Problems.Validation("status", "must be one of unused, locked, used, expired, revoked");
            }

            filter = parsed;
        }

        if (Paging.Check(limit, cursor, out var pageSize, out var after) is { } problem)
        {
            return problem;
        }

        var page = await copies.ReadAsync(
            context, ("coupons", userId, filter, after, pageSize), () => store.ListUserCouponsAsync(userId, filter, after, pageSize, ct), static p => p.Items.Count).ConfigureAwait(false);
        return TypedResults.Ok(new PageResponse<CouponResponse>([.. page.Items.Select(coupon => CouponResponse.From(coupon, codes))], Cursors.Format(page.NextAfter)));
    }

    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult>> GetCoupon(string id, HttpContext context, ICouponStore store, CouponOwnCodes codes, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var couponId))
        {
            return Lookup.Problem(Outcome.CouponNotFound);
        }

        var result = await store.GetCouponAsync(couponId, Caller.Of(context).OwnerFilter, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(CouponResponse.From(result.Coupon!, codes)) : Lookup.Problem(result.Outcome);
    }

    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult>> Revoke(string id, HttpRequest request, ICouponStore store, CouponOwnCodes codes, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<RevokeRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!StoreLimits.IsValidReason(body!.Reason))
        {
            return Problems.Validation("reason", $"must be 1 to {StoreLimits.MaxReasonLength} characters, not only white space, without control characters");
        }

        if (!Ids.TryParse(id, out var couponId))
        {
            return Revoking.Problem(Outcome.CouponNotFound);
        }

        var result = await store.RevokeAsync(couponId, body.Reason!, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(CouponResponse.From(result.Coupon!, codes)) : Revoking.Problem(result.Outcome);
    }

    private static RouteHandlerBuilder MapChange<TResult, TResponse>(RouteGroupBuilder group, string pattern, CouponChange<TResult, TResponse> change) =>
        group.MapPost(pattern, (string id, HttpContext context, ICouponStore store, CouponOwnCodes codes, BusinessMetrics metrics, CancellationToken ct) => ChangeAsync(change, id, context, store, codes, metrics, ct))
            .Refuses(change.Refusals);

    /// <summary>Every coupon change: read and check the order, find the coupon, ask the store, answer.</summary>
    private static async Task<Results<Ok<TResponse>, ProblemHttpResult>> ChangeAsync<TResult, TResponse>(
        CouponChange<TResult, TResponse> change, string id, HttpContext context, ICouponStore store, CouponOwnCodes codes, BusinessMetrics metrics, CancellationToken ct)
    {
        var (order, cart, problem) = await ReadOrderAsync(context.Request, change.Amount).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.TryParse(id, out var couponId))
        {
            return change.Refusals.Problem(Outcome.CouponNotFound);
        }

        var result = await change.Apply(store, couponId, Caller.Of(context).OwnerFilter, order!, cart, ct).ConfigureAwait(false);
        var outcome = change.OutcomeOf(result);
        metrics.CouponChanged(change.Operation, outcome);
        return outcome.IsSuccess() ? TypedResults.Ok(change.Respond(result, codes)) : change.Refusals.Problem(outcome);
    }

    private static RedemptionResponse ToResponse(Redemption result, CouponOwnCodes codes) =>
        new(CouponResponse.From(result.Coupon!, codes), result.Quote.Discount, result.Quote.Payable);

    private static CouponResponse ToResponse(CouponResult result, CouponOwnCodes codes) => CouponResponse.From(result.Coupon!, codes);

    /// <summary>The order of a coupon change, and its cart when it came with items or shipping (null: the amount alone, the fast path).</summary>
    private static async Task<(OrderRequest? Order, Cart? Cart, ProblemHttpResult? Problem)> ReadOrderAsync(HttpRequest request, OrderAmount amount)
    {
        // A release or a refund is read as its own shape, so that an orderAmount in it, even null, is
        // a field the body does not have, as the document says, not one quietly passed over.
        var (body, problem) = amount == OrderAmount.NotTaken
            ? await ReadReferenceAsync(request).ConfigureAwait(false)
            : await JsonBody.ReadAsync<OrderRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, null, problem);
        }

        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(body!.OrderId) || body.OrderId.Length > StoreLimits.MaxOrderIdLength)
        {
            errors["orderId"] = $"must be 1 to {StoreLimits.MaxOrderIdLength} characters";
        }

        Cart? cart = null;
        if (amount != OrderAmount.NotTaken && (body.Items is not null || body.ShippingAmount is not null))
        {
            cart = CheckoutApi.ReadCart(body.Items, body.OrderAmount, body.ShippingAmount, errors);
        }
        else if (body.OrderAmount is { } given ? !Money.IsValidAmount(given) : amount == OrderAmount.Required)
        {
            errors["orderAmount"] = $"must be a whole number of minor units between 0 and {Money.MaxAmount}";
        }

        return errors.Count > 0 ? (null, null, Problems.Validation(errors)) : (body, cart, null);
    }

    private static async Task<(OrderRequest? Order, ProblemHttpResult? Problem)> ReadReferenceAsync(HttpRequest request)
    {
        var (reference, problem) = await JsonBody.ReadAsync<OrderReference>(request).ConfigureAwait(false);
        return (reference is null ? null : new OrderRequest(reference.OrderId, null), problem);
    }

    /// <summary>
    /// What one coupon change does differently from the others: its name on /metrics, the outcomes it may refuse with,
    /// whether its order body takes an amount, the store call it makes, and its answer on success.
    /// </summary>
    private sealed record CouponChange<TResult, TResponse>(
        string Operation,
        Refusals Refusals,
        OrderAmount Amount,
        Func<ICouponStore, Guid, string?, OrderRequest, Cart?, CancellationToken, ValueTask<TResult>> Apply,
        Func<TResult, Outcome> OutcomeOf,
        Func<TResult, CouponOwnCodes, TResponse> Respond);
}
