using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Postgres.Tests;

/// <summary>
/// The same events delivered again, as after a persister that died between storing a batch and
/// acknowledging it. Entries are deleted once acknowledged, so the test keeps a copy of every
/// stream's entries before they are stored, and appends them again afterwards.
/// </summary>
internal sealed class StreamReplay(List<(string Stream, StreamEntry[] Entries)> kept)
{
    public int Count => kept.Sum(s => s.Entries.Length);

    public static async Task<StreamReplay> KeepAsync(IDatabase db, RedisKeys keys)
    {
        var kept = new List<(string Stream, StreamEntry[] Entries)>();
        foreach (var stream in await db.SetMembersAsync(keys.Streams))
        {
            kept.Add(((string)stream!, await db.StreamRangeAsync((string)stream!)));
        }

        return new StreamReplay(kept);
    }

    /// <summary>Appends the kept entries again, each stream's in reverse order when <paramref name="reversed"/> (later changes stored first).</summary>
    public async Task AppendAgainAsync(IDatabase db, bool reversed)
    {
        foreach (var (stream, entries) in kept)
        {
            foreach (var entry in reversed ? entries.Reverse() : entries)
            {
                await db.StreamAddAsync(stream, entry.Values);
            }
        }
    }
}
