using System.Globalization;

namespace Coupons.Core.Checkout;

/// <summary>What an order's last operation left it as.</summary>
public enum OrderStatus : byte
{
    Locked = 1,
    Used = 2,
    Released = 3,
    Refunded = 4,
}

/// <summary>
/// An order of one or more coupons as a store keeps it: whose it is, what it was priced at (the
/// items' total, the shipping, each coupon's line in the order they were taken) and the status its
/// last operation left. Each coupon also holds its own share (<see cref="CouponState.OrderDiscount"/>);
/// the record is what an operation without a body (redeem, release, refund) finds the coupons by,
/// and what a repeated lock or redeem is compared with.
/// </summary>
public sealed record CheckoutOrder(string Id, string UserId, OrderStatus Status, long ItemsAmount, long ShippingAmount, IReadOnlyList<CouponLine> Lines, long UpdatedAtMs)
{
    /// <summary>The order's discount: the sum of its lines.</summary>
    public long Discount => Lines.Sum(line => line.Discount);

    /// <summary>What is left to pay: items and shipping less the discount, never below 0.</summary>
    public long Payable => ItemsAmount + ShippingAmount - Discount;

    /// <summary>Whether the order holds its coupons (locked or used) rather than having let them go.</summary>
    public bool Holds => Status is OrderStatus.Locked or OrderStatus.Used;

    /// <summary>Where <paramref name="couponId"/>'s line is among <see cref="Lines"/>; -1 when it is not the order's.</summary>
    public int IndexOf(Guid couponId)
    {
        for (var i = 0; i < Lines.Count; i++)
        {
            if (Lines[i].CouponId == couponId)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The order's coupons, in the order they were taken.</summary>
    public IReadOnlyList<Guid> CouponIds => [.. Lines.Select(line => line.CouponId)];

    /// <summary>Equal orders: the same fields and the same lines in the same order (however each holds its list).</summary>
    public bool Equals(CheckoutOrder? other) =>
        other is not null && other.Id == Id && other.UserId == UserId && other.Status == Status && other.UpdatedAtMs == UpdatedAtMs && SamePrice(other);

    public override int GetHashCode() => HashCode.Combine(Id, Status, ItemsAmount, UpdatedAtMs);

    /// <summary>Whether <paramref name="other"/> is this order priced again: the same amounts and the same lines.</summary>
    public bool SamePrice(CheckoutOrder other) =>
        other.ItemsAmount == ItemsAmount && other.ShippingAmount == ShippingAmount && other.Lines.SequenceEqual(Lines);

    /// <summary>The lines as one stored text: <c>couponId:discount</c> (the id in 32 hex digits), joined by commas.</summary>
    public static string FormatLines(IReadOnlyList<CouponLine> lines) =>
        string.Join(',', lines.Select(line => string.Create(CultureInfo.InvariantCulture, $"{line.CouponId:N}:{line.Discount}")));

    /// <summary>The lines of <see cref="FormatLines"/>; throws <see cref="FormatException"/> on anything else.</summary>
    public static IReadOnlyList<CouponLine> ParseLines(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',');
        var lines = new CouponLine[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var colon = parts[i].IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !Guid.TryParseExact(parts[i].AsSpan(0, colon), "N", out var id)
                || !long.TryParse(parts[i].AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var discount))
            {
                throw new FormatException("an order's lines are couponId:discount joined by commas");
            }

            lines[i] = new CouponLine(id, discount);
        }

        return lines;
    }
}

/// <summary>The four order operations.</summary>
public enum OrderCommand : byte
{
    Lock = 1,
    Redeem = 2,
    Release = 3,
    Refund = 4,
}

/// <summary>What a lock, or a redeem in one step, is given: the coupons (1 to <see cref="CheckoutRules.MaxCoupons"/>) and the cart.</summary>
public sealed record OrderBody(IReadOnlyList<Guid> CouponIds, Cart Cart);

/// <summary>A coupon as an order operation weighs it, read under whatever makes the order's change atomic.</summary>
public readonly record struct OrderCoupon(Guid Id, Guid CampaignId, string UserId, CampaignDefinition Terms, CouponState State);

/// <summary>
/// What an order operation decided: the outcome, the coupon that refused (null when none did, or
/// the refusal is the order's: not_combinable, order_mismatch), the order's record to store (null
/// when it does not change) and each coupon's state and events, in the order the coupons were given
/// (<see cref="CouponEvents.None"/>: nothing to store). On a refusal nothing is to be stored.
/// </summary>
public sealed record OrderDecision(Outcome Outcome, Guid? RefusedCouponId, CheckoutOrder? Order, CouponState[] States, CouponEvents[] Events);

/// <summary>What a store answers for an order: the outcome, the refusing coupon if one did, the order and its coupons as they are now.</summary>
public sealed record OrderResult(Outcome Outcome, Guid? RefusedCouponId, CheckoutOrder? Order, IReadOnlyList<Coupon> Coupons);
