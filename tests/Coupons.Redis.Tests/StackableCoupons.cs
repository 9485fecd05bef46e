using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Redis.Tests;

/// <summary>What the order tests start from: a user's coupons of stackable campaigns (one each), and an order's body of them.</summary>
internal static class StackableCoupons
{
    /// <summary>One coupon for <paramref name="user"/> from each of <paramref name="count"/> new stackable campaigns (100, 200, … off).</summary>
    public static async Task<Coupon[]> ClaimAsync(RedisCouponStore store, string user, int count)
    {
        var coupons = new Coupon[count];
        for (var i = 0; i < count; i++)
        {
            var terms = new CampaignDefinition
            {
                Name = "Stackable",
                Discount = Discount.AmountOffOf(100 * (i + 1)),
                Validity = Validity.Relative(30),
                Stacking = Stacking.Stackable,
            };
            var campaign = await store.CreateCampaignAsync(terms, 10);
            coupons[i] = (await store.ClaimAsync(campaign.Id, user, null)).Coupon!;
        }

        return coupons;
    }

    /// <summary>A lock's body: these coupons for an order of 100.00.</summary>
    public static OrderBody Body(params Coupon[] coupons) => new([.. coupons.Select(c => c.Id)], Cart.OfAmount(10_000));
}
