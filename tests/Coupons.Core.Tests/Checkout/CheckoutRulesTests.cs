using Coupons.Core.Checkout;

namespace Coupons.Core.Tests.Checkout;

public sealed class CheckoutRulesTests
{
    private static readonly OrderItem Shoes = new("shoe-1", "shoes", 1, 8_000);
    private static readonly OrderItem Socks = new("sock-1", "socks", 4, 500);

    [Fact]
    public void A_scoped_discount_takes_from_its_items_only_and_its_minimum_is_their_subtotal()
    {
        var cart = CartOf([Shoes, Socks], shipping: 0);
        var socksOnly = Terms(Discount.PercentOffOf(50), scope: ScopeOf(categories: ["socks"]));
        Assert.Equal((Outcome.Ok, 1_000L), Assess(cart, socksOnly));

        var needsMoreSocks = socksOnly with { MinOrderAmount = 2_001 };
        Assert.Equal(Outcome.BelowMinimum, CheckoutRules.Check(cart, needsMoreSocks));
        Assert.Equal(Outcome.Ok, CheckoutRules.Check(cart, needsMoreSocks with { Scope = null }));

        var hats = Terms(Discount.AmountOffOf(100), scope: ScopeOf(skus: ["hat-1"], categories: ["hats"]));
        Assert.Equal(Outcome.OutOfScope, CheckoutRules.Check(cart, hats));
        Assert.Equal(Outcome.OutOfScope, CheckoutRules.Check(Cart.OfAmount(10_000), socksOnly));
    }

    [Fact]
    public void A_threshold_is_checked_against_the_subtotal_of_its_scope()
    {
        var cart = CartOf([Shoes, Socks], shipping: 0);
        var shoes = ScopeOf(categories: ["shoes"]);
        Assert.Equal(Outcome.Ok, CheckoutRules.Check(cart, Terms(Discount.ThresholdOf(8_000, 1_000), scope: shoes)));
        Assert.Equal(Outcome.BelowMinimum, CheckoutRules.Check(cart, Terms(Discount.ThresholdOf(8_001, 1_000), scope: shoes)));
    }

    [Fact]
    public void Amounts_come_first_then_percentages_on_what_is_left_then_free_shipping()
    {
        var cart = CartOf([Shoes, Socks], shipping: 700);
        var percent = Offer(Terms(Discount.PercentOffOf(10), stacking: Stacking.Stackable));
        var amount = Offer(Terms(Discount.AmountOffOf(1_000), stacking: Stacking.Stackable));
        var shipping = Offer(Terms(Discount.FreeShippingOf(500), stacking: Stacking.Stackable));

        var (outcome, price) = CheckoutRules.Price(cart, [shipping, percent, amount]);

        Assert.Equal(Outcome.Ok, outcome);
        Assert.Equal([new CouponLine(amount.CouponId, 1_000), new CouponLine(percent.CouponId, 900), new CouponLine(shipping.CouponId, 500)], price!.Lines);
        Assert.Equal((2_400L, 10_700L - 2_400L), (price.Discount, price.Payable));
    }

    [Fact]
    public void Percentages_round_down_and_respect_their_cap()
    {
        var cart = Cart.OfAmount(999);
        Assert.Equal((Outcome.Ok, 99L), Assess(cart, Terms(Discount.PercentOffOf(10))));
        Assert.Equal((Outcome.Ok, 50L), Assess(cart, Terms(Discount.PercentOffOf(10, maxDiscount: 50))));
    }

    [Fact]
    public void Nothing_goes_below_zero_and_free_shipping_without_shipping_takes_nothing()
    {
        var cart = CartOf([Socks], shipping: 0);
        var (_, price) = CheckoutRules.Price(cart, [Offer(Terms(Discount.AmountOffOf(5_000), stacking: Stacking.Stackable)), Offer(Terms(Discount.PercentOffOf(50), stacking: Stacking.Stackable)), Offer(Terms(Discount.FreeShippingOf(), stacking: Stacking.Stackable))]);
        Assert.Equal([2_000L, 0L, 0L], price!.Lines.Select(line => line.Discount));
        Assert.Equal((2_000L, 0L), (price.Discount, price.Payable));
    }

