using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Apis;

public static class CouponsApi
{
    public static RouteGroupBuilder MapCouponsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/me/coupons", ListMine).RequireAuthorization().WithTags("Coupons")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("ListMyCoupons").WithSummary("The calling user's coupons, oldest first.");

        var api = app.MapGroup("/v1/coupons/{id}").WithTags("Coupons").RequireAuthorization()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/", GetCoupon)
            .WithName("GetCoupon").WithSummary("A coupon (its owner, the service or an admin; 404 for anyone else).");
        api.MapPost("/lock", Lock).RequireAuthorization(AuthExtensions.OwnerOrService)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithName("LockCoupon").WithSummary("Lock a coupon for an order; the lock lapses after the campaign's lockTtlSeconds.")
            .WithJsonBody<RouteHandlerBuilder, OrderRequest>();
        api.MapPost("/redeem", Redeem).RequireAuthorization(AuthExtensions.OwnerOrService)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithName("RedeemCoupon").WithSummary("Use a coupon: confirm the order's lock, or lock and use in one step (orderAmount needed).")
            .WithJsonBody<RouteHandlerBuilder, OrderRequest>();
        api.MapPost("/release", Release).RequireAuthorization(AuthExtensions.OwnerOrService)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("ReleaseCoupon").WithSummary("Release the order's lock.")
            .WithJsonBody<RouteHandlerBuilder, OrderRequest>();
        api.MapPost("/refund", Refund).RequireAuthorization(AuthExtensions.ServiceOrAdmin)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict)
            .WithName("RefundCoupon").WithSummary("Return a used coupon to its holder (service or admin).")
            .WithJsonBody<RouteHandlerBuilder, OrderRequest>();
        return api;
    }

    private static async Task<Results<Ok<PageResponse<CouponResponse>>, ProblemHttpResult>> ListMine(
        HttpContext context,
        ICouponStore store,
        [Description("Only coupons in this status: unused, locked, used, expired, revoked.")] string? status,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken ct)
    {
        CouponStatus? filter = null;
        if (status is not null)
        {
            if (!Names.TryParseCouponStatus(status, out var parsed))
            {
                return Problems.Validation("status", "must be one of unused, locked, used, expired, revoked");
            }

            filter = parsed;
        }

        if (Paging.Check(limit, cursor, out var pageSize, out var after) is { } problem)
        {
            return problem;
        }

        var caller = Caller.From(context.User);
        var page = await store.ListUserCouponsAsync(caller.UserId, filter, after, pageSize, ct).ConfigureAwait(false);
        return TypedResults.Ok(new PageResponse<CouponResponse>([.. page.Items.Select(CouponResponse.From)], Cursors.Format(page.NextAfter)));
    }

    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult>> GetCoupon(string id, HttpContext context, ICouponStore store, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var couponId))
        {
            return Problems.For(Outcome.CouponNotFound);
        }

        var result = await store.GetCouponAsync(couponId, Caller.From(context.User).OwnerFilter, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(CouponResponse.From(result.Coupon!)) : Problems.For(result.Outcome);
    }

    private static async Task<Results<Ok<RedemptionResponse>, ProblemHttpResult>> Lock(string id, HttpContext context, ICouponStore store, CancellationToken ct)
    {
        var (order, problem) = await ReadOrderAsync(context.Request, amountRequired: true).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.TryParse(id, out var couponId))
        {
            return Problems.For(Outcome.CouponNotFound);
        }

        var result = await store.LockAsync(couponId, Caller.From(context.User).OwnerFilter, order!.OrderId!, order.OrderAmount!.Value, ct).ConfigureAwait(false);
        return ToResult(result);
    }

    private static async Task<Results<Ok<RedemptionResponse>, ProblemHttpResult>> Redeem(string id, HttpContext context, ICouponStore store, CancellationToken ct)
    {
        var (order, problem) = await ReadOrderAsync(context.Request, amountRequired: false).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.TryParse(id, out var couponId))
        {
            return Problems.For(Outcome.CouponNotFound);
        }

        var result = await store.RedeemAsync(couponId, Caller.From(context.User).OwnerFilter, order!.OrderId!, order.OrderAmount, ct).ConfigureAwait(false);
        return ToResult(result);
    }

    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult>> Release(string id, HttpContext context, ICouponStore store, CancellationToken ct)
    {
        var (order, problem) = await ReadOrderAsync(context.Request, amountRequired: false, amountAllowed: false).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.TryParse(id, out var couponId))
        {
            return Problems.For(Outcome.CouponNotFound);
        }

        var result = await store.ReleaseAsync(couponId, Caller.From(context.User).OwnerFilter, order!.OrderId!, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(CouponResponse.From(result.Coupon!)) : Problems.For(result.Outcome);
    }

    private static async Task<Results<Ok<CouponResponse>, ProblemHttpResult>> Refund(string id, HttpContext context, ICouponStore store, CancellationToken ct)
    {
        var (order, problem) = await ReadOrderAsync(context.Request, amountRequired: false, amountAllowed: false).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (!Ids.TryParse(id, out var couponId))
        {
            return Problems.For(Outcome.CouponNotFound);
        }

        var result = await store.RefundAsync(couponId, Caller.From(context.User).OwnerFilter, order!.OrderId!, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(CouponResponse.From(result.Coupon!)) : Problems.For(result.Outcome);
    }

    private static Results<Ok<RedemptionResponse>, ProblemHttpResult> ToResult(Redemption result) =>
        result.Outcome.IsSuccess()
            ? TypedResults.Ok(new RedemptionResponse(CouponResponse.From(result.Coupon!), result.Quote.Discount, result.Quote.Payable))
            : Problems.For(result.Outcome);

    private static async Task<(OrderRequest? Order, ProblemHttpResult? Problem)> ReadOrderAsync(HttpRequest request, bool amountRequired, bool amountAllowed = true)
    {
        var (body, problem) = await JsonBody.ReadAsync<OrderRequest>(request).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(body!.OrderId) || body.OrderId.Length > StoreLimits.MaxOrderIdLength)
        {
            errors["orderId"] = $"must be 1 to {StoreLimits.MaxOrderIdLength} characters";
        }

        if (!amountAllowed && body.OrderAmount is not null)
        {
            errors["orderAmount"] = "is not taken here";
        }
        else if (body.OrderAmount is { } amount ? !Money.IsValidAmount(amount) : amountRequired)
        {
            errors["orderAmount"] = $"must be a whole number of minor units between 0 and {Money.MaxAmount}";
        }

        return errors.Count > 0 ? (null, Problems.Validation(errors)) : (body, null);
    }
}
