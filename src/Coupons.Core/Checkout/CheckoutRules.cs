namespace Coupons.Core.Checkout;

/// <summary>One coupon's share of an order's discount.</summary>
public readonly record struct CouponLine(Guid CouponId, long Discount);

/// <summary>
/// An order priced with some coupons: each coupon's line in the order they were taken, their sum
/// (<see cref="Discount"/>) and what is left to pay (never below 0).
/// </summary>
public sealed record CheckoutPrice(IReadOnlyList<CouponLine> Lines, long Discount, long Payable);

/// <summary>
/// The rules of pricing an order with coupons (DESIGN.md, Checkout), pure integer maths in minor units:
/// <list type="bullet">
/// <item>A coupon applies to the items in its scope (all of them without one). Its minimum order and
/// threshold are checked against those items' subtotal before any discount: none of them in the cart is
/// <c>out_of_scope</c>, too little is <c>below_minimum</c>. An order given by its amount alone is one
/// line that only an unscoped coupon covers.</item>
/// <item>Order of application: amount and threshold discounts, then percentages on what is left,
/// then free shipping; within each, larger amounts and percentages first (<see cref="CheckoutTerms.CompareForApplication"/>),
/// so the order depends on the terms alone.</item>
/// <item>An amount takes <c>min(amount, what is left of its items)</c>. A percentage takes
/// <c>⌊what is left of its items × percent / 100⌋</c>, capped: rounded down, so by less than one minor
/// unit in the shopper's disfavour. Free shipping takes what is left of the shipping, capped.</item>
/// <item>What a coupon takes comes off its items in the cart's canonical order, each down to 0 before
/// the next, so no item and no order goes below 0 and the lines add up to the discount exactly.</item>
/// <item>Several coupons go on one order only when all are stackable, of different campaigns, and at
/// most <see cref="MaxCoupons"/>; otherwise <c>not_combinable</c>.</item>
/// </list>
/// </summary>
public static class CheckoutRules
{
    public const int MaxCoupons = 5;

    /// <summary>Whether <paramref name="terms"/> apply to <paramref name="cart"/> alone: ok, out_of_scope or below_minimum.</summary>
    public static Outcome Check(Cart cart, CheckoutTerms terms) => Assess(cart, new Offer(Guid.Empty, Guid.Empty, 0, terms)).Outcome;

    /// <summary>What <paramref name="offer"/> would take off <paramref name="cart"/> on its own, and whether it applies at all.</summary>
    public static (Outcome Outcome, long Discount) Assess(Cart cart, Offer offer) => Assess(cart, [offer])[0];

    /// <summary>As <see cref="Assess(Cart, Offer)"/> for each of <paramref name="offers"/>, in their order (equal terms weighed once).</summary>
    public static (Outcome Outcome, long Discount)[] Assess(Cart cart, IReadOnlyList<Offer> offers) =>
        Array.ConvertAll(Prepare(cart, offers), offer => (offer.Alone, offer.AloneDiscount));

    /// <summary>Whether the coupons can go on one order together: ok or not_combinable (their own applicability aside).</summary>
    public static Outcome CheckCombination(IReadOnlyList<Offer> offers)
    {
        if (offers.Count is < 1 or > MaxCoupons)
        {
            return Outcome.NotCombinable;
        }

        if (offers.Count == 1)
        {
            return Outcome.Ok;
        }

        for (var i = 0; i < offers.Count; i++)
        {
            if (offers[i].Terms.Stacking != Stacking.Stackable)
            {
                return Outcome.NotCombinable;
            }

            for (var j = 0; j < i; j++)
            {
                if (offers[j].CampaignId == offers[i].CampaignId || offers[j].CouponId == offers[i].CouponId)
                {
                    return Outcome.NotCombinable;
                }
            }
        }

        return Outcome.Ok;
    }

    /// <summary>
    /// Prices <paramref name="cart"/> with <paramref name="offers"/>: the first refusal (each coupon's
    /// out_of_scope or below_minimum, then not_combinable) and no price, or ok and the price.
    /// </summary>
    public static (Outcome Outcome, CheckoutPrice? Price) Price(Cart cart, IReadOnlyList<Offer> offers)
    {
        var prepared = Prepare(cart, offers);
        foreach (var offer in prepared)
        {
            if (offer.Alone != Outcome.Ok)
            {
                return (offer.Alone, null);
            }
        }

        var combination = CheckCombination(offers);
        return combination != Outcome.Ok ? (combination, null) : (Outcome.Ok, Evaluate(cart, prepared));
    }

