using Coupons.Core.Checkout;
using static Coupons.Core.Tests.Checkout.CheckoutRulesTests;

namespace Coupons.Core.Tests.Checkout;

/// <summary>
/// The best combination against a brute-force reference: every subset of up to five coupons priced
/// by a second, naive implementation of the rules written from DESIGN.md (items matched one by one,
/// discounts spread item by item), then the winner picked by the stated order (largest discount,
/// fewer coupons, earliest validTo). Random carts and coupons from a fixed seed, so a failure repeats.
/// </summary>
public sealed class BestCombinationTests
{
    private const int Seed = 20261130;
    private const int Runs = 400;

    private static readonly string[] Skus = ["a", "b", "c", "d"];
    private static readonly string[] Categories = ["x", "y"];

    [Fact]
    public void The_search_finds_what_trying_every_subset_finds()
    {
        var random = new Random(Seed);
        for (var run = 0; run < Runs; run++)
        {
            var cart = RandomCart(random);
            var offers = Enumerable.Range(0, random.Next(1, 9)).Select(_ => RandomOffer(random)).ToList();
            // Some coupons of one campaign: equal terms, their own validTo.
            if (random.Next(3) == 0)
            {
                offers.Add(offers[0] with { CouponId = Guid.NewGuid(), ValidToMs = random.Next(1, 5) });
            }

            var choice = BestCombination.Find(cart, offers);
            var expected = BruteForce(cart, offers);
            var context = $"run {run}: {Describe(cart, offers)}";
            Assert.True(expected.Discount == choice.Price.Discount, $"{context}: discount {choice.Price.Discount}, brute force {expected.Discount}");
            Assert.True(expected.Count == choice.Offers.Count, $"{context}: {choice.Offers.Count} coupons, brute force {expected.Count}");
            Assert.True(expected.Earliest == Earliest(choice.Offers), $"{context}: earliest validTo {Earliest(choice.Offers)}, brute force {expected.Earliest}");
            AssertPriceHolds(cart, choice);
        }
    }

    [Fact]
    public void On_a_tie_fewer_coupons_win_then_the_earliest_valid_to()
    {
        var cart = Cart.OfAmount(10_000);
        var stackable = Terms(Discount.AmountOffOf(500), stacking: Stacking.Stackable);
        var two = new[] { Offer(stackable, validToMs: 5), Offer(stackable, validToMs: 6) };
        var single = Offer(Terms(Discount.AmountOffOf(1_000)), validToMs: 9);
        Assert.Equal([single], BestCombination.Find(cart, [.. two, single]).Offers);

        var early = Offer(Terms(Discount.AmountOffOf(1_000)), validToMs: 3);
        Assert.Equal([early], BestCombination.Find(cart, [.. two, single, early]).Offers);
    }

    [Fact]
    public void Of_two_hundred_coupons_of_equal_terms_the_five_lapsing_first_are_chosen()
    {
        var cart = Cart.OfAmount(100_000);
        var terms = Terms(Discount.PercentOffOf(10), stacking: Stacking.Stackable);
        var offers = Enumerable.Range(0, 200).Select(i => Offer(terms, validToMs: 1_000 - i)).ToList();

        var choice = BestCombination.Find(cart, offers);

        Assert.Equal([801L, 802, 803, 804, 805], choice.Offers.Select(offer => offer.ValidToMs).Order());
        Assert.Equal(100_000 - 59_049, choice.Price.Discount);
    }

    [Fact]
    public void No_usable_coupon_is_an_empty_choice_at_the_full_price()
    {
        var cart = CartOf([new OrderItem("a", null, 1, 700)], shipping: 300);
        var choice = BestCombination.Find(cart, [Offer(Terms(Discount.AmountOffOf(10), minOrderAmount: 701)), Offer(Terms(Discount.FreeShippingOf(), scope: ScopeOf(skus: ["b"])))]);
        Assert.Empty(choice.Offers);
        Assert.Equal((0L, 1_000L), (choice.Price.Discount, choice.Price.Payable));
    }

    private static void AssertPriceHolds(Cart cart, Choice choice)
    {
        Assert.Equal(choice.Price.Discount, choice.Price.Lines.Sum(line => line.Discount));
        Assert.Equal(cart.ItemsAmount + cart.ShippingAmount - choice.Price.Discount, choice.Price.Payable);
        Assert.True(choice.Price.Payable >= 0);
        Assert.All(choice.Price.Lines, line => Assert.True(line.Discount >= 0));
        if (choice.Offers.Count > 0)
        {
            var (outcome, price) = CheckoutRules.Price(cart, choice.Offers);
            Assert.Equal((Outcome.Ok, choice.Price.Discount, choice.Price.Payable), (outcome, price!.Discount, price.Payable));
            Assert.Equal(choice.Price.Lines, price.Lines);
        }
    }

    private static (long Discount, int Count, long Earliest) BruteForce(Cart cart, List<Offer> offers)
    {
        var best = (Discount: 0L, Count: 0, Earliest: long.MaxValue);
        for (var mask = 1; mask < 1 << offers.Count; mask++)
        {
            var subset = offers.Where((_, i) => (mask & (1 << i)) != 0).ToList();
            if (subset.Count > CheckoutRules.MaxCoupons || !Combinable(subset) || !subset.All(offer => NaiveApplies(cart, offer.Terms)))
            {
                continue;
            }

            var discount = NaiveDiscount(cart, subset);
            var earliest = Earliest(subset);
            if (discount > best.Discount || (discount == best.Discount && discount > 0 && (subset.Count < best.Count || (subset.Count == best.Count && earliest < best.Earliest))))
            {
                best = (discount, subset.Count, earliest);
            }
        }

        return best;
    }

