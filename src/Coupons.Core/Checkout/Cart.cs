namespace Coupons.Core.Checkout;

/// <summary>One line of an order: <see cref="Quantity"/> × <see cref="UnitPrice"/> minor units of a product in a category.</summary>
public readonly record struct OrderItem(string Sku, string? Category, int Quantity, long UnitPrice)
{
    /// <summary>The line's amount; within <see cref="Money.MaxAmount"/> for an item of a <see cref="Cart"/>.</summary>
    public long Amount => Quantity * UnitPrice;
}

/// <summary>
/// What a checkout prices: the order's items, their total and the shipping. Made only by
/// <see cref="Create"/>, which checks every limit, so no amount or sum here can overflow. The items
/// are kept in a canonical order (SKU, category, unit price, quantity), the order in which a
/// discount is spread over them, so the same cart prices the same whatever order its lines came in.
/// An order given by its amount alone is one line that only an unscoped coupon covers.
/// </summary>
public sealed class Cart
{
    public const int MaxItems = 100;
    public const int MaxQuantity = 1_000_000;
    public const int MaxNameLength = 64;

    private Cart(OrderItem[] items, long itemsAmount, long shippingAmount)
    {
        Items = items;
        ItemsAmount = itemsAmount;
        ShippingAmount = shippingAmount;
        Lines = items.Length == 0 ? [itemsAmount] : Array.ConvertAll(items, item => item.Amount);
        for (var i = 0; i < items.Length; i++)
        {
            Add(_bySku, items[i].Sku, i);
            if (items[i].Category is { } category)
            {
                Add(_byCategory, category, i);
            }
        }
    }

    private readonly Dictionary<string, List<int>> _bySku = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _byCategory = new(StringComparer.Ordinal);
    private int[]? _allLines;

    /// <summary>The items in their canonical order; empty for an order given by its amount alone.</summary>
    public IReadOnlyList<OrderItem> Items { get; }

    /// <summary>The order amount: the items' total, or the amount given.</summary>
    public long ItemsAmount { get; }

    public long ShippingAmount { get; }

    /// <summary>The amounts a discount is taken from, one per item (one in all for an order without items).</summary>
    internal long[] Lines { get; }

    /// <summary>The lines of the items <paramref name="scope"/> covers, in the cart's order; all of them without a scope (one shared array: not to be changed).</summary>
    internal int[] LinesIn(Scope? scope)
    {
        if (scope is null)
        {
            return _allLines ??= [.. Enumerable.Range(0, Lines.Length)];
        }

        // Looked up by the scope's entries, usually a few, rather than testing every item.
        Span<bool> covered = stackalloc bool[Items.Count];
        var count = Mark(_bySku, scope.Skus, covered) + Mark(_byCategory, scope.Categories, covered);
        if (count == 0)
        {
            return [];
        }

        var lines = new List<int>(count);
        for (var i = 0; i < covered.Length; i++)
        {
            if (covered[i])
            {
                lines.Add(i);
            }
        }

        return [.. lines];
    }

    /// <summary>Marks the lines the <paramref name="keys"/> find in <paramref name="index"/>; returns how many it marked.</summary>
    private static int Mark(Dictionary<string, List<int>> index, IReadOnlyList<string> keys, Span<bool> covered)
    {
        var marked = 0;
        foreach (var key in keys)
        {
            if (index.TryGetValue(key, out var lines))
            {
                foreach (var line in lines)
                {
                    marked += covered[line] ? 0 : 1;
                    covered[line] = true;
                }
            }
        }

        return marked;
    }

    private static void Add(Dictionary<string, List<int>> index, string key, int line)
    {
        if (!index.TryGetValue(key, out var lines))
        {
            index[key] = lines = [];
        }

        lines.Add(line);
    }

    /// <summary>An order of <paramref name="orderAmount"/> without items, as the single-coupon routes have always taken it.</summary>
    public static Cart OfAmount(long orderAmount, long shippingAmount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(orderAmount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orderAmount, Money.MaxAmount);
        ArgumentOutOfRangeException.ThrowIfNegative(shippingAmount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shippingAmount, Money.MaxAmount);
        return new Cart([], orderAmount, shippingAmount);
    }

