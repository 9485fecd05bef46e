using System.Globalization;
using Coupons.Core;

namespace Coupons.Core.Tests;

/// <summary>
/// Random operations on one coupon at a time, with a fixed seed so a failure repeats. After every
/// step the state must be one a coupon can be in, and every refusal or replay must have changed
/// nothing but what time alone changes.
/// </summary>
public sealed class CouponRulesRandomizedTests
{
    private const int Seed = 12345;
    private const int Runs = 6;
    private const int StepsPerRun = 1_000;
    private const long T0 = 1_750_000_000_000L;
    private const long Hour = 3_600_000L;
    private const int TtlSeconds = 60;
    private const long MinOrder = 1_000;

    private static readonly string[] Orders = ["order-a", "order-b", "order-c"];
    private static readonly long[] Amounts = [0, 999, MinOrder, 1_499, 1_500, 2_000, 5_000, Money.MaxAmount];

    private static readonly Discount[] Discounts =
    [
        Discount.AmountOffOf(500),
        Discount.PercentOffOf(15, 300),
        Discount.ThresholdOf(1_500, 400),
    ];

    private enum Operation
    {
        Lock,
        Redeem,
        Release,
        Refund,
        Revoke,
    }

    [Fact]
    public void Random_operations_keep_every_coupon_consistent()
    {
        var random = new Random(Seed);
        var seen = new HashSet<(Operation, Outcome)>();

        for (var run = 0; run < Runs; run++)
        {
            var terms = new CampaignDefinition
            {
                Name = "Random " + run.ToString(CultureInfo.InvariantCulture),
                Discount = Discounts[run % Discounts.Length],
                MinOrderAmount = MinOrder,
                LockTtlSeconds = TtlSeconds,
                Validity = Validity.Absolute(T0 + random.NextInt64(0, 10 * 60_000), T0 + random.NextInt64(2 * Hour, 8 * Hour)),
            };
            var state = CouponRules.NewCoupon(terms, T0);
            var (validFrom, validTo) = (state.ValidFromMs, state.ValidToMs);
            var now = T0;

            for (var step = 0; step < StepsPerRun; step++)
            {
                now += NextDelay(random);
                // Revokes are rare (a revoked coupon stays so), and a revoked coupon is soon followed by
                // a new one of the same campaign, so the walk goes on through every other corner.
                var operation = random.Next(25) == 0 ? Operation.Revoke : (Operation)random.Next(4);
                if (state.Status == CouponStatus.Revoked && random.Next(8) == 0)
                {
                    state = CouponRules.NewCoupon(terms, now);
                }

                var order = Orders[random.Next(Orders.Length)];
                var amount = Amounts[random.Next(Amounts.Length)];
                var where = string.Create(CultureInfo.InvariantCulture, $"run {run} step {step} at +{now - T0} ms: {operation} {order} {amount}");

                var before = state;
                var normalized = before;
                var timeEvents = CouponRules.Normalize(ref normalized, now);
                Assert.Equal(Fields(normalized), Fields(CouponRules.Observe(before, now)));

                DiscountQuote quote = default;
                CouponEvents events;
                var outcome = operation switch
                {
                    Operation.Lock => CouponRules.Lock(ref state, terms, order, amount, now, out quote, out events),
                    Operation.Redeem => CouponRules.Redeem(ref state, terms, order, random.Next(4) == 0 ? null : amount, now, out quote, out events),
                    Operation.Release => CouponRules.Release(ref state, order, now, out events),
                    Operation.Refund => CouponRules.Refund(ref state, order, now, out events),
                    _ => CouponRules.Revoke(ref state, now, out events),
                };
                seen.Add((operation, outcome));

                AssertConsistent(state, now, validFrom, validTo, where);

                if (outcome != Outcome.Ok)
                {
                    // A refusal or a replay: only what time changed.
                    Assert.True(Fields(normalized) == Fields(state), $"{where}: {outcome} changed the state");
                    Assert.True(timeEvents == events, $"{where}: {outcome} reported {events}, time alone {timeEvents}");
                }
                else
                {
                    AssertTransition(operation, normalized, state, order, now, timeEvents, events, where);
                }

                if (operation is Operation.Lock or Operation.Redeem && outcome.IsSuccess())
                {
                    Assert.True(quote.Applicable, where);
                    Assert.Equal(terms.Discount.Quote(state.OrderAmount, terms.MinOrderAmount), quote);
                    Assert.Equal(state.OrderAmount, quote.Discount + quote.Payable);
                }
                else if (!outcome.IsSuccess())
                {
                    Assert.False(quote.Applicable, where);
                }
            }
        }

        // The walk must have reached the interesting corners, or it proves little.
        (Operation, Outcome)[] expected =
        [
            (Operation.Lock, Outcome.Ok), (Operation.Lock, Outcome.Replayed), (Operation.Lock, Outcome.LockedByOtherOrder),
            (Operation.Lock, Outcome.OrderMismatch), (Operation.Lock, Outcome.AlreadyUsed), (Operation.Lock, Outcome.BelowMinimum),
            (Operation.Lock, Outcome.CouponExpired), (Operation.Lock, Outcome.CouponNotYetValid),
            (Operation.Redeem, Outcome.Ok), (Operation.Redeem, Outcome.Replayed), (Operation.Redeem, Outcome.AlreadyUsed),
            (Operation.Redeem, Outcome.LockedByOtherOrder), (Operation.Redeem, Outcome.OrderAmountRequired), (Operation.Redeem, Outcome.OrderMismatch),
            (Operation.Redeem, Outcome.BelowMinimum),
            (Operation.Release, Outcome.Ok), (Operation.Release, Outcome.Replayed), (Operation.Release, Outcome.LockedByOtherOrder),
            (Operation.Release, Outcome.AlreadyUsed),
            (Operation.Refund, Outcome.Ok), (Operation.Refund, Outcome.Replayed), (Operation.Refund, Outcome.NotRedeemed),
            (Operation.Refund, Outcome.AlreadyUsed),
            (Operation.Revoke, Outcome.Ok), (Operation.Revoke, Outcome.Replayed), (Operation.Revoke, Outcome.AlreadyUsed),
            (Operation.Revoke, Outcome.CouponExpired), (Operation.Lock, Outcome.CouponRevoked), (Operation.Redeem, Outcome.CouponRevoked),
        ];
        Assert.All(expected, pair => Assert.Contains(pair, seen));
    }

