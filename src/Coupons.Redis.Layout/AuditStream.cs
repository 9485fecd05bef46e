using StackExchange.Redis;

namespace Coupons.Redis.Layout;

/// <summary>
/// Appends the audit entry of a change kept outside the store (the blocklist, fraud flags) as an
/// event of its own (<see cref="EventKind.Audit"/>) to a stream the persisters drain with the
/// others: durable (AOF) once appended, and in the audit table once persisted, like the entry
/// every store change carries.
/// </summary>
public sealed class AuditStream(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time)
{
    public async ValueTask AppendAsync(string action, string subject, string? before, string? after, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await RedisFailures.TranslateAsync(async () =>
        {
            var db = redis.GetDatabase();
            var stream = keys.AuditEvents;
            await db.SetAddAsync(keys.Streams, stream).ConfigureAwait(false);
            NameValueEntry[] fields =
            [
                new(StreamEvent.Fields.Event, StreamEvent.Audit), new(StreamEvent.Fields.Action, action), new(StreamEvent.Fields.Subject, subject),
                new(StreamEvent.Fields.Before, before ?? ""), new(StreamEvent.Fields.After, after ?? ""),
                new(AuditField.Name, AuditField.Encode(time.GetUtcNow().ToUnixTimeMilliseconds())),
            ];
            await db.StreamAddAsync(stream, fields).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }
}