    /// <summary>
    /// Checks an order as a request gives it: <paramref name="items"/> or <paramref name="orderAmount"/>
    /// (both only when equal), and an optional shipping amount. Returns the problems by field name
    /// (<c>items[2].quantity</c>), empty and <paramref name="cart"/> set when the order is valid.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Create(IReadOnlyList<OrderItem>? items, long? orderAmount, long? shippingAmount, out Cart? cart)
    {
        cart = null;
        var errors = new Dictionary<string, string>();
        if (shippingAmount is { } shipping && !Money.IsValidAmount(shipping))
        {
            errors["shippingAmount"] = $"must be between 0 and {Money.MaxAmount}";
        }

        if (items is null)
        {
            if (orderAmount is not { } amount)
            {
                errors["orderAmount"] = "give orderAmount or items";
            }
            else if (!Money.IsValidAmount(amount))
            {
                errors["orderAmount"] = $"must be between 0 and {Money.MaxAmount}";
            }
            else if (errors.Count == 0)
            {
                cart = new Cart([], amount, shippingAmount ?? 0);
            }

            return errors;
        }

        var total = CheckItems(items, errors);
        if (errors.Count == 0 && orderAmount is { } given && given != total)
        {
            errors["orderAmount"] = $"must equal the items' total ({total}), or be left out";
        }

        if (errors.Count == 0)
        {
            var sorted = items.ToArray();
            Array.Sort(sorted, CompareItems);
            cart = new Cart(sorted, total, shippingAmount ?? 0);
        }

        return errors;
    }

    /// <summary>Checks each item and the total; returns the total (meaningless when an error was added).</summary>
    private static long CheckItems(IReadOnlyList<OrderItem> items, Dictionary<string, string> errors)
    {
        if (items.Count is < 1 or > MaxItems)
        {
            errors["items"] = $"must have 1 to {MaxItems} items";
            return 0;
        }

        Int128 total = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var at = $"items[{i}]";
            if (NameProblem(item.Sku, required: true) is { } sku)
            {
                errors[at + ".sku"] = sku;
            }

            if (NameProblem(item.Category, required: false) is { } category)
            {
                errors[at + ".category"] = category;
            }

            if (item.Quantity is < 1 or > MaxQuantity)
            {
                errors[at + ".quantity"] = $"must be between 1 and {MaxQuantity}";
            }
            else if (!Money.IsValidAmount(item.UnitPrice))
            {
                errors[at + ".unitPrice"] = $"must be between 0 and {Money.MaxAmount}";
            }
            else if ((Int128)item.Quantity * item.UnitPrice is var line && line > Money.MaxAmount)
            {
                errors[at] = $"quantity × unitPrice must be at most {Money.MaxAmount}";
            }
            else
            {
                total += line;
            }
        }

        if (errors.Count == 0 && total > Money.MaxAmount)
        {
            errors["items"] = $"the items' total must be at most {Money.MaxAmount}";
        }

        return errors.Count == 0 ? (long)total : 0;
    }

    /// <summary>Why a SKU or category is not acceptable: 1 to <see cref="MaxNameLength"/> characters, none a control character.</summary>
    internal static string? NameProblem(string? name, bool required) => name switch
    {
        null => required ? "is required" : null,
        { Length: 0 or > MaxNameLength } => $"must be 1 to {MaxNameLength} characters",
        _ when name.Any(char.IsControl) => "must not contain control characters",
        _ => null,
    };

    private static int CompareItems(OrderItem a, OrderItem b)
    {
        var order = string.CompareOrdinal(a.Sku, b.Sku);
        if (order == 0)
        {
            order = string.CompareOrdinal(a.Category, b.Category);
        }

        if (order == 0)
        {
            order = a.UnitPrice.CompareTo(b.UnitPrice);
        }

        return order != 0 ? order : a.Quantity.CompareTo(b.Quantity);
    }
}
