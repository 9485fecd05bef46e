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

/// <summary>
/// Checkout orders (DESIGN.md, Checkout): an order's coupons locked, used, released and refunded as
/// one, idempotent per order. The rules are Core's (<see cref="OrderRules"/>); this reads the body,
/// asks the store (<see cref="IOrderStore"/>) and answers, naming the coupon a refusal is about.
/// </summary>
public static class OrdersApi
{
    private static readonly Refusals Locking = new(
        Outcome.CouponNotFound, Outcome.OrderMismatch, Outcome.CouponExpired, Outcome.CouponRevoked, Outcome.CouponNotYetValid,
        Outcome.AlreadyUsed, Outcome.LockedByOtherOrder, Outcome.OutOfScope, Outcome.BelowMinimum, Outcome.NotCombinable, Outcome.OrderBusy);

    private static readonly Refusals Redeeming = new(
        Outcome.OrderNotFound, Outcome.CouponNotFound, Outcome.OrderMismatch, Outcome.CouponExpired, Outcome.CouponRevoked, Outcome.CouponNotYetValid,
        Outcome.AlreadyUsed, Outcome.LockedByOtherOrder, Outcome.OrderAmountRequired, Outcome.OutOfScope, Outcome.BelowMinimum, Outcome.NotCombinable, Outcome.OrderBusy);

    private static readonly Refusals Releasing = new(Outcome.OrderNotFound, Outcome.AlreadyUsed, Outcome.OrderBusy);
    private static readonly Refusals Refunding = new(Outcome.OrderNotFound, Outcome.NotRedeemed, Outcome.AlreadyUsed, Outcome.OrderBusy);
    private static readonly Refusals Lookup = new(Outcome.OrderNotFound);

    public static RouteGroupBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/orders", "Orders");
        var order = api.MapGroup("/{orderId}");
        order.MapGet("/", Get).Refuses(Lookup)
            .Answers(200, "The order and its coupons as they are now.").WithName("GetOrder")
            .WithSummary("An order (its owner, the service or an admin; 404 for anyone else).")
            .WithDescription("What the order was priced at, the status its last operation left and each of its coupons as it is now.");