    private static long NextDelay(Random random) => random.Next(20) switch
    {
        < 6 => 0, // same moment: replays and races at one instant
        < 14 => random.Next(0, 5_000),
        < 19 => random.Next(0, 2 * TtlSeconds * 1_000), // often across a lock's lifetime
        _ => random.Next(0, 30 * 60_000),
    };

    private static void AssertConsistent(in CouponState s, long now, long validFrom, long validTo, string where)
    {
        Assert.True(s.ValidFromMs == validFrom && s.ValidToMs == validTo, $"{where}: validity changed");
        switch (s.Status)
        {
            case CouponStatus.Unused:
                Assert.True(s.OrderId is null, $"{where}: unused coupon holds order {s.OrderId}");
                Assert.True(s.LockExpiresAtMs == 0 && s.UsedAtMs == 0 && s.OrderAmount == 0, $"{where}: unused coupon has order fields");
                Assert.True(now < s.ValidToMs, $"{where}: unused past its validity");
                break;
            case CouponStatus.Locked:
                Assert.True(s.OrderId is not null, $"{where}: locked coupon without an order");
                Assert.True(s.LockExpiresAtMs > 0, $"{where}: locked coupon without a lock expiry");
                Assert.True(s.LockExpiresAtMs > now, $"{where}: a lapsed lock is still shown as locked");
                Assert.True(s.OrderAmount >= MinOrder, $"{where}: locked below the minimum");
                Assert.True(now < s.ValidToMs, $"{where}: locked past its validity");
                break;
            case CouponStatus.Used:
                Assert.True(s.OrderId is not null, $"{where}: used coupon without an order");
                Assert.True(s.LockExpiresAtMs == 0, $"{where}: used coupon still has a lock expiry");
                Assert.True(s.UsedAtMs > 0 && s.UsedAtMs <= now, $"{where}: used coupon without a sensible usedAt");
                Assert.True(s.OrderAmount >= MinOrder, $"{where}: used below the minimum");
                break;
            case CouponStatus.Expired:
                Assert.True(s.OrderId is null, $"{where}: expired coupon holds order {s.OrderId}");
                Assert.True(now >= s.ValidToMs, $"{where}: expired before its validity ended");
                break;
            case CouponStatus.Revoked:
                Assert.True(s.OrderId is null, $"{where}: revoked coupon holds order {s.OrderId}");
                Assert.True(s.LockExpiresAtMs == 0 && s.UsedAtMs == 0 && s.OrderAmount == 0, $"{where}: revoked coupon has order fields");
                break;
            default:
                Assert.Fail($"{where}: unexpected status {s.Status}");
                break;
        }
    }

