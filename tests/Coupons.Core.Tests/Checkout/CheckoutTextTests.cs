using Coupons.Core.Checkout;

namespace Coupons.Core.Tests.Checkout;

public sealed class CheckoutTextTests
{
    [Fact]
    public void The_defaults_are_no_text_and_no_text_reads_as_the_defaults()
    {
        Assert.Null(CheckoutText.Write(null, Stacking.Exclusive));
        Assert.Equal(((Scope?)null, Stacking.Exclusive), CheckoutText.Read(null));
    }

    [Fact]
    public void Scope_and_stacking_round_trip_each_alone_and_together()
    {
        var scope = CheckoutRulesTests.ScopeOf(skus: ["sku-é", "a\"b"], categories: ["shoes"]);
        Assert.Equal((scope, Stacking.Stackable), CheckoutText.Read(CheckoutText.Write(scope, Stacking.Stackable)));
        Assert.Equal((scope, Stacking.Exclusive), CheckoutText.Read(CheckoutText.Write(scope, Stacking.Exclusive)));
        Assert.Equal(((Scope?)null, Stacking.Stackable), CheckoutText.Read(CheckoutText.Write(null, Stacking.Stackable)));
        Assert.Equal("""{"stacking":"stackable"}""", CheckoutText.Write(null, Stacking.Stackable));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"skus":[""]}""")]
    public void Text_it_did_not_write_is_a_format_error(string text) =>
        Assert.Throws<FormatException>(() => CheckoutText.Read(text));
}
