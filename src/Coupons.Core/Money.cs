namespace Coupons.Core;

/// <summary>Limits on amounts of money. Money is always a whole number of minor units (cents).</summary>
public static class Money
{
    /// <summary>
    /// The largest amount accepted anywhere: 10^15 minor units (ten trillion in a currency with cents).
    /// Far above any real order, and small enough that sums of a few amounts never overflow a long.
    /// </summary>
    public const long MaxAmount = 1_000_000_000_000_000;

    public static bool IsValidAmount(long amount) => amount is >= 0 and <= MaxAmount;
}
