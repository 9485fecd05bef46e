using Coupons.Core;

namespace Coupons.Core.Tests;

public sealed class DiscountTests
{
    private const long Max = Money.MaxAmount;

    [Theory]
    [InlineData(500L, 10_000L, 500L, 9_500L)]
    [InlineData(500L, 500L, 500L, 0L)]
    [InlineData(500L, 499L, 499L, 0L)]
    [InlineData(500L, 1L, 1L, 0L)]
    [InlineData(500L, 0L, 0L, 0L)]
    [InlineData(1L, 1L, 1L, 0L)]
    [InlineData(Max, Max, Max, 0L)]
    [InlineData(Max, 1L, 1L, 0L)]
    [InlineData(1L, Max, 1L, Max - 1)]
    [InlineData(Max, long.MaxValue, Max, long.MaxValue - Max)]
    public void AmountOff_takes_the_smaller_of_amount_and_order(long amountOff, long order, long discount, long payable)
    {
        var quote = Discount.AmountOffOf(amountOff).Quote(order);

        Assert.Equal(new DiscountQuote(true, discount, payable), quote);
    }

    [Theory]
    [InlineData(10, null, 10_000L, 1_000L)]
    [InlineData(10, null, 9_999L, 999L)] // 999.9 rounds down
    [InlineData(10, null, 9L, 0L)] // 0.9 rounds down to nothing
    [InlineData(33, null, 100L, 33L)]
    [InlineData(33, null, 101L, 33L)] // 33.33
    [InlineData(33, null, 103L, 33L)] // 33.99
    [InlineData(1, null, 99L, 0L)]
    [InlineData(1, null, 100L, 1L)]
    [InlineData(1, null, 12_345L, 123L)]
    [InlineData(100, null, 12_345L, 12_345L)]
    [InlineData(100, null, 1L, 1L)]
    [InlineData(99, null, 1L, 0L)]
    [InlineData(50, 300L, 1_000L, 300L)] // capped
    [InlineData(50, 300L, 600L, 300L)] // exactly at the cap
    [InlineData(50, 300L, 598L, 299L)] // under the cap
    [InlineData(100, 1L, 1_000L, 1L)]
    [InlineData(100, Max, Max, Max)]
    [InlineData(10, null, 0L, 0L)]
    public void PercentOff_rounds_down_and_is_capped(int percent, long? cap, long order, long discount)
    {
        var quote = Discount.PercentOffOf(percent, cap).Quote(order);

        Assert.True(quote.Applicable);
        Assert.Equal(discount, quote.Discount);
        Assert.Equal(order - discount, quote.Payable);
    }

    [Theory]
    [InlineData(1, Max, Max / 100)]
    [InlineData(99, Max, Max / 100 * 99)]
    [InlineData(100, Max, Max)]
    [InlineData(1, long.MaxValue, long.MaxValue / 100)]
    [InlineData(100, long.MaxValue, long.MaxValue)]
    [InlineData(99, long.MaxValue, 9_131_138_316_486_228_048L)] // floor((2^63-1) * 99 / 100)
    [InlineData(37, long.MaxValue, 3_412_647_653_636_267_048L)] // floor((2^63-1) * 37 / 100)
    public void PercentOff_of_the_largest_amounts_does_not_overflow(int percent, long order, long discount)
    {
        var quote = Discount.PercentOffOf(percent).Quote(order);

        Assert.Equal(new DiscountQuote(true, discount, order - discount), quote);
        Assert.InRange(quote.Payable, 0, order);
    }

    [Fact]
    public void PercentOff_of_long_max_matches_big_integer_maths()
    {
        for (var percent = 1; percent <= 100; percent++)
        {
            var expected = (long)(new System.Numerics.BigInteger(long.MaxValue) * percent / 100);

            var quote = Discount.PercentOffOf(percent).Quote(long.MaxValue);

            Assert.Equal(expected, quote.Discount);
            Assert.Equal(long.MaxValue - expected, quote.Payable);
        }
    }

    [Theory]
    [InlineData(10_000L, 1_500L, 10_000L, true, 1_500L)] // exactly at the threshold applies
    [InlineData(10_000L, 1_500L, 9_999L, false, 0L)] // one below does not
    [InlineData(10_000L, 1_500L, 10_001L, true, 1_500L)]
    [InlineData(10_000L, 1_500L, 0L, false, 0L)]
    [InlineData(0L, 1_500L, 0L, true, 0L)] // threshold 0: applies, but never more than the order
    [InlineData(0L, 1_500L, 1_000L, true, 1_000L)]
    [InlineData(100L, 1_500L, 100L, true, 100L)] // amount off above the threshold: capped by the order
    [InlineData(Max, Max, Max, true, Max)]
    [InlineData(Max, 1L, Max - 1, false, 0L)]
    public void Threshold_applies_from_the_threshold_up(long threshold, long amountOff, long order, bool applicable, long discount)
    {
        var quote = Discount.ThresholdOf(threshold, amountOff).Quote(order);

        Assert.Equal(new DiscountQuote(applicable, discount, order - discount), quote);
    }

