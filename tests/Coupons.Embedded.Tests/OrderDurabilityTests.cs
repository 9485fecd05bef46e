using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Embedded.Tests;

/// <summary>
/// An order's changes (its coupons' states and its record) are appended as one batch, so one
/// transaction writes them: a crash keeps all of an order or none of it.
/// </summary>
public sealed class OrderDurabilityTests
{
    [Fact]
    public async Task Files_copied_while_orders_are_written_hold_each_order_whole_or_not_at_all_and_every_acknowledged_one()
    {
        using var test = TestStore.Create();
        const int orders = 200;
        var stackable = Terms.AmountOff(perUserLimit: orders, lockTtlSeconds: 600) with { Stacking = Stacking.Stackable };
        var first = await test.Store.CreateCampaignAsync(stackable, orders);
        var second = await test.Store.CreateCampaignAsync(stackable with { Discount = Discount.PercentOffOf(10) }, orders);
        var pairs = new List<(Guid A, Guid B)>();
        for (var i = 0; i < orders; i++)
        {
            pairs.Add(((await test.Store.ClaimAsync(first.Id, "alice", null)).Coupon!.Id, (await test.Store.ClaimAsync(second.Id, "alice", null)).Coupon!.Id));
        }

        var acknowledged = new List<string>();
        var copied = new TaskCompletionSource();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = w; i < orders; i += 4)
            {
                var body = new OrderBody([pairs[i].A, pairs[i].B], Cart.OfAmount(5_000));
                var command = i % 2 == 0 ? OrderCommand.Lock : OrderCommand.Redeem;
                var result = await test.Store.ChangeOrderAsync(command, Terms.Order(i), "alice", body);
                Assert.Equal(Outcome.Ok, result.Outcome);
                if (!copied.Task.IsCompleted)
                {
                    lock (acknowledged)
                    {
                        acknowledged.Add(Terms.Order(i));
                    }
                }
            }
        })).ToArray();

        while (acknowledged.Count < orders / 4)
        {
            await Task.Delay(1);
        }

        string[] before;
        lock (acknowledged)
        {
            before = [.. acknowledged];
        }

        var copy = CopyFiles(test);
        copied.SetResult();
        await Task.WhenAll(writers);

        using var recovered = new EmbeddedCouponStore(test.Options(o => o.DataDir = copy), test.Time, TestCodes.Own);
        recovered.Open();
        var found = 0;
        for (var i = 0; i < orders; i++)
        {
            var order = await recovered.GetOrderAsync(Terms.Order(i), null);
            var a = (await recovered.GetCouponAsync(pairs[i].A, null)).Coupon!;
            var b = (await recovered.GetCouponAsync(pairs[i].B, null)).Coupon!;
            if (order.Outcome == Outcome.Ok)
            {
                found++;
                Assert.All(new[] { a, b }, c => Assert.Equal(Terms.Order(i), c.OrderId));
                Assert.Equal(order.Order!.Lines, new[] { a, b }.Select(c => new CouponLine(c.Id, c.OrderDiscount!.Value)));
            }
            else
            {
                Assert.All(new[] { a, b }, c => Assert.Equal((CouponStatus.Unused, (string?)null), (c.Status, c.OrderId)));
            }
        }

        Assert.All(before, id => Assert.Equal(Outcome.Ok, recovered.GetOrderAsync(id, null).AsTask().Result.Outcome));
        Assert.InRange(found, before.Length, orders);
    }

    /// <summary>The database and its write-ahead log copied while the store is open, as a crash would leave them.</summary>
    private static string CopyFiles(TestStore test)
    {
        var copy = Path.Combine(test.Dir, "crashed");
        Directory.CreateDirectory(copy);
        var database = test.Options(null).DatabasePath;
        foreach (var suffix in new[] { "", "-wal" })
        {
            if (File.Exists(database + suffix))
            {
                File.Copy(database + suffix, Path.Combine(copy, "coupons.db" + suffix));
            }
        }

        return copy;
    }
}
