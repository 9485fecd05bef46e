using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;

namespace Coupons.Api.Tests.Client;

/// <summary>Checkout orders through the .NET client: locked, used, released and refunded as one, a refusal naming its coupon.</summary>
public sealed class ClientOrdersTests(CouponsApiFactory factory) : ClientTestBase(factory), IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task An_order_goes_through_its_life_and_a_refusal_names_the_coupon()
    {
        var admin = Admin;
        var userId = "shopper-" + Unique();
        var user = User(userId);
        var ten = await admin.CreateCampaignAsync(new NewCampaign("Ten off " + Unique(), new AmountOffDiscount(1_000), 10, Validity.ForDays(5)) { Stacking = "stackable" });
        var ship = await admin.CreateCampaignAsync(new NewCampaign("Ship " + Unique(), new FreeShippingDiscount(), 10, Validity.ForDays(5)) { Stacking = "stackable" });
        var tenOff = (await user.ClaimAsync(ten.Id)).Coupon.Id;
        var freeShipping = (await user.ClaimAsync(ship.Id)).Coupon.Id;
        var body = new OrderCoupons([freeShipping, tenOff], [new OrderItem("shoe-1", "shoes", 2, 3_000)]) { ShippingAmount = 450 };
        var orderId = "order-" + Unique();

        var locked = await user.LockOrderAsync(orderId, body);
        Assert.Equal(("locked", 1_450L, 5_000L), (locked.Status, locked.Discount, locked.Payable));
        Assert.Equal([new QuoteLine(tenOff, 1_000), new QuoteLine(freeShipping, 450)], locked.Lines);
        Assert.Equal([tenOff, freeShipping], locked.Coupons.Select(c => c.Id));

        var used = await user.RedeemOrderAsync(orderId);
        Assert.Equal("used", used.Status);
        Assert.Equal("used", (await Service.GetOrderAsync(orderId)).Status);

        var release = await user.TryReleaseOrderAsync(orderId);
        Assert.Equal(ProblemCode.AlreadyUsed, release.Problem!.Code);

        var refunded = await Service.RefundOrderAsync(orderId);
        Assert.Equal("refunded", refunded.Status);
        Assert.All(refunded.Coupons, c => Assert.Equal(CouponStatus.Unused, c.Status));

        await user.LockAsync(tenOff, "elsewhere", 5_000);
        var refused = await Service.TryLockOrderAsync("order-" + Unique(), body with { UserId = userId });
        Assert.Equal((ProblemCode.LockedByOtherOrder, (Guid?)tenOff), (refused.Problem!.Code, refused.Problem.CouponId));
        var missing = await Service.TryReleaseOrderAsync("order-" + Unique(), userId);
        Assert.Equal(ProblemCode.OrderNotFound, missing.Problem!.Code);
    }

    [Fact]
    public async Task A_single_coupon_is_locked_with_items_and_shipping_and_redeemed_at_that_price()
    {
        var userId = "single-" + Unique();
        var user = User(userId);
        var socks = await Admin.CreateCampaignAsync(new NewCampaign("Socks " + Unique(), new PercentOffDiscount(50), 10, Validity.ForDays(5)) { Scope = new Scope(Categories: ["socks"]) });
        var coupon = (await user.ClaimAsync(socks.Id)).Coupon.Id;
        var order = new CouponOrder([new OrderItem("shoe-1", "shoes", 1, 8_000), new OrderItem("sock-1", "socks", 4, 500)]) { ShippingAmount = 700 };

        var locked = await user.LockAsync(coupon, "order-" + userId, order);
        var used = await user.RedeemAsync(coupon, "order-" + userId);

        Assert.Equal((1_000L, 9_700L), (locked.Discount, locked.Payable));
        Assert.Equal((1_000L, 9_700L, CouponStatus.Used), (used.Discount, used.Payable, used.Coupon.Status));
        var elsewhere = (await user.ClaimAsync((await Admin.CreateCampaignAsync(new NewCampaign("Hats " + Unique(), new AmountOffDiscount(100), 10, Validity.ForDays(5)) { Scope = new Scope(Categories: ["hats"]) })).Id)).Coupon.Id;
        Assert.Equal(ProblemCode.OutOfScope, (await user.TryRedeemAsync(elsewhere, "order-2-" + userId, order)).Problem!.Code);
    }
}