    public static TheoryData<Discount> AllKinds => new()
    {
        Discount.AmountOffOf(500),
        Discount.PercentOffOf(10),
        Discount.PercentOffOf(100, 250),
        Discount.ThresholdOf(0, 500),
        Discount.ThresholdOf(50, 500),
    };

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Below_the_minimum_order_nothing_applies(Discount discount)
    {
        var below = discount.Quote(999, minOrderAmount: 1_000);
        var atMinimum = discount.Quote(1_000, minOrderAmount: 1_000);

        Assert.Equal(new DiscountQuote(false, 0, 999), below);
        Assert.True(atMinimum.Applicable);
        Assert.True(atMinimum.Discount > 0);
        Assert.Equal(1_000 - atMinimum.Discount, atMinimum.Payable);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void Below_the_largest_minimum_nothing_applies(Discount discount)
    {
        Assert.Equal(new DiscountQuote(false, 0, Max - 1), discount.Quote(Max - 1, minOrderAmount: Max));
        Assert.True(discount.Quote(Max, minOrderAmount: Max).Applicable);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void A_zero_order_costs_nothing(Discount discount)
    {
        var quote = discount.Quote(0);

        Assert.Equal(0, quote.Discount);
        Assert.Equal(0, quote.Payable);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void A_negative_order_is_rejected(Discount discount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => discount.Quote(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => discount.Quote(long.MinValue));
    }

    [Fact]
    public void Payable_is_never_negative_and_discount_never_exceeds_the_order()
    {
        var random = new Random(4242);
        long[] edges = [0, 1, 2, 99, 100, 101, 999, 1_000, 1_001, Max - 1, Max];
        for (var i = 0; i < 5_000; i++)
        {
            var discount = (i % 3) switch
            {
                0 => Discount.AmountOffOf(PickAmount(random, edges, 1)),
                1 => Discount.PercentOffOf(random.Next(1, 101), random.Next(2) == 0 ? null : PickAmount(random, edges, 1)),
                _ => Discount.ThresholdOf(PickAmount(random, edges, 0), PickAmount(random, edges, 1)),
            };
            var order = PickAmount(random, edges, 0);
            var minimum = random.Next(4) == 0 ? PickAmount(random, edges, 0) : 0;

            var quote = discount.Quote(order, minimum);

            Assert.InRange(quote.Discount, 0, order);
            Assert.InRange(quote.Payable, 0, order);
            Assert.Equal(order, quote.Discount + quote.Payable);
            if (!quote.Applicable)
            {
                Assert.Equal(0, quote.Discount);
            }

            if (order < minimum)
            {
                Assert.False(quote.Applicable);
            }
        }
    }

    private static long PickAmount(Random random, long[] edges, long atLeast)
    {
        var amount = random.Next(3) switch
        {
            0 => edges[random.Next(edges.Length)],
            1 => random.NextInt64(0, 100_000),
            _ => random.NextInt64(0, Max + 1),
        };
        return Math.Max(amount, atLeast);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(Max + 1)]
    [InlineData(long.MaxValue)]
    public void AmountOff_rejects_amounts_out_of_range(long amountOff)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Discount.AmountOffOf(amountOff));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(Max)]
    public void AmountOff_accepts_the_edges(long amountOff)
    {
        Assert.Equal(amountOff, Discount.AmountOffOf(amountOff).AmountOff);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void PercentOff_rejects_percentages_out_of_range(int percent)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Discount.PercentOffOf(percent));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(Max + 1)]
    public void PercentOff_rejects_caps_out_of_range(long cap)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Discount.PercentOffOf(10, cap));
        Assert.Equal("maxDiscount", error.ParamName);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(100, null)]
    [InlineData(50, 1L)]
    [InlineData(50, Max)]
    public void PercentOff_accepts_the_edges(int percent, long? cap)
    {
        var discount = Discount.PercentOffOf(percent, cap);

        Assert.Equal(DiscountKind.PercentOff, discount.Kind);
        Assert.Equal(percent, discount.PercentOff);
        Assert.Equal(cap, discount.MaxDiscount);
    }

    [Theory]
    [InlineData(-1L, 100L)]
    [InlineData(Max + 1, 100L)]
    [InlineData(100L, 0L)]
    [InlineData(100L, -1L)]
    [InlineData(100L, Max + 1)]
    public void Threshold_rejects_values_out_of_range(long threshold, long amountOff)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Discount.ThresholdOf(threshold, amountOff));
    }

    [Theory]
    [InlineData(0L, 1L)]
    [InlineData(Max, Max)]
    public void Threshold_accepts_the_edges(long threshold, long amountOff)
    {
        var discount = Discount.ThresholdOf(threshold, amountOff);

        Assert.Equal((DiscountKind.Threshold, threshold, amountOff), (discount.Kind, discount.Threshold, discount.AmountOff));
    }

    public static TheoryData<Discount> RoundTrips => new()
    {
        Discount.AmountOffOf(1),
        Discount.AmountOffOf(Max),
        Discount.PercentOffOf(1),
        Discount.PercentOffOf(100),
        Discount.PercentOffOf(15, 2_000),
        Discount.PercentOffOf(15, Max),
        Discount.ThresholdOf(0, 1),
        Discount.ThresholdOf(10_000, 1_500),
        Discount.ThresholdOf(Max, Max),
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Restore_rebuilds_an_equal_discount(Discount discount)
    {
        var restored = Discount.Restore(discount.Kind, discount.AmountOff, discount.PercentOff, discount.MaxDiscount, discount.Threshold);

        Assert.Equal(discount, restored);
        Assert.Equal(discount.Quote(12_345), restored.Quote(12_345));
    }

    [Fact]
    public void Factories_leave_unused_fields_empty()
    {
        var amountOff = Discount.AmountOffOf(500);
        var percentOff = Discount.PercentOffOf(20, 700);
        var threshold = Discount.ThresholdOf(3_000, 500);

        Assert.Equal((DiscountKind.AmountOff, 500L, 0, (long?)null, 0L), (amountOff.Kind, amountOff.AmountOff, amountOff.PercentOff, amountOff.MaxDiscount, amountOff.Threshold));
        Assert.Equal((DiscountKind.PercentOff, 0L, 20, (long?)700, 0L), (percentOff.Kind, percentOff.AmountOff, percentOff.PercentOff, percentOff.MaxDiscount, percentOff.Threshold));
        Assert.Equal((DiscountKind.Threshold, 500L, 0, (long?)null, 3_000L), (threshold.Kind, threshold.AmountOff, threshold.PercentOff, threshold.MaxDiscount, threshold.Threshold));
    }

    [Fact]
    public void Free_shipping_takes_nothing_off_an_order_given_by_its_amount_and_restores_with_its_cap()
    {
        Assert.Equal(new DiscountQuote(true, 0, 2_000), Discount.FreeShippingOf(500).Quote(2_000, minOrderAmount: 1_000));
        Assert.Equal(new DiscountQuote(false, 0, 999), Discount.FreeShippingOf().Quote(999, minOrderAmount: 1_000));
        Assert.Equal(Discount.FreeShippingOf(500), Discount.Restore(DiscountKind.FreeShipping, 0, 0, 500, 0));
    }

    [Theory]
    [InlineData(DiscountKind.AmountOff, 0L, 0, null, 0L)]
    [InlineData(DiscountKind.AmountOff, Max + 1, 0, null, 0L)]
    [InlineData(DiscountKind.PercentOff, 0L, 0, null, 0L)]
    [InlineData(DiscountKind.PercentOff, 0L, 101, null, 0L)]
    [InlineData(DiscountKind.PercentOff, 0L, 10, 0L, 0L)]
    [InlineData(DiscountKind.Threshold, 0L, 0, null, -1L)]
    [InlineData(DiscountKind.Threshold, 0L, 0, null, 100L)]
    [InlineData((DiscountKind)0, 100L, 10, null, 100L)]
    [InlineData(DiscountKind.FreeShipping, 0L, 0, 0L, 0L)]
    [InlineData(DiscountKind.FreeShipping, 0L, 0, Max + 1, 0L)]
    [InlineData((DiscountKind)5, 100L, 10, null, 100L)]
    public void Restore_rejects_what_no_factory_accepts(DiscountKind kind, long amountOff, int percentOff, long? maxDiscount, long threshold)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Discount.Restore(kind, amountOff, percentOff, maxDiscount, threshold));
    }

    [Theory]
    [InlineData(0L, true)]
    [InlineData(1L, true)]
    [InlineData(Max, true)]
    [InlineData(-1L, false)]
    [InlineData(Max + 1, false)]
    [InlineData(long.MaxValue, false)]
    [InlineData(long.MinValue, false)]
    public void Money_IsValidAmount_accepts_zero_to_max(long amount, bool valid)
    {
        Assert.Equal(valid, Money.IsValidAmount(amount));
    }
}