    private static bool Combinable(List<Offer> subset) =>
        subset.Count == 1 || (subset.All(offer => offer.Terms.Stacking == Stacking.Stackable) && subset.Select(offer => offer.CampaignId).Distinct().Count() == subset.Count);

    private static bool InScope(OrderItem item, CheckoutTerms terms) =>
        terms.Scope is null || terms.Scope.Skus.Contains(item.Sku) || (item.Category is not null && terms.Scope.Categories.Contains(item.Category));

    private static bool NaiveApplies(Cart cart, CheckoutTerms terms)
    {
        var items = cart.Items.Count == 0 ? (terms.Scope is null ? [cart.ItemsAmount] : []) : cart.Items.Where(item => InScope(item, terms)).Select(item => item.Amount).ToList();
        return items.Count > 0 && items.Sum() >= terms.MinOrderAmount && (terms.Discount.Kind != DiscountKind.Threshold || items.Sum() >= terms.Discount.Threshold);
    }

    /// <summary>The rules as DESIGN.md words them, with nothing shared with the code under test but the cart's item order.</summary>
    private static long NaiveDiscount(Cart cart, List<Offer> subset)
    {
        var left = cart.Items.Count == 0 ? [cart.ItemsAmount] : cart.Items.Select(item => item.Amount).ToArray();
        var shipping = cart.ShippingAmount;
        var total = 0L;
        foreach (var offer in subset.OrderBy(offer => offer.Terms, Comparer<CheckoutTerms>.Create(CheckoutTerms.CompareForApplication)))
        {
            var discount = offer.Terms.Discount;
            if (discount.Kind == DiscountKind.FreeShipping)
            {
                var off = Math.Min(shipping, discount.MaxDiscount ?? long.MaxValue);
                (shipping, total) = (shipping - off, total + off);
                continue;
            }

            var mine = Enumerable.Range(0, left.Length).Where(i => cart.Items.Count == 0 ? offer.Terms.Scope is null : InScope(cart.Items[i], offer.Terms)).ToList();
            var available = mine.Sum(i => left[i]);
            var take = discount.Kind == DiscountKind.PercentOff
                ? Math.Min((long)Math.Floor(available * (decimal)discount.PercentOff / 100), discount.MaxDiscount ?? long.MaxValue)
                : Math.Min(discount.AmountOff, available);
            total += take;
            foreach (var i in mine)
            {
                var part = Math.Min(take, left[i]);
                (left[i], take) = (left[i] - part, take - part);
            }
        }

        return total;
    }

    private static long Earliest(IEnumerable<Offer> offers) => offers.Select(offer => offer.ValidToMs).DefaultIfEmpty(long.MaxValue).Min();

    private static Cart RandomCart(Random random)
    {
        if (random.Next(6) == 0)
        {
            return Cart.OfAmount(random.Next(0, 5_000), random.Next(3) == 0 ? 0 : random.Next(1, 800));
        }

        var items = Enumerable.Range(0, random.Next(1, 6))
            .Select(_ => new OrderItem(Skus[random.Next(Skus.Length)], random.Next(4) == 0 ? null : Categories[random.Next(Categories.Length)], random.Next(1, 4), random.Next(0, 3_000)))
            .ToList();
        return CartOf(items, random.Next(3) == 0 ? 0 : random.Next(1, 800));
    }

    private static Offer RandomOffer(Random random)
    {
        var discount = random.Next(5) switch
        {
            0 => Discount.AmountOffOf(random.Next(1, 3_000)),
            1 => Discount.ThresholdOf(random.Next(0, 6_000), random.Next(1, 2_000)),
            2 => Discount.PercentOffOf(random.Next(1, 101), random.Next(2) == 0 ? null : random.Next(1, 2_000)),
            3 => Discount.PercentOffOf(new[] { 5, 10, 20 }[random.Next(3)]),
            _ => Discount.FreeShippingOf(random.Next(2) == 0 ? null : random.Next(1, 500)),
        };
        string[] skus = [.. Skus.Where(_ => random.Next(3) == 0)];
        string[] categories = [.. Categories.Where(_ => random.Next(3) == 0)];
        // A scope may also name what no cart holds ("z"): out of scope when it names nothing else.
        var scope = random.Next(2) == 0 ? null : ScopeOf(skus, skus.Length + categories.Length == 0 || random.Next(4) == 0 ? [.. categories, "z"] : categories);
        var terms = Terms(discount, random.Next(3) == 0 ? random.Next(0, 4_000) : 0, scope, random.Next(4) == 0 ? Stacking.Exclusive : Stacking.Stackable);
        return Offer(terms, validToMs: random.Next(1, 5));
    }

    private static string Describe(Cart cart, List<Offer> offers) =>
        $"items [{string.Join(", ", cart.Items.Select(item => $"{item.Sku}/{item.Category} {item.Quantity}×{item.UnitPrice}"))}] amount {cart.ItemsAmount} shipping {cart.ShippingAmount}; offers [" +
        string.Join(", ", offers.Select(offer => $"{offer.Terms.Discount.Kind} {offer.Terms.Discount.AmountOff}/{offer.Terms.Discount.PercentOff}%/{offer.Terms.Discount.MaxDiscount}/{offer.Terms.Discount.Threshold} min {offer.Terms.MinOrderAmount} {offer.Terms.Stacking} scope {offer.Terms.Scope?.Key} to {offer.ValidToMs}")) + "]";
}
