using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;

namespace Coupons.Api.Tests.Client;

/// <summary>A campaign's checkout options through the .NET client: sent, kept and read back.</summary>
public sealed class ClientCheckoutOptionsTests(CouponsApiFactory factory) : ClientTestBase(factory), IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task Scope_stacking_and_free_shipping_go_out_and_come_back()
    {
        var admin = Admin;
        var created = await admin.CreateCampaignAsync(new NewCampaign("Shoe week " + Unique(), new FreeShippingDiscount(700), 10, Validity.ForDays(5))
        {
            Scope = new Scope(Skus: ["shoe-2", "shoe-1"], Categories: ["shoes"]),
            Stacking = "stackable",
        });

        var read = await admin.GetCampaignAsync(created.Id);

        foreach (var campaign in new[] { created, read })
        {
            Assert.Equal(new FreeShippingDiscount(700), campaign.Discount);
            Assert.Equal(["shoe-1", "shoe-2"], campaign.Scope!.Skus!);
            Assert.Equal(["shoes"], campaign.Scope.Categories!);
            Assert.Equal("stackable", campaign.Stacking);
        }

        var plain = await admin.CreateCampaignAsync(new NewCampaign("Plain " + Unique(), new AmountOffDiscount(100), 10, Validity.ForDays(5)));
        Assert.Equal(((Scope?)null, "exclusive"), (plain.Scope, plain.Stacking));
    }

    [Fact]
    public async Task A_quote_through_the_client_picks_prices_and_explains()
    {
        var admin = Admin;
        var userId = "quoter-" + Unique();
        var user = User(userId);
        var stackable = await admin.CreateCampaignAsync(new NewCampaign("Ten off " + Unique(), new AmountOffDiscount(1_000), 10, Validity.ForDays(5)) { Stacking = "stackable" });
        var shipping = await admin.CreateCampaignAsync(new NewCampaign("Ship " + Unique(), new FreeShippingDiscount(), 10, Validity.ForDays(5)) { Stacking = "stackable" });
        var hats = await admin.CreateCampaignAsync(new NewCampaign("Hats " + Unique(), new AmountOffDiscount(500), 10, Validity.ForDays(5)) { Scope = new Scope(Categories: ["hats"]) });
        var ten = (await user.ClaimAsync(stackable.Id)).Coupon.Id;
        var ship = (await user.ClaimAsync(shipping.Id)).Coupon.Id;
        var hat = (await user.ClaimAsync(hats.Id)).Coupon.Id;

        var quote = await user.QuoteAsync(new QuoteOrder([new OrderItem("shoe-1", "shoes", 2, 3_000)]) { ShippingAmount = 450 });

        Assert.Equal([ten, ship], quote.CouponIds);
        Assert.Equal((6_000L, 450L, 1_450L, 5_000L), (quote.OrderAmount, quote.ShippingAmount, quote.Discount, quote.Payable));
        Assert.Equal("out_of_scope", quote.Candidates.Single(c => c.CouponId == hat).Code);

        var forUser = await Service.QuoteAsync(new QuoteOrder(OrderAmount: 2_000) { UserId = userId, CouponIds = [ten] });
        Assert.Equal([new QuoteLine(ten, 1_000)], forUser.Lines);
    }
}
