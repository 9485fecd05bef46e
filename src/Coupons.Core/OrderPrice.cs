using Coupons.Core.Checkout;

namespace Coupons.Core;

/// <summary>
/// An order as one coupon is priced for it: the items' total (<see cref="Amount"/>), the shipping,
/// and what the coupon takes off, or why it does not apply (<see cref="Outcome"/>: out_of_scope,
/// below_minimum). A lock or use keeps it, so a coupon answers for its order at the price it was
/// taken at, whatever the order looked like.
/// </summary>
public readonly record struct OrderPrice(long Amount, long Shipping, Outcome Outcome, long Discount)
{
    /// <summary>The discount and what is left to pay (<see cref="Amount"/> + <see cref="Shipping"/> − discount, never below 0).</summary>
    public DiscountQuote Quote => new(Outcome == Outcome.Ok, Discount, Amount + Shipping - Discount);

    /// <summary>
    /// An order given by its amount alone, the single-coupon routes' order: it has no items, so a
    /// scoped campaign's coupon is out_of_scope (as <see cref="CheckoutRules"/> says of such a cart);
    /// otherwise below_minimum, or ok with the discount. Allocates nothing.
    /// </summary>
    public static OrderPrice ForAmount(CampaignDefinition terms, long amount)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Scope is not null)
        {
            return new OrderPrice(amount, 0, Outcome.OutOfScope, 0);
        }

        var quote = terms.Discount.Quote(amount, terms.MinOrderAmount);
        return new OrderPrice(amount, 0, quote.Applicable ? Outcome.Ok : Outcome.BelowMinimum, quote.Discount);
    }

    /// <summary>A cart priced for one coupon of <paramref name="terms"/> alone (<see cref="CheckoutRules.Assess(Cart, Offer)"/>).</summary>
    public static OrderPrice ForCart(CampaignDefinition terms, Cart cart)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(cart);
        var (outcome, discount) = CheckoutRules.Assess(cart, new Offer(Guid.Empty, Guid.Empty, 0, terms.ToCheckoutTerms()));
        return new OrderPrice(cart.ItemsAmount, cart.ShippingAmount, outcome, outcome == Outcome.Ok ? discount : 0);
    }
}
