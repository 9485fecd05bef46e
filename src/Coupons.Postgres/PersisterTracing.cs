using System.Diagnostics;
using Coupons.Core;

namespace Coupons.Postgres;

/// <summary>
/// The persister's spans, when tracing is on: <c>persister round</c>, a trace of its own for each
/// set of streams read with entries in it (how many streams, how many events), and under it
/// <c>persister batch</c> for each shard's transaction (the shard's index, its events).
/// </summary>
internal static class PersisterTracing
{
    public static Activity? StartRound(int streams, int events)
    {
        var span = Tracing.StartRoot("persister round");
        if (span is not null)
        {
            span.SetTag("coupons.persister.streams", streams);
            span.SetTag("coupons.batch.size", events);
        }

        return span;
    }

    public static Activity? StartBatch(int shard, int events)
    {
        var span = Tracing.StartChild("persister batch", ActivityKind.Client);
        if (span is not null)
        {
            span.SetTag("db.system.name", "postgresql");
            span.SetTag("db.operation.name", "BATCH");
            span.SetTag("coupons.persister.shard", shard);
            span.SetTag("coupons.batch.size", events);
        }

        return span;
    }
}