    private static void AssertTransition(Operation operation, in CouponState normalized, in CouponState after, string order, long now, CouponEvents timeEvents, CouponEvents events, string where)
    {
        switch (operation)
        {
            case Operation.Lock:
                Assert.True(normalized.Status == CouponStatus.Unused, $"{where}: locked a coupon that was {normalized.Status}");
                Assert.Equal((CouponStatus.Locked, order, now + (TtlSeconds * 1000L)), (after.Status, after.OrderId, after.LockExpiresAtMs));
                Assert.Equal(timeEvents | CouponEvents.Locked, events);
                break;
            case Operation.Redeem:
                // Invariant 3: a used coupon is never used again until refunded.
                Assert.True(
                    normalized.Status == CouponStatus.Unused || (normalized.Status == CouponStatus.Locked && normalized.OrderId == order),
                    $"{where}: redeemed a coupon that was {normalized.Status} by {normalized.OrderId}");
                if (normalized.Status == CouponStatus.Locked)
                {
                    Assert.Equal(normalized.OrderAmount, after.OrderAmount);
                }

                Assert.Equal((CouponStatus.Used, order, now), (after.Status, after.OrderId, after.UsedAtMs));
                Assert.Equal(timeEvents | CouponEvents.Used, events);
                break;
            case Operation.Release:
                Assert.True(normalized.Status == CouponStatus.Locked && normalized.OrderId == order, $"{where}: released a lock it did not hold");
                Assert.Equal(CouponStatus.Unused, after.Status);
                Assert.Equal(timeEvents | CouponEvents.Released, events);
                break;
            case Operation.Revoke:
                Assert.True(normalized.Status is CouponStatus.Unused or CouponStatus.Locked, $"{where}: revoked a coupon that was {normalized.Status}");
                Assert.Equal(CouponStatus.Revoked, after.Status);
                Assert.Equal(timeEvents | CouponEvents.Revoked, events);
                break;
            default:
                Assert.True(normalized.Status == CouponStatus.Used && normalized.OrderId == order, $"{where}: refunded a coupon it had not used");
                var back = now >= normalized.ValidToMs ? CouponStatus.Expired : CouponStatus.Unused;
                Assert.Equal((back, order), (after.Status, after.RefundedOrderId));
                Assert.Equal(
                    timeEvents | CouponEvents.Refunded | (back == CouponStatus.Expired ? CouponEvents.Expired : CouponEvents.None),
                    events);
                break;
        }
    }

    private static (CouponStatus Status, long From, long To, string? Order, long Amount, long LockExpires, long UsedAt, string? Refunded) Fields(in CouponState s) =>
        (s.Status, s.ValidFromMs, s.ValidToMs, s.OrderId, s.OrderAmount, s.LockExpiresAtMs, s.UsedAtMs, s.RefundedOrderId);
}