        var holders = order.MapRoleGroup(AuthExtensions.OwnerOrService);
        Map(holders, "/lock", OrderCommand.Lock, Locking).WithJsonBody<RouteHandlerBuilder, OrderBodyRequest>()
            .Answers(200, "Every coupon locked for the order, each with its line of the discount.").WithName("LockOrder")
            .WithSummary("Lock an order's coupons, all or none.")
            .WithDescription("Prices the order with its coupons (as the quote does) and locks every one for it, or none: the first coupon refused is named in the problem (couponId). All the locks lapse together, after the shortest lockTtlSeconds of their campaigns. Repeating the same lock changes nothing; the same order id with other coupons or another price is order_mismatch while the order holds its coupons.");
        Map(holders, "/redeem", OrderCommand.Redeem, Redeeming).WithOptionalJsonBody<RouteHandlerBuilder, OrderBodyRequest>()
            .Answers(200, "Every coupon used by the order.").WithName("RedeemOrder")
            .WithSummary("Use an order's coupons, all or none: confirm its locks, or lock and use in one step with the lock's body.")
            .WithDescription("Without couponIds (no body, or {}), confirms the order's locks at the price they were locked at (coupons whose lock lapsed are taken again, all or none). With the lock's body, locks and uses in one step. Repeating it answers the same.");
        Map(holders, "/release", OrderCommand.Release, Releasing).WithOptionalJsonBody<RouteHandlerBuilder, OrderBodyRequest>()
            .Answers(200, "The order's coupons let go.").WithName("ReleaseOrder")
            .WithSummary("Release every lock the order holds.")
            .WithDescription("The order gives back every coupon it still holds locked; a coupon whose lock lapsed and that another order took is no longer this order's and is left alone. Repeating it changes nothing; an order that used its coupons is refused (already_used).");
        Map(order.MapRoleGroup(AuthExtensions.ServiceOrAdmin), "/refund", OrderCommand.Refund, Refunding).WithOptionalJsonBody<RouteHandlerBuilder, OrderBodyRequest>()
            .Answers(200, "Every coupon of the order returned to its holder.").WithName("RefundOrder")
            .WithSummary("Return every coupon the order used (service or admin).")
            .WithDescription("Each coupon the order used becomes unused again (expired, if its validity has passed), all or none. Repeating it changes nothing.");
        return api;
    }

    private static RouteHandlerBuilder Map(RouteGroupBuilder group, string pattern, OrderCommand command, Refusals refusals)
    {
        var operation = pattern.TrimStart('/');
        return group.MapPost(pattern, async (string orderId, HttpContext context, IOrderStore store, CouponOwnCodes codes, BusinessMetrics metrics, CancellationToken ct) =>
        {
            var (answer, outcome) = await ChangeAsync(command, refusals, orderId, context, store, codes, ct).ConfigureAwait(false);
            if (outcome is { } answered)
            {
                metrics.OrderChanged(operation, answered);
            }

            return answer;
        }).Refuses(refusals);
    }

    /// <summary>The answer, and the store's outcome when the store was asked (null for a request refused before).</summary>
    private static async Task<(Results<Ok<OrderResponse>, ProblemHttpResult> Answer, Outcome? Outcome)> ChangeAsync(
        OrderCommand command, Refusals refusals, string orderId, HttpContext context, IOrderStore store, CouponOwnCodes codes, CancellationToken ct)
    {
        var (body, problem) = command == OrderCommand.Lock
            ? await JsonBody.ReadAsync<OrderBodyRequest>(context.Request).ConfigureAwait(false)
            : await JsonBody.ReadOptionalAsync(context.Request, new OrderBodyRequest()).ConfigureAwait(false);
        if (problem is not null)
        {
            return (problem, null);
        }

        var caller = Caller.Of(context);
        var errors = new Dictionary<string, string>();
        CheckOrderId(orderId, errors);
        var ownerId = OwnerOf(body!, caller, errors);
        var order = ReadBody(command, body!, errors);
        if (errors.Count > 0)
        {
            return (Problems.Validation(errors), null);
        }

        var result = await store.ChangeOrderAsync(command, orderId, ownerId, order, ct).ConfigureAwait(false);
        if (result.Outcome == Outcome.OrderBusy)
        {
            // Another node is in the middle of this order (or died there: its plan is taken back within Coupons:Redis:OrderPlanTimeout).
            context.Response.Headers.RetryAfter = "1";
        }

        Results<Ok<OrderResponse>, ProblemHttpResult> answer = result.Outcome.IsSuccess()
            ? TypedResults.Ok(Answer(result, codes))
            : refusals.Problem(result.Outcome, result.RefusedCouponId is { } refused ? Ids.Format(refused) : null);
        return (answer, result.Outcome);
    }

    private static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> Get(string orderId, HttpContext context, IOrderStore store, CouponOwnCodes codes, CancellationToken ct)
    {
        var errors = new Dictionary<string, string>();
        CheckOrderId(orderId, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var result = await store.GetOrderAsync(orderId, Caller.Of(context).OwnerFilter, ct).ConfigureAwait(false);
        return result.Outcome.IsSuccess() ? TypedResults.Ok(Answer(result, codes)) : Lookup.Problem(result.Outcome);
    }

    private static void CheckOrderId(string orderId, Dictionary<string, string> errors)
    {
        if (string.IsNullOrWhiteSpace(orderId) || orderId.Length > StoreLimits.MaxOrderIdLength)
        {
            errors["orderId"] = $"must be 1 to {StoreLimits.MaxOrderIdLength} characters, not only white space";
        }
    }

    /// <summary>Whose order it must be: an end user's own; the user the service names, or anyone's (null).</summary>
    private static string? OwnerOf(OrderBodyRequest body, Caller caller, Dictionary<string, string> errors)
    {
        if (caller.Role != CallerRole.User)
        {
            return body.UserId;
        }

        if (body.UserId is { } other && other != caller.UserId)
        {
            errors["userId"] = "an end user's orders are their own: leave it out";
        }

        return caller.UserId;
    }

    /// <summary>The coupons and cart of a lock or a redeem in one step; null for the operations that take none.</summary>
    private static OrderBody? ReadBody(OrderCommand command, OrderBodyRequest body, Dictionary<string, string> errors)
    {
        var given = body.CouponIds is not null || body.Items is not null || body.OrderAmount is not null || body.ShippingAmount is not null;
        if (command is OrderCommand.Release or OrderCommand.Refund || (command == OrderCommand.Redeem && !given))
        {
            if (given)
            {
                errors["couponIds"] = "a release or a refund acts on the order's coupons: give only userId, or nothing";
            }

            return null;
        }

        var couponIds = ReadCouponIds(body.CouponIds, errors);
        var cart = CheckoutApi.ReadCart(body.Items, body.OrderAmount, body.ShippingAmount, errors);
        return cart is null ? null : new OrderBody(couponIds, cart);
    }

    private static List<Guid> ReadCouponIds(IReadOnlyList<string>? given, Dictionary<string, string> errors)
    {
        var ids = new List<Guid>();
        if (given is not { Count: >= 1 and <= CheckoutRules.MaxCoupons })
        {
            errors["couponIds"] = $"give the order's coupons, 1 to {CheckoutRules.MaxCoupons}";
            return ids;
        }

        for (var i = 0; i < given.Count; i++)
        {
            if (!Ids.TryParse(given[i], out var id))
            {
                errors[$"couponIds[{i}]"] = "is not a coupon id";
            }
            else if (ids.Contains(id))
            {
                errors[$"couponIds[{i}]"] = "is given twice: each coupon once";
            }
            else
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private static OrderResponse Answer(OrderResult result, CouponOwnCodes codes)
    {
        var order = result.Order!;
        return new OrderResponse(
            order.Id,
            order.UserId,
            WireNames.Of(order.Status),
            order.ItemsAmount,
            order.ShippingAmount,
            order.Discount,
            order.Payable,
            [.. order.Lines.Select(line => new QuoteLine(Ids.Format(line.CouponId), line.Discount))],
            [.. result.Coupons.OrderBy(coupon => order.IndexOf(coupon.Id)).Select(coupon => CouponResponse.From(coupon, codes))]);
    }
}
