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
}
