using System.Diagnostics;

namespace Coupons.Core;

/// <summary>
/// The service's spans: one ActivitySource, <c>Coupons</c> (the meter's name too), for the store
/// calls, the Redis scripts, the embedded store's group commits and the persister's batches. With
/// no listener (tracing off) nothing is made: the start methods return null before anything is
/// allocated, and callers set tags only on a span they got. Tags carry ids, counts, names and
/// outcome codes, never a token, a key, a code or other text a user sent.
/// </summary>
public static class Tracing
{
    public const string SourceName = "Coupons";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// A span inside the current trace (a request's), or null: tracing is off, or there is no trace
    /// (background work such as jobs and sweeps makes no spans of these kinds).
    /// </summary>
    public static Activity? StartChild(string name, ActivityKind kind = ActivityKind.Internal) =>
        Source.HasListeners() && Activity.Current is not null ? Source.StartActivity(name, kind) : null;

    /// <summary>
    /// A span that begins a trace of its own: work done for many requests at once (a group commit,
    /// a persister's round), whichever request's trace the thread happens to carry.
    /// </summary>
    public static Activity? StartRoot(string name, ActivityKind kind = ActivityKind.Internal)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        Activity.Current = null;
        return Source.StartActivity(name, kind);
    }

    /// <summary>Marks a span failed by the exception's type only (its message may quote what it was given).</summary>
    public static void Failed(Activity? span, Exception exception)
    {
        if (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error);
            span.SetTag("error.type", exception.GetType().FullName);
        }
    }
}