    [Fact]
    public void A_discount_is_spread_over_its_items_in_the_carts_order_so_a_later_scoped_percentage_sees_what_is_left()
    {
        // 1,000 off everything comes off the shoes first (shoe-1 sorts before sock-1), so half off
        // the socks still finds all 2,000 of them.
        var cart = CartOf([Socks, Shoes], shipping: 0);
        var everything = Offer(Terms(Discount.AmountOffOf(1_000), stacking: Stacking.Stackable));
        var socks = Offer(Terms(Discount.PercentOffOf(50), scope: ScopeOf(categories: ["socks"]), stacking: Stacking.Stackable));
        Assert.Equal(2_000L, CheckoutRules.Price(cart, [socks, everything]).Price!.Discount);
    }

    [Fact]
    public void Coupons_combine_only_when_all_are_stackable_of_different_campaigns_and_at_most_five()
    {
        var stackable = Terms(Discount.AmountOffOf(10), stacking: Stacking.Stackable);
        var a = Offer(stackable);
        var exclusive = Offer(Terms(Discount.AmountOffOf(10)));
        Assert.Equal(Outcome.Ok, CheckoutRules.CheckCombination([exclusive]));
        Assert.Equal(Outcome.NotCombinable, CheckoutRules.CheckCombination([a, exclusive]));
        Assert.Equal(Outcome.NotCombinable, CheckoutRules.CheckCombination([a, a]));
        Assert.Equal(Outcome.NotCombinable, CheckoutRules.CheckCombination([a, a with { CouponId = Guid.NewGuid() }]));
        Assert.Equal(Outcome.Ok, CheckoutRules.CheckCombination([.. Enumerable.Range(0, 5).Select(_ => Offer(stackable))]));
        Assert.Equal(Outcome.NotCombinable, CheckoutRules.CheckCombination([.. Enumerable.Range(0, 6).Select(_ => Offer(stackable))]));
        Assert.Equal(Outcome.NotCombinable, CheckoutRules.CheckCombination([]));
    }

    [Fact]
    public void A_price_names_a_coupons_own_refusal_before_the_combinations()
    {
        var cart = Cart.OfAmount(500);
        var belowMinimum = Offer(Terms(Discount.AmountOffOf(10), minOrderAmount: 1_000));
        var exclusive = Offer(Terms(Discount.AmountOffOf(10)));
        Assert.Equal((Outcome.BelowMinimum, null), CheckoutRules.Price(cart, [exclusive, belowMinimum]));
        Assert.Equal((Outcome.NotCombinable, null), CheckoutRules.Price(cart, [exclusive, exclusive with { CouponId = Guid.NewGuid(), CampaignId = Guid.NewGuid() }]));
    }

    [Fact]
    public void A_scope_needs_an_entry_and_names_bad_ones_and_equal_sets_are_equal_scopes()
    {
        Assert.Equal("give skus, categories or both", Scope.Create(null, [], out _)["scope"]);
        Assert.Contains("scope.skus[1]", Scope.Create(["a", ""], null, out _).Keys);
        Assert.Contains("scope", Scope.Create([.. Enumerable.Range(0, 101).Select(i => $"s{i}")], null, out _).Keys);
        Assert.Equal(ScopeOf(skus: ["b", "a", "a"]), ScopeOf(skus: ["a", "b"]));
        Assert.NotEqual(ScopeOf(skus: ["a"]), ScopeOf(categories: ["a"]));
    }

    internal static Cart CartOf(IReadOnlyList<OrderItem> items, long shipping)
    {
        Assert.Empty(Cart.Create(items, null, shipping, out var cart));
        return cart!;
    }

    internal static Scope ScopeOf(string[]? skus = null, string[]? categories = null)
    {
        Assert.Empty(Scope.Create(skus, categories, out var scope));
        return scope!;
    }

    internal static CheckoutTerms Terms(Discount discount, long minOrderAmount = 0, Scope? scope = null, Stacking stacking = Stacking.Exclusive) =>
        new(discount, minOrderAmount, scope, stacking);

    internal static Offer Offer(CheckoutTerms terms, long validToMs = 1_000) => new(Guid.NewGuid(), Guid.NewGuid(), validToMs, terms);

    private static (Outcome, long) Assess(Cart cart, CheckoutTerms terms) => CheckoutRules.Assess(cart, Offer(terms));
}
