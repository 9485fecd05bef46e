using System.Diagnostics;

namespace Coupons.Bench.Load;

/// <summary>A stretch of load at one rate (requests per second).</summary>
public readonly record struct RateSegment(double RequestsPerSecond, TimeSpan Duration);

/// <summary>
/// When each arrival is meant to start: segments one after another, each segment's arrivals evenly
/// spaced at its own rate, the next segment beginning when the last one's time is up (not when its
/// last arrival went). A single segment spaces arrival <c>n</c> at <c>n / rate</c> as a plain phase does.
/// </summary>
public sealed class ArrivalSchedule
{
    private readonly double[] _ticksPerArrival;
    private readonly long[] _firstArrival;
    private readonly long[] _startTicks;

    /// <param name="segments">The rates, in requests per second.</param>
    /// <param name="requestsPerOperation">Requests one arrival makes (a rate of requests becomes a rate of arrivals).</param>
    public ArrivalSchedule(IReadOnlyList<RateSegment> segments, double requestsPerOperation = 1)
    {
        ArgumentOutOfRangeException.ThrowIfZero(segments.Count);
        Segments = segments;
        _ticksPerArrival = new double[segments.Count];
        _firstArrival = new long[segments.Count + 1];
        _startTicks = new long[segments.Count + 1];
        for (var i = 0; i < segments.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segments[i].RequestsPerSecond);
            var arrivalsPerSecond = segments[i].RequestsPerSecond / requestsPerOperation;
            _ticksPerArrival[i] = Stopwatch.Frequency / arrivalsPerSecond;
            _firstArrival[i + 1] = _firstArrival[i] + (long)Math.Ceiling(arrivalsPerSecond * segments[i].Duration.TotalSeconds);
            _startTicks[i + 1] = _startTicks[i] + (long)(segments[i].Duration.TotalSeconds * Stopwatch.Frequency);
        }
    }

    public IReadOnlyList<RateSegment> Segments { get; }

    /// <summary>Arrivals over every segment.</summary>
    public long Arrivals => _firstArrival[^1];

    /// <summary>Stopwatch ticks from the schedule's start to its end.</summary>
    public long DurationTicks => _startTicks[^1];

    /// <summary>The segment arrival <paramref name="number"/> belongs to.</summary>
    public int SegmentOf(long number)
    {
        var index = Array.BinarySearch(_firstArrival, number);
        // An exact hit is the first arrival of that segment; otherwise the segment that began before it.
        return Math.Min(index >= 0 ? index : ~index - 1, Segments.Count - 1);
    }

    /// <summary>Stopwatch ticks from the schedule's start to when arrival <paramref name="number"/> is meant to start.</summary>
    public long OffsetTicks(long number)
    {
        var segment = SegmentOf(number);
        return _startTicks[segment] + (long)((number - _firstArrival[segment]) * _ticksPerArrival[segment]);
    }

    /// <summary>Seconds from the schedule's start to where segment <paramref name="segment"/> begins.</summary>
    public double StartSeconds(int segment) => (double)_startTicks[segment] / Stopwatch.Frequency;

    /// <summary>The request rate the schedule asks for <paramref name="seconds"/> after its start (0 once it is over).</summary>
    public double RequestRateAt(double seconds)
    {
        var ticks = (long)(seconds * Stopwatch.Frequency);
        for (var i = 0; i < Segments.Count; i++)
        {
            if (ticks < _startTicks[i + 1])
            {
                return Segments[i].RequestsPerSecond;
            }
        }

        return 0;
    }
}
