using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Redis.Tests;

/// <summary>A cancelled call sends no change: it throws before its script, and the state is as it was.</summary>
[Collection(RedisCollection.Name)]
public sealed class CancellationTests(RedisServer server) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 15, 0, 0, 0, TimeSpan.Zero));
    private RedisCouponStore _store = null!;

    public async Task InitializeAsync() =>
        _store = await RedisCouponStore.ConnectAsync(
            new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = server.Configuration, KeyPrefix = "x" + Guid.NewGuid().ToString("N")[..12] + ":" }, _time, TestCodes.Own);

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_cancelled_call_changes_nothing()
    {
        var definition = new CampaignDefinition { Name = "Cancelled", Discount = Discount.AmountOffOf(500), Validity = Validity.Relative(30) };
        var campaign = await _store.CreateCampaignAsync(definition, 5);
        var coupon = (await _store.ClaimAsync(campaign.Id, "alice", null)).Coupon!;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.ClaimAsync(campaign.Id, "bob", null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.LockAsync(coupon.Id, "alice", "order-1", 2_000, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.AddStockAsync(campaign.Id, 5, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.CreateCampaignAsync(definition, 5, token).AsTask());

        var after = (await _store.GetCampaignAsync(campaign.Id))!;
        Assert.Equal((CampaignStatus.Active, 5L, 1L), (after.Status, after.TotalStock, after.Issued));
        Assert.Equal(CouponStatus.Unused, (await _store.GetCouponAsync(coupon.Id, null)).Coupon!.Status);
        Assert.Single((await _store.ListCampaignsAsync(CampaignFilter.All, null, 10)).Items);
        Assert.Empty((await _store.ListUserCouponsAsync("bob", null, null, 10)).Items);
    }
}
