using System.Collections.Frozen;

namespace Coupons.Core.Checkout;

/// <summary>Whether a coupon goes on an order alone or with others.</summary>
public enum Stacking : byte
{
    /// <summary>Alone on an order (the default).</summary>
    Exclusive = 1,

    /// <summary>With other stackable coupons, one per campaign, at most <see cref="CheckoutRules.MaxCoupons"/>.</summary>
    Stackable = 2,
}

/// <summary>
/// The items a discount applies to: those whose SKU is one of <see cref="Skus"/> or whose category is
/// one of <see cref="Categories"/> (compared exactly, case included). Equal when the sets are equal.
/// </summary>
public sealed class Scope : IEquatable<Scope>
{
    public const int MaxEntries = 100;

    private readonly FrozenSet<string> _skus;
    private readonly FrozenSet<string> _categories;

    private Scope(string[] skus, string[] categories)
    {
        Skus = skus;
        Categories = categories;
        _skus = skus.ToFrozenSet(StringComparer.Ordinal);
        _categories = categories.ToFrozenSet(StringComparer.Ordinal);
        Key = string.Join('\u0001', skus) + '\u0002' + string.Join('\u0001', categories);
    }

    /// <summary>Sorted, without duplicates.</summary>
    public IReadOnlyList<string> Skus { get; }

    /// <summary>Sorted, without duplicates.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>The sets as one string, for ordering and equality.</summary>
    internal string Key { get; }

    /// <summary>
    /// Checks a scope as an admin gives it: at least one entry, at most <see cref="MaxEntries"/> in all,
    /// each a name as a cart's (1 to 64 characters, no control character). Returns the problems by
    /// field name, empty and <paramref name="scope"/> set when valid.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Create(IReadOnlyList<string>? skus, IReadOnlyList<string>? categories, out Scope? scope)
    {
        scope = null;
        var errors = new Dictionary<string, string>();
        var (skuCount, categoryCount) = (skus?.Count ?? 0, categories?.Count ?? 0);
        if (skuCount + categoryCount == 0)
        {
            errors["scope"] = "give skus, categories or both";
        }
        else if (skuCount + categoryCount > MaxEntries)
        {
            errors["scope"] = $"must have at most {MaxEntries} skus and categories in all";
        }

        Check(skus, "scope.skus", errors);
        Check(categories, "scope.categories", errors);
        if (errors.Count == 0)
        {
            scope = new Scope(Canonical(skus), Canonical(categories));
        }

        return errors;
    }

    public bool Matches(in OrderItem item) => _skus.Contains(item.Sku) || (item.Category is { } category && _categories.Contains(category));

    public bool Equals(Scope? other) => other is not null && Key == other.Key;

    public override bool Equals(object? obj) => Equals(obj as Scope);

    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);

    private static void Check(IReadOnlyList<string>? names, string field, Dictionary<string, string> errors)
    {
        for (var i = 0; names is not null && i < names.Count; i++)
        {
            if (Cart.NameProblem(names[i], required: true) is { } problem)
            {
                errors[$"{field}[{i}]"] = problem;
            }
        }
    }

    private static string[] Canonical(IReadOnlyList<string>? names) => names is null ? [] : [.. names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}

/// <summary>
/// What checkout needs of a coupon's campaign: its discount, minimum order, scope and stacking.
/// Equal terms act alike on any cart, so which of two coupons with equal terms goes first changes nothing.
/// </summary>
public sealed record CheckoutTerms(Discount Discount, long MinOrderAmount = 0, Scope? Scope = null, Stacking Stacking = Stacking.Exclusive)
{
    /// <summary>0 amounts and thresholds, 1 percentages, 2 free shipping: the order discounts are taken in.</summary>
    internal int Phase => Discount.Kind switch
    {
        DiscountKind.PercentOff => 1,
        DiscountKind.FreeShipping => 2,
        _ => 0,
    };

    /// <summary>
    /// The order of application within a phase: larger amounts, percentages and caps first, then by
    /// threshold, minimum and scope, so that it depends on the terms alone. 0 only for equal terms.
    /// </summary>
    internal static int CompareForApplication(CheckoutTerms a, CheckoutTerms b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        var order = a.Phase.CompareTo(b.Phase);
        if (order == 0)
        {
            order = b.Discount.AmountOff.CompareTo(a.Discount.AmountOff);
        }

        if (order == 0)
        {
            order = b.Discount.PercentOff.CompareTo(a.Discount.PercentOff);
        }

        if (order == 0)
        {
            order = (b.Discount.MaxDiscount ?? long.MaxValue).CompareTo(a.Discount.MaxDiscount ?? long.MaxValue);
        }

        if (order == 0)
        {
            order = a.Discount.Threshold.CompareTo(b.Discount.Threshold);
        }

        if (order == 0)
        {
            order = a.Discount.Kind.CompareTo(b.Discount.Kind);
        }

        if (order == 0)
        {
            order = a.MinOrderAmount.CompareTo(b.MinOrderAmount);
        }

        if (order == 0)
        {
            order = a.Stacking.CompareTo(b.Stacking);
        }

        return order != 0 ? order : string.CompareOrdinal(a.Scope?.Key, b.Scope?.Key);
    }
}

/// <summary>A coupon as checkout weighs it: which one, its campaign, until when it is valid, and its terms.</summary>
public sealed record Offer(Guid CouponId, Guid CampaignId, long ValidToMs, CheckoutTerms Terms);
