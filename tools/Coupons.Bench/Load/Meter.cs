using System.Collections.Concurrent;
using System.Diagnostics;
using Coupons.Bench.Service;
using HdrHistogram;

namespace Coupons.Bench.Load;

/// <summary>
/// Where the workers record: one latency histogram per request kind and one over all requests, for
/// the measured part of a phase; interval histograms over all requests for the time series; and a
/// tally of answers per kind. Recording is thread-safe and does not allocate for known labels.
/// </summary>
public sealed class Meter
{
    /// <summary>Latencies are kept in microseconds, up to a minute, with 3 significant digits.</summary>
    public const long HighestMicroseconds = 60_000_000;

    private readonly string[] _kinds;
    private readonly Recorder[] _measured;
    private readonly Recorder _all;
    private readonly Recorder _interval;
    private readonly ConcurrentDictionary<(int Kind, string Label), long>[] _tallies;
    private long _requests;
    private long _errors;
    private long _measuredRequests;
    private long _lastMeasuredCompletion;

    public Meter(IReadOnlyList<string> kinds)
    {
        _kinds = [.. kinds];
        _measured = [.. _kinds.Select(_ => NewRecorder())];
        _all = NewRecorder();
        _interval = NewRecorder();
        _tallies = [.. _kinds.Select(_ => new ConcurrentDictionary<(int, string), long>())];
    }

    public IReadOnlyList<string> Kinds => _kinds;

    /// <summary>Requests answered so far (all of them, warm-up included).</summary>
    public long Requests => Volatile.Read(ref _requests);

    public long Errors => Volatile.Read(ref _errors);

    public long MeasuredRequests => Volatile.Read(ref _measuredRequests);

    /// <summary>When the last measured request was answered, as a <see cref="Stopwatch"/> timestamp.</summary>
    public long LastMeasuredCompletion => Volatile.Read(ref _lastMeasuredCompletion);

    /// <summary>Records one answered request: its latency from the time it was meant to be sent.</summary>
    public void Record(int kind, long startTimestamp, Answer answer, bool expected, bool measured)
    {
        var now = Stopwatch.GetTimestamp();
        var micros = Math.Clamp((now - startTimestamp) * 1_000_000 / Stopwatch.Frequency, 1, HighestMicroseconds);
        Interlocked.Increment(ref _requests);
        if (!expected)
        {
            Interlocked.Increment(ref _errors);
        }

        _interval.RecordValue(micros);
        if (!measured)
        {
            return;
        }

        _measured[kind].RecordValue(micros);
        _all.RecordValue(micros);
        Interlocked.Increment(ref _measuredRequests);
        var tally = _tallies[kind];
        var label = (kind, answer.Label);
        tally.AddOrUpdate(label, 1, static (_, count) => count + 1);
        long last;
        do
        {
            last = Volatile.Read(ref _lastMeasuredCompletion);
        }
        while (now > last && Interlocked.CompareExchange(ref _lastMeasuredCompletion, now, last) != last);
    }

    /// <summary>Counts an arrival that was never sent because the phase's drain time ran out.</summary>
    public void RecordDropped(int kind) => _tallies[kind].AddOrUpdate((kind, "dropped"), 1, static (_, count) => count + 1);

    /// <summary>The histogram of everything recorded since the previous call (for the time series).</summary>
    public HistogramBase TakeInterval() => _interval.GetIntervalHistogram();

    public LatencySummary Summary(int kind) => LatencySummary.Of(_measured[kind].GetIntervalHistogram());

    public LatencySummary SummaryOfAll() => LatencySummary.Of(_all.GetIntervalHistogram());

    public IReadOnlyDictionary<string, long> Tally(int kind) =>
        _tallies[kind].OrderBy(pair => pair.Key.Label, StringComparer.Ordinal).ToDictionary(pair => pair.Key.Label, pair => pair.Value);

    // Many workers record at once: the recorder's histograms must take concurrent writes (a plain
    // LongHistogram loses counts and then fails to iterate).
    private static Recorder NewRecorder() =>
        new(1, HighestMicroseconds, 3, static (id, lowest, highest, digits) => new LongConcurrentHistogram(id, lowest, highest, digits));
}

/// <summary>Percentiles of one histogram, in milliseconds.</summary>
public sealed record LatencySummary(long Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary Of(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }

        static double Ms(long micros) => Math.Round(micros / 1000.0, 3);
        return new LatencySummary(
            histogram.TotalCount,
            Math.Round(histogram.GetMean() / 1000.0, 3),
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(90)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetValueAtPercentile(99.9)),
            Ms(histogram.GetMaxValue()));
    }
}
