using System.Diagnostics;

namespace Coupons.Core;

public enum DiscountKind : byte
{
    /// <summary>A fixed amount off, never more than the order.</summary>
    AmountOff = 1,

    /// <summary>A percentage of the order, rounded down, optionally capped.</summary>
    PercentOff = 2,

    /// <summary>A fixed amount off once the order reaches a threshold.</summary>
    Threshold = 3,

    /// <summary>The shipping amount, optionally capped; nothing off an order without shipping.</summary>
    FreeShipping = 4,
}

/// <summary>What a discount comes to for one order amount.</summary>
/// <param name="Applicable">False when the order is below the minimum or the threshold.</param>
/// <param name="Discount">Minor units taken off; 0 when not applicable.</param>
/// <param name="Payable">Minor units left to pay, never below 0.</param>
public readonly record struct DiscountQuote(bool Applicable, long Discount, long Payable);

/// <summary>
/// A discount rule. Immutable: a coupon keeps the rule it was claimed under.
/// All maths is integer maths in minor units; nothing here can overflow for amounts up to
/// <see cref="Money.MaxAmount"/>, and percent maths is done in 128 bits so it cannot overflow at all.
/// </summary>
public sealed record Discount
{
    private Discount(DiscountKind kind, long amountOff, int percentOff, long? maxDiscount, long threshold)
    {
        Kind = kind;
        AmountOff = amountOff;
        PercentOff = percentOff;
        MaxDiscount = maxDiscount;
        Threshold = threshold;
    }

    public DiscountKind Kind { get; }

    /// <summary>Minor units off, for <see cref="DiscountKind.AmountOff"/> and <see cref="DiscountKind.Threshold"/>.</summary>
    public long AmountOff { get; }

    /// <summary>1..100, for <see cref="DiscountKind.PercentOff"/>.</summary>
    public int PercentOff { get; }

    /// <summary>Optional cap, for <see cref="DiscountKind.PercentOff"/> and <see cref="DiscountKind.FreeShipping"/>.</summary>
    public long? MaxDiscount { get; }

    /// <summary>Smallest order amount the discount applies to, for <see cref="DiscountKind.Threshold"/>.</summary>
    public long Threshold { get; }

    public static Discount AmountOffOf(long amountOff)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amountOff);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(amountOff, Money.MaxAmount);
        return new Discount(DiscountKind.AmountOff, amountOff, 0, null, 0);
    }

    public static Discount PercentOffOf(int percentOff, long? maxDiscount = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentOff, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentOff, 100);
        if (maxDiscount is { } cap)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cap, nameof(maxDiscount));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(cap, Money.MaxAmount, nameof(maxDiscount));
        }

        return new Discount(DiscountKind.PercentOff, 0, percentOff, maxDiscount, 0);
    }

    public static Discount ThresholdOf(long threshold, long amountOff)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threshold);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, Money.MaxAmount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(amountOff);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(amountOff, Money.MaxAmount);
        return new Discount(DiscountKind.Threshold, amountOff, 0, null, threshold);
    }

    public static Discount FreeShippingOf(long? maxDiscount = null)
    {
        if (maxDiscount is { } cap)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cap, nameof(maxDiscount));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(cap, Money.MaxAmount, nameof(maxDiscount));
        }

        return new Discount(DiscountKind.FreeShipping, 0, 0, maxDiscount, 0);
    }

    /// <summary>Rebuilds a discount from stored fields; throws on values no factory would accept.</summary>
    public static Discount Restore(DiscountKind kind, long amountOff, int percentOff, long? maxDiscount, long threshold) => kind switch
    {
        DiscountKind.AmountOff => AmountOffOf(amountOff),
        DiscountKind.PercentOff => PercentOffOf(percentOff, maxDiscount),
        DiscountKind.Threshold => ThresholdOf(threshold, amountOff),
        DiscountKind.FreeShipping => FreeShippingOf(maxDiscount),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown discount kind"),
    };

    /// <summary>The discount for an order of <paramref name="orderAmount"/> minor units.</summary>
    /// <param name="orderAmount">0..<see cref="Money.MaxAmount"/>.</param>
    /// <param name="minOrderAmount">The campaign's minimum order; below it nothing applies.</param>
    public DiscountQuote Quote(long orderAmount, long minOrderAmount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(orderAmount);
        if (orderAmount < minOrderAmount)
        {
            return new DiscountQuote(false, 0, orderAmount);
        }

        long discount;
        switch (Kind)
        {
            case DiscountKind.AmountOff:
                discount = Math.Min(AmountOff, orderAmount);
                break;
            case DiscountKind.PercentOff:
                discount = (long)((Int128)orderAmount * PercentOff / 100);
                if (MaxDiscount is { } cap)
                {
                    discount = Math.Min(discount, cap);
                }

                break;
            case DiscountKind.Threshold:
                if (orderAmount < Threshold)
                {
                    return new DiscountQuote(false, 0, orderAmount);
                }

                discount = Math.Min(AmountOff, orderAmount);
                break;
            case DiscountKind.FreeShipping:
                // An order given by its amount has no shipping to take off (checkout prices shipping).
                discount = 0;
                break;
            default:
                throw new UnreachableException();
        }

        Debug.Assert(discount >= 0 && discount <= orderAmount);
        return new DiscountQuote(true, discount, orderAmount - discount);
    }
}
