using System.Collections.Concurrent;
using System.Diagnostics;
using Coupons.Bench.Load;
using Coupons.Bench.Service;
using HdrHistogram;

namespace Coupons.Bench.Scenarios;

/// <summary>What an answer means for the spike's bars.</summary>
public enum SpikeAnswerClass
{
    /// <summary>2xx or 409: the node let the claim in and decided it.</summary>
    Admitted,

    /// <summary>503 <c>overloaded</c>: shed by admission control.</summary>
    Shed,

    /// <summary>Anything else (another 5xx, a timeout, no connection): a failure of the bar.</summary>
    Other,
}

/// <summary>
/// The spike's answers by the time each arrival was meant to start (not when it was answered), per
/// phase (a segment of the schedule) and per 100 ms bucket: counts of admitted, shed and other
/// answers, every admitted latency (for the p99 of any window), and how late the tool itself
/// started each arrival (all connections busy, or the tool short of CPU), so that a spike the tool
/// could not send is seen as such. What was offered in a window comes from the schedule, so an
/// arrival never sent counts as offered and not answered.
/// </summary>
public sealed class SpikeRecorder
{
    /// <summary>An arrival started later than this after its time was sent late by the tool.</summary>
    public static readonly TimeSpan LateStart = TimeSpan.FromMilliseconds(20);

    public static readonly long BucketTicks = Stopwatch.Frequency / 10;

    private readonly ArrivalSchedule _schedule;
    private readonly Bucket[] _buckets;
    private readonly Phase[] _phases;

    public SpikeRecorder(ArrivalSchedule schedule)
    {
        _schedule = schedule;
        _buckets = new Bucket[(int)(schedule.DurationTicks / BucketTicks) + 2];
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new Bucket();
        }

