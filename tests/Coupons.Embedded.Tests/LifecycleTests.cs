using Coupons.Conformance;
using Coupons.Core;

namespace Coupons.Embedded.Tests;

/// <summary>Opening and closing the store, and what it does with requests outside that window.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task A_store_not_yet_open_is_not_ready_and_refuses_every_request()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(), 5);
        test.Close();

        var store = new EmbeddedCouponStore(test.Options(null), test.Time, TestCodes.Own);
        try
        {
            Assert.False(store.IsReady);
            await Assert.ThrowsAsync<StorageUnavailableException>(() => store.ClaimAsync(campaign.Id, "u", null).AsTask());
            await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetCampaignAsync(campaign.Id).AsTask());
            await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetStatsAsync(campaign.Id).AsTask());
            Assert.Throws<StorageUnavailableException>(() => store.Sweep());

            store.Open();
            Assert.True(store.IsReady);
            Assert.Equal(campaign, await store.GetCampaignAsync(campaign.Id));
            Assert.Throws<InvalidOperationException>(store.Open);
        }
        finally
        {
            store.Dispose();
        }
    }

    [Fact]
    public async Task A_disposed_store_is_not_ready_and_refuses_every_request()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(), 5);
        var coupon = (await test.Store.ClaimAsync(campaign.Id, "u", null)).Coupon!;
        var store = test.Store;
        test.Reopen();

        Assert.False(store.IsReady);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.ClaimAsync(campaign.Id, "v", null).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.RedeemAsync(coupon.Id, null, "order-A", 1_000).AsTask());
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetCouponAsync(coupon.Id, null).AsTask());

        // The open store on the same folder is unaffected.
        Assert.Equal(Outcome.Ok, (await test.Store.RedeemAsync(coupon.Id, null, "order-A", 1_000)).Outcome);
    }

    [Fact]
    public void A_store_never_opened_can_be_disposed()
    {
        using var test = TestStore.Create();
        using var store = new EmbeddedCouponStore(test.Options(o => o.DataDir = Path.Combine(test.Dir, "never")), test.Time, TestCodes.Own);
        Assert.False(store.IsReady);
    }

    [Fact]
    public void Disposing_a_store_twice_is_harmless()
    {
        using var test = TestStore.Create();
        test.Close();
        var store = new EmbeddedCouponStore(test.Options(null), test.Time, TestCodes.Own);
        store.Open();
        store.Dispose();
        store.Dispose();
        Assert.False(store.IsReady);
    }

    /// <summary>The options are checked when a host starts; a store made without a host must not lose its writer to an idle wait longer than a wait may be.</summary>
    [Fact]
    public async Task A_store_made_with_a_sweep_interval_past_what_a_wait_takes_still_commits()
    {
        using var test = TestStore.Create(o => o.SweepInterval = TimeSpan.FromDays(60));
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(), 5);
        // Give the writer time to go idle, into its longest wait.
        await Task.Delay(200);
        Assert.Equal(Outcome.Ok, (await test.Store.ClaimAsync(campaign.Id, "u", null)).Outcome);
        test.Reopen();
        Assert.Equal(1, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);
    }

    [Fact]
    public async Task Invalid_arguments_are_thrown_and_change_nothing()
    {
        using var test = TestStore.Create();
        var bad = Terms.AmountOff() with { PerUserLimit = 0 };
        await Assert.ThrowsAsync<ArgumentException>(() => test.Store.CreateCampaignAsync(bad, 5).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => test.Store.CreateCampaignAsync(Terms.AmountOff(), -1).AsTask());
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(), 5);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => test.Store.AddStockAsync(campaign.Id, 0).AsTask());
        // The stock cap is a refusal (an outcome), not an invalid argument: see StoreConformance.
        Assert.Equal(Outcome.StockCapExceeded, (await test.Store.AddStockAsync(campaign.Id, CampaignDefinition.MaxStock)).Outcome);
        var coupon = (await test.Store.ClaimAsync(campaign.Id, "u", null)).Coupon!;
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => test.Store.LockAsync(coupon.Id, null, "order-A", -1).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => test.Store.RedeemAsync(coupon.Id, null, "order-A", Money.MaxAmount + 1).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => test.Store.ListUserCouponsAsync("u", null, null, 0).AsTask());

        test.Reopen();
        var page = await test.Store.ListCampaignsAsync(CampaignFilter.All, null, 10);
        var only = Assert.Single(page.Items);
        Assert.Equal((5L, 1L), (only.TotalStock, only.Issued));
        Assert.Equal(CouponStatus.Unused, (await test.Store.GetCouponAsync(coupon.Id, null)).Coupon!.Status);
        Assert.Equal(Outcome.CampaignNotFound, (await test.Store.ClaimAsync(Guid.NewGuid(), "u", null)).Outcome);
        Assert.Null(await test.Store.GetStatsAsync(Guid.NewGuid()));
        Assert.Null(await test.Store.GetCampaignAsync(Guid.NewGuid()));
        Assert.Equal(Outcome.CampaignNotFound, (await test.Store.AddStockAsync(Guid.NewGuid(), 1)).Outcome);
        Assert.Equal(Outcome.CampaignNotFound, (await test.Store.ChangeCampaignStatusAsync(Guid.NewGuid(), CampaignCommand.Pause)).Outcome);
    }
}
