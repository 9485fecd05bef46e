using Coupons.Core;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded.Tests;

/// <summary>
/// Cancellation: a token cancelled before a call is refused before anything changes; a wait for
/// durability cancelled later stops only the waiter, and the change it made is written all the same.
/// </summary>
public sealed class CancellationTests
{
    [Fact]
    public async Task A_token_cancelled_before_the_call_changes_nothing()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(), 5);
        var coupon = (await test.Store.ClaimAsync(campaign.Id, "u", null)).Coupon!;
        var cancelled = new CancellationToken(canceled: true);

        var calls = new List<Func<Task>>
        {
            () => test.Store.CreateCampaignAsync(Terms.AmountOff(name: "Never"), 5, cancelled).AsTask(),
            () => test.Store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause, cancelled).AsTask(),
            () => test.Store.AddStockAsync(campaign.Id, 3, cancelled).AsTask(),
            () => test.Store.ClaimAsync(campaign.Id, "v", null, cancelled).AsTask(),
            () => test.Store.ClaimAsync(campaign.Id, "u", null, cancelled).AsTask(), // would be limit_reached, and counted
            () => test.Store.LockAsync(coupon.Id, null, "order-A", 1_000, cancelled).AsTask(),
            () => test.Store.RedeemAsync(coupon.Id, null, "order-A", 1_000, cancelled).AsTask(),
            () => test.Store.ReleaseAsync(coupon.Id, null, "order-A", cancelled).AsTask(),
            () => test.Store.RefundAsync(coupon.Id, null, "order-A", cancelled).AsTask(),
            () => test.Store.AuditLog.AppendAsync("test.appended", "subject-x", null, null, cancelled).AsTask(),
            () => test.Store.GetCampaignAsync(campaign.Id, cancelled).AsTask(),
            () => test.Store.GetStatsAsync(campaign.Id, cancelled).AsTask(),
            () => test.Store.GetCouponAsync(coupon.Id, null, cancelled).AsTask(),
            () => test.Store.ListUserCouponsAsync("u", null, null, 10, cancelled).AsTask(),
            () => test.Store.ListCampaignsAsync(CampaignFilter.All, null, 10, cancelled).AsTask(),
            () => test.Store.AuditLog.QueryAsync(new AuditQuery(), cancelled).AsTask(),
        };
        foreach (var call in calls)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(call);
        }

        await AssertUnchangedAsync(test, campaign.Id, coupon.Id);
        test.Reopen();
        await AssertUnchangedAsync(test, campaign.Id, coupon.Id);
    }

    [Fact]
    public async Task A_cancelled_wait_stops_only_the_waiter_and_the_change_stays_durable()
    {
        using var test = TestStore.Create();
        var campaign = await test.Store.CreateCampaignAsync(Terms.AmountOff(), 5);
        using var cancellation = new CancellationTokenSource();
        Task<CouponResult> claim;
        using (var writeLock = HoldWriteLock(test))
        {
            // The writer cannot commit while another connection holds the write lock: the claim waits.
            claim = test.Store.ClaimAsync(campaign.Id, "u", null, cancellation.Token).AsTask();
            Assert.False(claim.IsCompleted, "the claim should wait for the blocked writer");
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => claim);
            Execute(writeLock, "ROLLBACK;");
        }

        // The change stood: it is seen, counted and, once the writer goes on, durable.
        Assert.Equal(1, (await test.Store.GetStatsAsync(campaign.Id))!.Issued);
        var claimed = Assert.Single((await test.Store.ListUserCouponsAsync("u", null, null, 10)).Items);
        test.Reopen();
        Assert.Equal(claimed, (await test.Store.GetCouponAsync(claimed.Id, "u")).Coupon);
        Assert.Equal(Outcome.LimitReached, (await test.Store.ClaimAsync(campaign.Id, "u", null)).Outcome);
    }

    private static async Task AssertUnchangedAsync(TestStore test, Guid campaignId, Guid couponId)
    {
        var campaign = Assert.Single((await test.Store.ListCampaignsAsync(CampaignFilter.All, null, 10)).Items);
        Assert.Equal((campaignId, CampaignStatus.Active, 5L, 1L), (campaign.Id, campaign.Status, campaign.TotalStock, campaign.Issued));
        Assert.Empty((await test.Store.GetStatsAsync(campaignId))!.Rejected);
        Assert.Equal(CouponStatus.Unused, (await test.Store.GetCouponAsync(couponId, null)).Coupon!.Status);
        Assert.Empty((await test.Store.ListUserCouponsAsync("v", null, null, 10)).Items);
        Assert.Single((await test.Store.AuditLog.QueryAsync(new AuditQuery(Subject: couponId.ToString()))).Items);
        Assert.Empty((await test.Store.AuditLog.QueryAsync(new AuditQuery(Subject: "subject-x"))).Items);
    }

    /// <summary>A connection of its own holding SQLite's write lock until it rolls back or closes.</summary>
    private static SqliteConnection HoldWriteLock(TestStore test)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = test.Options(null).DatabasePath,
            Pooling = false,
        }.ToString());
        connection.Open();
        Execute(connection, "BEGIN IMMEDIATE;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
