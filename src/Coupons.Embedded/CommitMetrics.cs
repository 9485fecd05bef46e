using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>
/// The group commit on <c>/metrics</c> (meter <c>Coupons</c>): how many changes wait for the next
/// commit, how many each commit wrote, and how long each took to write and fsync. Recorded by the
/// writer thread once a commit (never on a request's path), except the queue's depth, read when
/// scraped. And each commit's span, <c>sqlite commit</c>, when tracing is on: a trace of its own
/// (a commit serves the requests of many traces), with the number of changes it wrote.
/// </summary>
internal static class CommitMetrics
{
    private static readonly Meter Meter = new("Coupons");
    private static readonly ConcurrentDictionary<GroupCommitLog, bool> Logs = new();

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "coupons.store.commit.duration", "s", "Time one group commit of the embedded store took to write its changes and fsync them",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram(
        "coupons.store.commit.batch.size", "{change}", "Changes one group commit of the embedded store wrote",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000] });

    static CommitMetrics() =>
        Meter.CreateObservableGauge("coupons.store.commit.queue", () => Logs.Keys.Sum(log => (long)log.Pending), "{change}", "Changes of the embedded store appended and waiting for the next group commit");

    public static void Opened(GroupCommitLog log) => Logs[log] = true;

    public static void Closed(GroupCommitLog log) => Logs.TryRemove(log, out _);

    public static Activity? StartSpan(int changes)
    {
        var span = Tracing.StartRoot("sqlite commit", ActivityKind.Client);
        if (span is not null)
        {
            span.SetTag("db.system.name", "sqlite");
            span.SetTag("db.operation.name", "COMMIT");
            span.SetTag("coupons.batch.size", changes);
        }

        return span;
    }

    public static void Committed(int changes, long startedAt)
    {
        Duration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds);
        BatchSize.Record(changes);
    }
}
