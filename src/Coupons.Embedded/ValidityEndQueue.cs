using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Coupons.Embedded;

/// <summary>
/// The sweeper's queue of coupons by end of validity: the recovered coupons first, kept as the
/// arrays recovery built them in (claim order), then those claimed since, in a concurrent queue.
/// Any thread may enqueue; only one may peek and dequeue at a time (the sweeper holds its gate).
/// </summary>
internal sealed class ValidityEndQueue
{
    private readonly ConcurrentQueue<CouponEntry> _live = new();
    private (CouponEntry[] Coupons, int Count)[] _recovered = [];
    private int _segment;
    private int _index;

    /// <summary>Sets the recovered coupons, in claim order; before the store takes requests.</summary>
    public void SetRecovered((CouponEntry[] Coupons, int Count)[] segments)
    {
        _recovered = segments;
        _segment = 0;
        _index = 0;
    }

    public void Enqueue(CouponEntry coupon) => _live.Enqueue(coupon);

    public bool TryPeek([NotNullWhen(true)] out CouponEntry? coupon)
    {
        while (_segment < _recovered.Length)
        {
            var (coupons, count) = _recovered[_segment];
            if (_index < count)
            {
                coupon = coupons[_index];
                return true;
            }

            // Let the collector have what was swept.
            _recovered[_segment] = default;
            _segment++;
            _index = 0;
        }

        return _live.TryPeek(out coupon);
    }

    public void Dequeue()
    {
        if (TryPeek(out _) && _segment < _recovered.Length)
        {
            _index++;
        }
        else
        {
            _live.TryDequeue(out _);
        }
    }
}
