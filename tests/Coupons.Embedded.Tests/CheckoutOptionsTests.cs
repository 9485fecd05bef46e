using Coupons.Core;
using Coupons.Core.Checkout;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded.Tests;

/// <summary>A campaign's checkout options (scope, stacking, free shipping) are written with it and read back after a restart, also from a database made before they existed.</summary>
public sealed class CheckoutOptionsTests
{
    [Fact]
    public async Task Scope_stacking_and_free_shipping_survive_reopening()
    {
        using var test = TestStore.Create();
        Assert.Empty(Scope.Create(["sku-1", "sku-2"], ["shoes"], out var scope));
        var options = Terms.AmountOff(name: "Ship free") with { Discount = Discount.FreeShippingOf(700), Scope = scope, Stacking = Stacking.Stackable };
        var created = await test.Store.CreateCampaignAsync(options, 10);
        var plain = await test.Store.CreateCampaignAsync(Terms.AmountOff(name: "Plain"), 10);

        test.Reopen();

        var read = await test.Store.GetCampaignAsync(created.Id);
        Assert.Equal(created, read);
        Assert.Equal((scope, Stacking.Stackable, DiscountKind.FreeShipping), (read!.Definition.Scope, read.Definition.Stacking, read.Definition.Discount.Kind));
        Assert.Equal(((Scope?)null, Stacking.Exclusive), ((await test.Store.GetCampaignAsync(plain.Id))!.Definition.Scope, plain.Definition.Stacking));
    }

    [Fact]
    public async Task A_database_from_before_the_options_opens_with_the_defaults_and_keeps_new_ones()
    {
        using var test = TestStore.Create();
        var old = await test.Store.CreateCampaignAsync(Terms.AmountOff(name: "Old"), 10);
        test.Close();
        using (var connection = new SqliteConnection($"Data Source={test.Options(null).DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var downgrade = connection.CreateCommand();
            downgrade.CommandText = "ALTER TABLE campaigns DROP COLUMN checkout; UPDATE schema_version SET version = 3;";
            downgrade.ExecuteNonQuery();
        }

        test.Reopen();
        Assert.Equal(old, await test.Store.GetCampaignAsync(old.Id));
        var stackable = await test.Store.CreateCampaignAsync(Terms.AmountOff(name: "New") with { Stacking = Stacking.Stackable }, 10);
        test.Reopen();
        Assert.Equal(Stacking.Stackable, (await test.Store.GetCampaignAsync(stackable.Id))!.Definition.Stacking);
    }
}
