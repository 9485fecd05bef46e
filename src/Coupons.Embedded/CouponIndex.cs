using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Coupons.Embedded;

/// <summary>
/// Coupons by id. Those recovered from disk are kept in the chunks recovery read them into, in id
/// order, and found by binary search; coupons claimed since sit in a concurrent dictionary. A
/// recovered coupon is never added again, so a lookup that misses the chunks finds the coupon in
/// the dictionary or nowhere.
/// </summary>
/// <remarks>
/// Nothing is built per recovered coupon: with ten million coupons, a concurrent dictionary's nodes
/// and locks were most of the time recovery took. A lookup costs a binary search (about 24 steps
/// for ten million), a microsecond or two. It relies on <see cref="Guid.CompareTo(Guid)"/> ordering
/// ids as their big-endian bytes, which is the order they are stored and read in.
/// </remarks>
internal sealed class CouponIndex
{
    private readonly ConcurrentDictionary<Guid, CouponEntry> _live = new();
    private SortedChunk[] _recovered = [];
    private Guid[] _firstIds = [];
    private int _recoveredCount;

    public int Count => _recoveredCount + _live.Count;

    /// <summary>Sets the recovered coupons: chunks in id order, each sorted by id; before the store takes requests.</summary>
    public void SetRecovered(SortedChunk[] chunks)
    {
        _recovered = chunks;
        _firstIds = [.. chunks.Select(c => c.Coupons[0].Id)];
        _recoveredCount = chunks.Sum(c => c.Count);
    }

    public void Add(CouponEntry coupon) => _live[coupon.Id] = coupon;

    public bool TryGetValue(Guid id, [NotNullWhen(true)] out CouponEntry? coupon)
    {
        var chunk = Array.BinarySearch(_firstIds, id);
        if (chunk < 0)
        {
            chunk = ~chunk - 1;
        }

        if (chunk >= 0 && _recovered[chunk].Find(id) is { } found)
        {
            coupon = found;
            return true;
        }

        return _live.TryGetValue(id, out coupon);
    }
}

/// <summary>Recovered coupons in id order.</summary>
internal sealed class SortedChunk(CouponEntry[] coupons, int count)
{
    public CouponEntry[] Coupons { get; } = coupons;
    public int Count { get; } = count;

    public CouponEntry? Find(Guid id)
    {
        var low = 0;
        var high = Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var coupon = Coupons[middle];
            var order = coupon.Id.CompareTo(id);
            if (order == 0)
            {
                return coupon;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return null;
    }
}
