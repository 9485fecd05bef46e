using System.Diagnostics;
using System.Threading.Channels;

namespace Coupons.Bench.Load;

/// <summary>One arrival of the open model: its number, the time it was meant to start, and whether it is measured.</summary>
public readonly record struct Arrival(long Number, long IntendedTimestamp, bool Measured);

/// <summary>What the load consists of: each arrival is one operation (one or more requests in a row).</summary>
public interface IWorkload
{
    /// <summary>The request kinds this workload records, e.g. <c>claim</c>, <c>lock</c>, <c>redeem</c>.</summary>
    IReadOnlyList<string> Kinds { get; }

    /// <summary>Requests per operation on average, to turn a request rate into an arrival rate.</summary>
    double RequestsPerOperation { get; }

    /// <summary>Runs one operation and records each of its requests in <paramref name="meter"/>.</summary>
    Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken);
}

/// <summary>The settings of one phase at a fixed rate.</summary>
public sealed record PhaseSettings(double RequestsPerSecond, TimeSpan Duration, TimeSpan Warmup, int Connections, TimeSpan Drain)
{
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many arrivals, when a scenario needs an exact count.</summary>
    public long? ArrivalLimit { get; init; }

    /// <summary>
    /// Rates one after another instead of <see cref="RequestsPerSecond"/> throughout (warm-up
    /// included: the first <see cref="Warmup"/> of the schedule is not measured). A spike is a
    /// schedule, so that its end and what follows are on one clock with no pause between.
    /// </summary>
    public IReadOnlyList<RateSegment>? Schedule { get; init; }

    /// <summary>The schedule this phase follows: <see cref="Schedule"/>, or one rate for warm-up and duration.</summary>
    public IReadOnlyList<RateSegment> Segments => Schedule ?? [new RateSegment(RequestsPerSecond, Warmup + Duration)];
}

/// <summary>One point of the time series: a second (or sample interval) of a phase; <c>Warmup</c> when the interval began in warm-up.</summary>
public sealed record SeriesPoint(double AtSeconds, double TargetPerSecond, double AchievedPerSecond, double P50Ms, double P99Ms, double P999Ms, double MaxMs, long Errors, double? ServerMemoryMb, bool Warmup);

/// <summary>What one phase measured.</summary>
public sealed record PhaseResult(
    double TargetPerSecond,
    double AchievedPerSecond,
    long Arrivals,
    long Requests,
    long Errors,
    long Dropped,
    LatencySummary All,
    IReadOnlyDictionary<string, LatencySummary> ByKind,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Answers,
    IReadOnlyList<SeriesPoint> Series)
{
    /// <summary>The rate was held: at least 95% of the target was achieved and every arrival was sent.</summary>
    public bool Held => AchievedPerSecond >= 0.95 * TargetPerSecond && Dropped == 0;
}

/// <summary>
/// The open-model driver. Arrivals come at a fixed rate whatever the server does; a bounded set of
/// workers (one per connection) takes them in order. Every latency is measured from the arrival's
/// intended time, so time spent waiting for a free connection behind a stalled server is counted
/// (no coordinated omission). Arrivals the workers cannot start before the drain time runs out are
/// counted as dropped.
/// </summary>
public static class LoadEngine
{
    public static async Task<PhaseResult> RunAsync(
        IWorkload workload, PhaseSettings settings, Func<double?>? serverMemoryMb, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.RequestsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.Connections);
        var meter = new Meter(workload.Kinds);
        var schedule = new ArrivalSchedule(settings.Segments, workload.RequestsPerOperation);
        var total = Math.Min(schedule.Arrivals, settings.ArrivalLimit ?? long.MaxValue);
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
        var measureFrom = start + (long)(settings.Warmup.TotalSeconds * Stopwatch.Frequency);
        var end = start + schedule.DurationTicks;
        var dropAfter = end + (long)(settings.Drain.TotalSeconds * Stopwatch.Frequency);
        long Intended(long number) => start + schedule.OffsetTicks(number);