        _phases = [.. schedule.Segments.Select(_ => new Phase())];
        for (long number = 0; number < schedule.Arrivals; number++)
        {
            _buckets[BucketOf(number)].Offered++;
            _phases[schedule.SegmentOf(number)].Offered++;
        }
    }

    public ArrivalSchedule Schedule => _schedule;

    public static SpikeAnswerClass Classify(Answer answer) => answer switch
    {
        { Status: (>= 200 and < 300) or 409 } => SpikeAnswerClass.Admitted,
        { Status: 503, Code: "overloaded" } => SpikeAnswerClass.Shed,
        _ => SpikeAnswerClass.Other,
    };

    /// <summary>Records arrival <paramref name="number"/>'s answer, its latency from its intended time and how late the tool started it.</summary>
    public void Record(long number, Answer answer, long latencyTicks, long startLagTicks)
    {
        var kind = Classify(answer);
        var micros = Math.Clamp(latencyTicks * 1_000_000 / Stopwatch.Frequency, 1, Meter.HighestMicroseconds);
        var phase = _phases[_schedule.SegmentOf(number)];
        phase.Answers.AddOrUpdate(answer.Label, 1, static (_, count) => count + 1);
        (kind switch { SpikeAnswerClass.Admitted => phase.Admitted, SpikeAnswerClass.Shed => phase.Shed, _ => phase.Other }).RecordValue(micros);
        phase.StartLag.RecordValue(Math.Clamp(startLagTicks * 1_000_000 / Stopwatch.Frequency, 1, Meter.HighestMicroseconds));
        if (startLagTicks > LateStart.TotalSeconds * Stopwatch.Frequency)
        {
            Interlocked.Increment(ref phase.Late);
        }

        var bucket = _buckets[BucketOf(number)];
        lock (bucket)
        {
            switch (kind)
            {
                case SpikeAnswerClass.Admitted:
                    bucket.AdmittedMicros.Add((int)Math.Min(int.MaxValue, micros));
                    break;
                case SpikeAnswerClass.Shed:
                    bucket.Shed++;
                    break;
                default:
                    bucket.Other++;
                    break;
            }
        }
    }

    /// <summary>What phase <paramref name="segment"/> saw.</summary>
    public SpikePhaseFigures Figures(int segment)
    {
        var phase = _phases[segment];
        return new SpikePhaseFigures(
            phase.Offered, LatencySummary.Of(phase.Admitted), LatencySummary.Of(phase.Shed), phase.Other.TotalCount,
            Volatile.Read(ref phase.Late), LatencySummary.Of(phase.StartLag),
            phase.Answers.OrderBy(pair => pair.Key, StringComparer.Ordinal).ToDictionary(pair => pair.Key, pair => pair.Value));
    }

    /// <summary>The window of <paramref name="length"/> buckets from bucket <paramref name="first"/>: offered, admitted and the admitted p99 (ms).</summary>
    public SpikeWindow Window(int first, int length)
    {
        var offered = 0L;
        var shed = 0L;
        var other = 0L;
        var admitted = new List<int>();
        for (var i = Math.Max(0, first); i < Math.Min(_buckets.Length, first + length); i++)
        {
            var bucket = _buckets[i];
            lock (bucket)
            {
                offered += bucket.Offered;
                shed += bucket.Shed;
                other += bucket.Other;
                admitted.AddRange(bucket.AdmittedMicros);
            }
        }

        admitted.Sort();
        var p99 = admitted.Count == 0 ? 0 : admitted[Math.Max(0, (int)Math.Ceiling(admitted.Count * 0.99) - 1)] / 1000.0;
        var p50 = admitted.Count == 0 ? 0 : admitted[Math.Max(0, (int)Math.Ceiling(admitted.Count * 0.5) - 1)] / 1000.0;
        return new SpikeWindow(first * 0.1, offered, admitted.Count, shed, other, Math.Round(p50, 3), Math.Round(p99, 3));
    }

    /// <summary>The bucket where segment <paramref name="segment"/> begins.</summary>
    public int FirstBucketOf(int segment) => (int)Math.Round(_schedule.StartSeconds(segment) * 10);

    /// <summary>Buckets over the whole schedule.</summary>
    public int BucketCount => _buckets.Length - 1;

    private int BucketOf(long number) => (int)(_schedule.OffsetTicks(number) / BucketTicks);

    private static LongConcurrentHistogram NewHistogram() => new(1, Meter.HighestMicroseconds, 3);

    private sealed class Bucket
    {
        public long Offered;
        public long Shed;
        public long Other;
        public readonly List<int> AdmittedMicros = [];
    }

    private sealed class Phase
    {
        public long Offered;
        public long Late;
        public readonly LongConcurrentHistogram Admitted = NewHistogram();
        public readonly LongConcurrentHistogram Shed = NewHistogram();
        public readonly LongConcurrentHistogram Other = NewHistogram();
        public readonly LongConcurrentHistogram StartLag = NewHistogram();
        public readonly ConcurrentDictionary<string, long> Answers = new(StringComparer.Ordinal);
    }
}

/// <summary>One phase of a spike run: latencies from each arrival's intended time; <c>Late</c>: arrivals the tool started over <see cref="SpikeRecorder.LateStart"/> late.</summary>
public sealed record SpikePhaseFigures(
    long Offered, LatencySummary Admitted, LatencySummary Shed, long Other, long Late, LatencySummary StartLag, IReadOnlyDictionary<string, long> Answers)
{
    public long Answered => Admitted.Count + Shed.Count + Other;

    /// <summary>Arrivals of the phase with no answer: never sent (the drain time ran out).</summary>
    public long Unanswered => Offered - Answered;
}

/// <summary>Arrivals meant to start in a window (from <c>AtSeconds</c> on the run's clock) and what became of them.</summary>
public sealed record SpikeWindow(double AtSeconds, long Offered, long Admitted, long Shed, long Other, double AdmittedP50Ms, double AdmittedP99Ms)
{
    /// <summary>The node served the window's load: at least 95 % admitted, admitted p99 under <paramref name="p99BarMs"/>.</summary>
    public bool AtFullRate(double p99BarMs) => Offered > 0 && Admitted >= 0.95 * Offered && AdmittedP99Ms < p99BarMs;
}
