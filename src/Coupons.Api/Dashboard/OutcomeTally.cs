using Coupons.Core;

namespace Coupons.Api.Dashboard;

/// <summary>
/// Counts of answers by outcome since the node started, readable in-process (an OpenTelemetry
/// counter is not): one slot per outcome value, added to without a lock.
/// </summary>
internal sealed class OutcomeTally
{
    private readonly long[] _counts = new long[byte.MaxValue + 1];

    public void Add(Outcome outcome) => Interlocked.Increment(ref _counts[(byte)outcome]);

    /// <summary>The outcomes met so far, by code.</summary>
    public IReadOnlyDictionary<string, long> Read()
    {
        var read = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var value = 0; value < _counts.Length; value++)
        {
            if (Volatile.Read(ref _counts[value]) is var count and > 0)
            {
                read[((Outcome)value).ToCode()] = count;
            }
        }

        return read;
    }
}
