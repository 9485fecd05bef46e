using System.Diagnostics;
using System.Diagnostics.Metrics;
using Coupons.Core;

namespace Coupons.Redis;

/// <summary>
/// The Lua scripts on <c>/metrics</c> (meter <c>Coupons</c>): how long each call took as this node
/// saw it (sent, run, answered), and the calls that failed (a timeout, a lost connection, an error
/// from Redis), by script. And each call's span (<c>EVALSHA claim</c>, …) when it is made inside a
/// trace: the script's name, never its keys or arguments.
/// </summary>
internal static class ScriptMetrics
{
    private static readonly Meter Meter = new("Coupons");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "coupons.redis.script.duration", "s", "Time a Lua script call took from this node, sent to answered, by script",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });

    private static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "coupons.redis.script.errors", "{call}", "Lua script calls that failed (timeout, connection, error from Redis), by script");

    private static readonly Counter<long> Openings = Meter.CreateCounter<long>(
        "coupons.redis.breaker.openings", "{opening}", "Times the Redis circuit breaker opened: calls failing past the timeout or unable to reach Redis, refused at once until one gets through");

    /// <summary>The Redis circuit breaker opened (<see cref="RedisGuard"/>).</summary>
    public static void BreakerOpened() => Openings.Add(1);

    public static void Ran(string script, long startedAt) =>
        Duration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, new KeyValuePair<string, object?>("script", script));

    public static void Failed(string script) => Errors.Add(1, new KeyValuePair<string, object?>("script", script));

    public static Activity? StartSpan(Script script)
    {
        var span = Tracing.StartChild(script.SpanName, ActivityKind.Client);
        if (span is not null)
        {
            span.SetTag("db.system.name", "redis");
            span.SetTag("db.operation.name", "EVALSHA");
            span.SetTag("db.stored_procedure.name", script.Name);
        }

        return span;
    }
}