        var queue = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleWriter = true });
        long dropped = 0;
        var workers = Enumerable.Range(0, settings.Connections).Select(_ => Task.Run(async () =>
        {
            await foreach (var number in queue.Reader.ReadAllAsync(cancellationToken))
            {
                var intended = Intended(number);
                if (Stopwatch.GetTimestamp() > dropAfter)
                {
                    Interlocked.Increment(ref dropped);
                    // Tallied under the first kind: an arrival not sent never became a particular request.
                    meter.RecordDropped(0);
                    continue;
                }

                await workload.RunAsync(new Arrival(number, intended, intended >= measureFrom), meter, cancellationToken);
            }
        }, cancellationToken)).ToArray();

        var dispatcher = new Thread(() => Dispatch(queue.Writer, total, Intended, cancellationToken)) { IsBackground = true, Name = "arrivals", Priority = ThreadPriority.AboveNormal };
        dispatcher.Start();

        var series = new List<SeriesPoint>();
        using var sampler = new PeriodicTimer(settings.SampleInterval);
        var lastRequests = 0L;
        var lastErrors = 0L;
        var lastSample = start;
        var all = Task.WhenAll(workers);
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, sampler.WaitForNextTickAsync(cancellationToken).AsTask());
            var now = Stopwatch.GetTimestamp();
            var interval = meter.TakeInterval();
            var requests = meter.Requests;
            var errors = meter.Errors;
            var seconds = Math.Max(1e-6, (double)(now - lastSample) / Stopwatch.Frequency);
            var summary = LatencySummary.Of(interval);
            var at = Math.Max(0, (double)(now - start) / Stopwatch.Frequency);
            var point = new SeriesPoint(
                Math.Round(at, 2), Math.Round(schedule.RequestRateAt((double)(now - start) / Stopwatch.Frequency)), Math.Round((requests - lastRequests) / seconds),
                summary.P50Ms, summary.P99Ms, summary.P999Ms, summary.MaxMs, errors - lastErrors, serverMemoryMb?.Invoke(), lastSample < measureFrom);
            series.Add(point);
            progress?.Report($"t={at,5:0}s target {point.TargetPerSecond,8:0}/s achieved {point.AchievedPerSecond,8:0}/s p50 {point.P50Ms,7:0.00}ms p99 {point.P99Ms,7:0.00}ms errors {errors}{(point.Warmup ? " (warm-up)" : "")}");
            lastRequests = requests;
            lastErrors = errors;
            lastSample = now;
        }

        await all;
        dispatcher.Join();
        var measuredSeconds = Math.Max(
            (double)(end - measureFrom) / Stopwatch.Frequency, (double)(Math.Max(meter.LastMeasuredCompletion, end) - measureFrom) / Stopwatch.Frequency);
        var byKind = new Dictionary<string, LatencySummary>();
        var answers = new Dictionary<string, IReadOnlyDictionary<string, long>>();
        for (var kind = 0; kind < workload.Kinds.Count; kind++)
        {
            byKind[workload.Kinds[kind]] = meter.Summary(kind);
            answers[workload.Kinds[kind]] = meter.Tally(kind);
        }

        return new PhaseResult(
            settings.RequestsPerSecond, Math.Round(meter.MeasuredRequests / measuredSeconds), total, meter.Requests, meter.Errors, dropped,
            meter.SummaryOfAll(), byKind, answers, series);
    }

    /// <summary>Releases each arrival at its intended time, or at once when it is already late.</summary>
    private static void Dispatch(ChannelWriter<long> writer, long total, Func<long, long> intended, CancellationToken cancellationToken)
    {
        long next = 0;
        while (next < total && !cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            while (next < total && intended(next) <= now)
            {
                writer.TryWrite(next++);
            }

            if (next < total)
            {
                PreciseSleep.For((intended(next) - now) * 1_000_000 / Stopwatch.Frequency);
            }
        }

        writer.TryComplete();
    }
}
