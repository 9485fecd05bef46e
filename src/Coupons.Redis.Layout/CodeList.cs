using System.Globalization;
using Coupons.Core.Codes;

namespace Coupons.Redis.Layout;

/// <summary>
/// A campaign's list of generated codes, read by job, then index (listing and CSV export): each job's
/// indexes cut into chunks of <see cref="ChunkSize"/>, each chunk a string of 16-byte slots, the
/// hash of the code at that index or zeros while it has none (<see cref="RedisKeys.CampaignCodeChunk"/>);
/// the campaign's sorted set names the chunks that exist (<see cref="Member"/>).
/// </summary>
/// <remarks>
/// A slot is written in place (SETRANGE), so a step redone, or a clash derived again, writes the
/// same slot again: a million codes are 16 MB in 245 strings, not a million members of a sorted set.
/// </remarks>
public static class CodeList
{
    public const int ChunkSize = 4_096;

    public const int SlotBytes = CodeHash.Bytes;

    public static long ChunkOf(long index) => index / ChunkSize;

    /// <summary>Where the slot of <paramref name="index"/> starts in its chunk.</summary>
    public static int OffsetOf(long index) => (int)(index % ChunkSize) * SlotBytes;

    /// <summary>A chunk's member in the campaign's sorted set: job, chunk (16 hex digits, so text order is number order).</summary>
    public static string Member(Guid jobId, long chunk) => RedisKeys.Id(jobId) + chunk.ToString("x16", CultureInfo.InvariantCulture);

    public static (Guid JobId, long Chunk) ParseMember(string member)
    {
        ArgumentNullException.ThrowIfNull(member);
        return (RedisKeys.ParseId(member[..32]), long.Parse(member.AsSpan(32, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The writes that put <paramref name="codes"/> in their slots: one per run of consecutive
    /// indexes within a chunk (a whole generation step is a few, however many codes).
    /// </summary>
    public static List<(long Chunk, int Offset, byte[] Slots)> Runs(IEnumerable<(long Index, CodeHash Hash)> codes)
    {
        var runs = new List<(long Chunk, int Offset, byte[] Slots)>();
        var run = new List<CodeHash>();
        var (first, next) = (-1L, -1L);
        foreach (var (index, hash) in codes.OrderBy(c => c.Index))
        {
            if (index != next || ChunkOf(index) != ChunkOf(first))
            {
                Flush(runs, first, run);
                first = index;
            }

            run.Add(hash);
            next = index + 1;
        }

        Flush(runs, first, run);
        return runs;
    }

    /// <summary>The codes in slots read from a chunk, the first slot being that of <paramref name="firstIndex"/>; empty slots are skipped.</summary>
    public static IEnumerable<(long Index, CodeHash Hash)> Read(long firstIndex, byte[] slots)
    {
        ArgumentNullException.ThrowIfNull(slots);
        for (var i = 0; i + SlotBytes <= slots.Length; i += SlotBytes)
        {
            var hash = CodeHash.Read(slots.AsSpan(i, SlotBytes));
            if (hash.Value != UInt128.Zero)
            {
                yield return (firstIndex + (i / SlotBytes), hash);
            }
        }
    }

    private static void Flush(List<(long Chunk, int Offset, byte[] Slots)> runs, long first, List<CodeHash> run)
    {
        if (run.Count == 0)
        {
            return;
        }

        var slots = new byte[run.Count * SlotBytes];
        for (var i = 0; i < run.Count; i++)
        {
            run[i].Write(slots.AsSpan(i * SlotBytes, SlotBytes));
        }

        runs.Add((ChunkOf(first), OffsetOf(first), slots));
        run.Clear();
    }
}
