using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Core;
using Coupons.Core.Checkout;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Apis;

/// <summary>
/// Checkout (DESIGN.md, Checkout): the quote, which prices an order with the user's coupons and
/// changes nothing. The rules are Core's (<see cref="CheckoutRules"/>, <see cref="BestCombination"/>);
/// this reads the coupons and their campaigns' terms and answers.
/// </summary>
public static class CheckoutApi
{
    /// <summary>The most unused coupons of a user a quote weighs; beyond them the ones claimed first.</summary>
    public const int MaxCandidates = 1_000;

    private static readonly Refusals Quoting = new(Outcome.CouponNotFound, Outcome.NotCombinable);

    public static RouteGroupBuilder MapCheckoutApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/checkout", "Checkout");
        api.MapRoleGroup(AuthExtensions.OwnerOrService).MapPost("/quote", Quote).Refuses(Quoting).WithJsonBody<RouteHandlerBuilder, QuoteRequest>()
            .Answers(200, "The order priced; nothing changed.")
            .WithName("Quote").WithSummary("Price an order with coupons, or find the best of the user's coupons for it (end user for self; service with userId).")
            .WithDescription("Without couponIds, the combination of the user's usable coupons with the largest discount (ties: fewer coupons, then the one lapsing first); with them, that combination priced, or each candidate's reason (code) when one does not apply, or 409 not_combinable. Order of application: amounts and thresholds, then percentages on what is left, then free shipping. Changes nothing.");
        return api;
    }

    private static async Task<Results<Ok<QuoteResponse>, ProblemHttpResult>> Quote(HttpContext context, ICouponStore store, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<QuoteRequest>(context.Request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var (userId, cart, couponIds, errors) = Read(body!, Caller.Of(context));
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var coupons = couponIds is null ? await UnusedCouponsAsync(store, userId, ct).ConfigureAwait(false) : [];
        foreach (var id in couponIds ?? [])
        {
            var found = await store.GetCouponAsync(id, userId, ct).ConfigureAwait(false);
            if (found.Coupon is null)
            {
                return Quoting.Problem(Outcome.CouponNotFound);
            }

            coupons.Add(found.Coupon);
        }

        var weighed = await WeighAsync(store, cart!, coupons, time.GetUtcNow().ToUnixTimeMilliseconds(), ct).ConfigureAwait(false);
        if (couponIds is null)
        {
            return TypedResults.Ok(Answer(cart!, BestCombination.Find(cart!, [.. weighed.Where(c => c.Offer is not null && c.Outcome == Outcome.Ok).Select(c => c.Offer!)]), weighed));
        }

        if (weighed.Any(candidate => candidate.Outcome != Outcome.Ok))
        {
            return TypedResults.Ok(Answer(cart!, new Choice([], new CheckoutPrice([], 0, cart!.ItemsAmount + cart.ShippingAmount)), weighed));
        }

        var offers = weighed.Select(candidate => candidate.Offer!).ToList();
        var (outcome, price) = CheckoutRules.Price(cart!, offers);
        return outcome == Outcome.Ok
            ? TypedResults.Ok(Answer(cart!, new Choice([.. price!.Lines.Select(line => offers.First(offer => offer.CouponId == line.CouponId))], price), weighed))
            : Quoting.Problem(outcome);
    }

    /// <summary>The caller's user, the cart and the coupon ids of a quote, and what is wrong with them by field.</summary>
    private static (string UserId, Cart? Cart, List<Guid>? CouponIds, Dictionary<string, string> Errors) Read(QuoteRequest body, Caller caller)
    {
        var errors = new Dictionary<string, string>();
        var userId = caller.Role == CallerRole.User ? caller.UserId : body.UserId ?? string.Empty;
        if (caller.Role == CallerRole.User && body.UserId is { } other && other != caller.UserId)
        {
            errors["userId"] = "an end user quotes their own coupons: leave it out";
        }
        else if (caller.Role != CallerRole.User && string.IsNullOrEmpty(body.UserId))
        {
            errors["userId"] = "is required for the service";
        }

        var cart = ReadCart(body.Items, body.OrderAmount, body.ShippingAmount, errors);

        List<Guid>? couponIds = null;
        if (body.CouponIds is { } given)
        {
            couponIds = [];
            if (given.Count is < 1 or > CheckoutRules.MaxCoupons)
            {
                errors["couponIds"] = $"give 1 to {CheckoutRules.MaxCoupons} coupons, or leave it out to have the best chosen";
            }

            for (var i = 0; i < given.Count; i++)
            {
                if (Ids.TryParse(given[i], out var id))
                {
                    couponIds.Add(id);
                }
                else
                {
                    errors[$"couponIds[{i}]"] = "is not a coupon id";
                }
            }
        }

        return (userId, cart, couponIds, errors);
    }

    /// <summary>
    /// The cart of a body that prices an order (a quote, an order, a coupon's lock or redeem): its
    /// items (each checked) or its amount, and its shipping. Null when anything is wrong, the problems
    /// added to <paramref name="errors"/> by field; built only when nothing else was wrong before.
    /// </summary>
    internal static Cart? ReadCart(IReadOnlyList<OrderItemTerms>? items, long? orderAmount, long? shippingAmount, Dictionary<string, string> errors)
    {
        var read = items is null ? null : ReadItems(items, errors);
        if (errors.Count > 0)
        {
            return null;
        }

        var problems = Cart.Create(read, orderAmount, shippingAmount, out var cart);
        foreach (var (field, problem) in problems)
        {
            errors[field] = problem;
        }

        return errors.Count > 0 ? null : cart;
    }

    /// <summary>The items of a body, each with its sku, quantity and unit price, or an error by field.</summary>
    private static List<OrderItem> ReadItems(IReadOnlyList<OrderItemTerms> items, Dictionary<string, string> errors)
    {
        var read = new List<OrderItem>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { Sku: { } sku, Quantity: { } quantity, UnitPrice: { } unitPrice } item)
            {
                errors[$"items[{i}]"] = "needs sku, quantity and unitPrice";
                continue;
            }

            read.Add(new OrderItem(sku, item.Category, quantity, unitPrice));
        }

        return read;
    }

    /// <summary>The user's unused coupons, oldest first, at most <see cref="MaxCandidates"/>.</summary>
    private static async Task<List<Coupon>> UnusedCouponsAsync(ICouponStore store, string userId, CancellationToken ct)
    {
        var coupons = new List<Coupon>();
        Guid? after = null;
        do
        {
            var page = await store.ListUserCouponsAsync(userId, CouponStatus.Unused, after, Math.Min(200, MaxCandidates - coupons.Count), ct).ConfigureAwait(false);
            coupons.AddRange(page.Items);
            after = page.NextAfter;
        }
        while (after is not null && coupons.Count < MaxCandidates);

        return coupons;
    }

    /// <summary>Each coupon with its campaign's terms, and whether it can go on this order alone.</summary>
    private static async Task<List<Candidate>> WeighAsync(ICouponStore store, Cart cart, List<Coupon> coupons, long nowMs, CancellationToken ct)
    {
        var terms = new Dictionary<Guid, CheckoutTerms?>();
        var weighed = new List<Candidate>(coupons.Count);
        foreach (var coupon in coupons)
        {
            if (!terms.TryGetValue(coupon.CampaignId, out var campaignTerms))
            {
                terms[coupon.CampaignId] = campaignTerms = (await store.GetCampaignAsync(coupon.CampaignId, ct).ConfigureAwait(false))?.Definition.ToCheckoutTerms();
            }

            var state = campaignTerms is null ? Outcome.CouponNotFound : CouponRules.CheckNewOrder(coupon, nowMs);
            weighed.Add(new Candidate(coupon, campaignTerms is null ? null : new Offer(coupon.Id, coupon.CampaignId, coupon.ValidToMs, campaignTerms), state, 0));
        }

        // The usable ones weighed against the cart together, so that coupons of one campaign are weighed once.
        var assessed = CheckoutRules.Assess(cart, [.. weighed.Where(candidate => candidate.Outcome == Outcome.Ok).Select(candidate => candidate.Offer!)]);
        var next = 0;
        for (var i = 0; i < weighed.Count; i++)
        {
            if (weighed[i].Outcome == Outcome.Ok)
            {
                var (outcome, discount) = assessed[next++];
                weighed[i] = weighed[i] with { Outcome = outcome, Discount = outcome == Outcome.Ok ? discount : 0 };
            }
        }

        return weighed;
    }

    private static QuoteResponse Answer(Cart cart, Choice choice, List<Candidate> weighed) => new(
        [.. choice.Offers.Select(offer => Ids.Format(offer.CouponId))],
        cart.ItemsAmount,
        cart.ShippingAmount,
        choice.Price.Discount,
        choice.Price.Payable,
        [.. choice.Price.Lines.Select(line => new QuoteLine(Ids.Format(line.CouponId), line.Discount))],
        [.. weighed.Select(c => new QuoteCandidate(Ids.Format(c.Coupon.Id), Ids.Format(c.Coupon.CampaignId), c.Outcome == Outcome.Ok, c.Discount, c.Outcome == Outcome.Ok ? null : c.Outcome.ToCode()))]);

    private sealed record Candidate(Coupon Coupon, Offer? Offer, Outcome Outcome, long Discount);
}