    /// <summary>Each offer made ready for one cart: its lines in scope, its applicability and discount alone, and its rank of application.</summary>
    internal static PreparedOffer[] Prepare(Cart cart, IReadOnlyList<Offer> offers)
    {
        var order = new int[offers.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => CheckoutTerms.CompareForApplication(offers[a].Terms, offers[b].Terms));
        var prepared = new PreparedOffer[offers.Count];
        var scratch = new long[cart.Lines.Length];
        var rank = 0;
        PreparedOffer? previous = null;
        for (var i = 0; i < order.Length; i++)
        {
            var offer = offers[order[i]];
            if (previous is not null && CheckoutTerms.CompareForApplication(previous.Offer.Terms, offer.Terms) == 0)
            {
                // Equal terms (coupons of one campaign, say) act alike: what one takes alone, all do.
                prepared[order[i]] = new PreparedOffer(offer, previous.Lines, rank, previous.Alone) { AloneDiscount = previous.AloneDiscount };
                continue;
            }

            rank += previous is null ? 0 : 1;
            prepared[order[i]] = previous = Prepare(cart, offer, rank, scratch);
        }

        return prepared;
    }

    /// <summary>Prices the offers together, taken in the order of their ranks; assumes each applies and they combine.</summary>
    internal static CheckoutPrice Evaluate(Cart cart, IReadOnlyList<PreparedOffer> offers)
    {
        var sorted = offers.ToArray();
        Array.Sort(sorted, static (a, b) => a.Rank.CompareTo(b.Rank));
        Span<long> left = stackalloc long[cart.Lines.Length];
        cart.Lines.CopyTo(left);
        var shipping = cart.ShippingAmount;
        var lines = new CouponLine[sorted.Length];
        var total = 0L;
        for (var i = 0; i < sorted.Length; i++)
        {
            var discount = Take(sorted[i], left, ref shipping);
            lines[i] = new CouponLine(sorted[i].Offer.CouponId, discount);
            total += discount;
        }

        return new CheckoutPrice(lines, total, cart.ItemsAmount + cart.ShippingAmount - total);
    }

    /// <summary>The discount of the offers together, allocating nothing: the search's inner loop.</summary>
    internal static long Total(Cart cart, ReadOnlySpan<PreparedOffer> byRank, Span<long> left)
    {
        cart.Lines.CopyTo(left);
        var shipping = cart.ShippingAmount;
        var total = 0L;
        foreach (var offer in byRank)
        {
            total += Take(offer, left, ref shipping);
        }

        return total;
    }

    /// <summary>What one offer takes from what is left of the items (<paramref name="left"/>) and the shipping, taken off them.</summary>
    private static long Take(PreparedOffer offer, Span<long> left, ref long shipping)
    {
        var discount = offer.Offer.Terms.Discount;
        if (discount.Kind == DiscountKind.FreeShipping)
        {
            var off = Math.Min(shipping, discount.MaxDiscount ?? long.MaxValue);
            shipping -= off;
            return off;
        }

        var available = 0L;
        foreach (var line in offer.Lines)
        {
            available += left[line];
        }

        // Sums of lines stay within Money.MaxAmount (10^15), so × 100 cannot overflow a long.
        var taken = discount.Kind == DiscountKind.PercentOff
            ? Math.Min(available * discount.PercentOff / 100, discount.MaxDiscount ?? long.MaxValue)
            : Math.Min(discount.AmountOff, available);
        var rest = taken;
        foreach (var line in offer.Lines)
        {
            if (rest == 0)
            {
                break;
            }

            var part = Math.Min(rest, left[line]);
            left[line] -= part;
            rest -= part;
        }

        return taken;
    }

    private static PreparedOffer Prepare(Cart cart, Offer offer, int rank, long[] scratch)
    {
        var terms = offer.Terms;
        var lines = cart.LinesIn(terms.Scope);
        var subtotal = 0L;
        foreach (var line in lines)
        {
            subtotal += cart.Lines[line];
        }

        var alone = lines.Length == 0 ? Outcome.OutOfScope
            : subtotal < terms.MinOrderAmount || (terms.Discount.Kind == DiscountKind.Threshold && subtotal < terms.Discount.Threshold) ? Outcome.BelowMinimum
            : Outcome.Ok;
        var prepared = new PreparedOffer(offer, lines, rank, alone);
        if (alone == Outcome.Ok)
        {
            var shipping = cart.ShippingAmount;
            cart.Lines.CopyTo(scratch, 0);
            prepared.AloneDiscount = Take(prepared, scratch, ref shipping);
        }

        return prepared;
    }
}

/// <summary>An offer made ready for one cart (<see cref="CheckoutRules.Prepare(Cart, IReadOnlyList{Offer})"/>).</summary>
internal sealed class PreparedOffer(Offer offer, int[] lines, int rank, Outcome alone)
{
    public Offer Offer { get; } = offer;

    /// <summary>The cart's lines in its scope, in the cart's order.</summary>
    public int[] Lines { get; } = lines;

    /// <summary>Its place in the order of application; equal only for equal terms.</summary>
    public int Rank { get; } = rank;

    /// <summary>Ok, out_of_scope or below_minimum.</summary>
    public Outcome Alone { get; } = alone;

    /// <summary>What it takes off the cart on its own: the most it can take in any combination.</summary>
    public long AloneDiscount { get; set; }
}
