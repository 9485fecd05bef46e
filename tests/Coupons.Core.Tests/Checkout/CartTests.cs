using Coupons.Core.Checkout;

namespace Coupons.Core.Tests.Checkout;

public sealed class CartTests
{
    [Fact]
    public void Items_give_the_order_amount_and_are_kept_in_a_canonical_order()
    {
        OrderItem[] items = [new("sku-b", "shoes", 2, 1_500), new("sku-a", null, 1, 999), new("sku-b", "hats", 1, 100)];

        var errors = Cart.Create(items, null, 450, out var cart);

        Assert.Empty(errors);
        Assert.Equal(3 * 1_000 + 999 + 100, cart!.ItemsAmount);
        Assert.Equal(450, cart.ShippingAmount);
        Assert.Equal(["sku-a", "sku-b", "sku-b"], cart.Items.Select(item => item.Sku));
        Assert.Equal(["hats", "shoes"], cart.Items.Skip(1).Select(item => item.Category));

        Cart.Create([.. items.Reverse()], null, 450, out var reversed);
        Assert.Equal(cart.Items, reversed!.Items);
    }

    [Fact]
    public void An_order_amount_alone_is_a_cart_of_one_line_without_items()
    {
        Assert.Empty(Cart.Create(null, 2_000, null, out var cart));
        Assert.Empty(cart!.Items);
        Assert.Equal((2_000L, 0L), (cart.ItemsAmount, cart.ShippingAmount));
    }

    [Fact]
    public void Items_and_an_order_amount_together_must_agree()
    {
        OrderItem[] items = [new("a", null, 2, 500)];
        Assert.Empty(Cart.Create(items, 1_000, null, out _));
        Assert.Equal("must equal the items' total (1000), or be left out", Cart.Create(items, 1_001, null, out var cart)["orderAmount"]);
        Assert.Null(cart);
    }

    [Theory]
    [InlineData(0, 100, "items[0].quantity")]
    [InlineData(Cart.MaxQuantity + 1, 100, "items[0].quantity")]
    [InlineData(1, -1, "items[0].unitPrice")]
    [InlineData(1, Money.MaxAmount + 1, "items[0].unitPrice")]
    [InlineData(2, Money.MaxAmount, "items[0]")]
    public void A_bad_quantity_price_or_line_total_is_named_by_its_field(int quantity, long unitPrice, string field)
    {
        var errors = Cart.Create([new OrderItem("a", null, quantity, unitPrice)], null, null, out var cart);
        Assert.Contains(field, errors.Keys);
        Assert.Null(cart);
    }

    [Fact]
    public void Totals_past_the_money_limit_are_refused_without_overflowing()
    {
        var half = Money.MaxAmount / 2 + 1;
        var errors = Cart.Create([new OrderItem("a", null, 1, half), new OrderItem("b", null, 1, half)], null, null, out _);
        Assert.Equal($"the items' total must be at most {Money.MaxAmount}", errors["items"]);

        var many = Enumerable.Range(0, Cart.MaxItems).Select(i => new OrderItem($"s{i}", null, Cart.MaxQuantity, Money.MaxAmount / Cart.MaxQuantity)).ToList();
        Assert.Contains("items", Cart.Create(many, null, null, out _).Keys);
    }

    [Theory]
    [InlineData("", "items[0].sku")]
    [InlineData("a\u0000b", "items[0].sku")]
    [InlineData(null, "items[0].sku")]
    public void A_missing_empty_or_control_character_sku_is_400_material(string? sku, string field) =>
        Assert.Contains(field, Cart.Create([new OrderItem(sku!, null, 1, 1)], null, null, out _).Keys);

    [Fact]
    public void Nothing_given_too_many_items_or_a_bad_shipping_amount_are_refused()
    {
        Assert.Equal("give orderAmount or items", Cart.Create(null, null, null, out _)["orderAmount"]);
        Assert.Contains("items", Cart.Create([], null, null, out _).Keys);
        Assert.Contains("items", Cart.Create([.. Enumerable.Range(0, Cart.MaxItems + 1).Select(i => new OrderItem($"s{i}", null, 1, 1))], null, null, out _).Keys);
        Assert.Contains("shippingAmount", Cart.Create(null, 100, -1, out _).Keys);
        Assert.Contains("category", string.Join(",", Cart.Create([new OrderItem("a", new string('c', 65), 1, 1)], null, null, out _).Keys));
    }
}
