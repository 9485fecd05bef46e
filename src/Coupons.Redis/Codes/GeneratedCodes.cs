using System.Globalization;
using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Generated codes: each in its code partition's index (addcodes.lua: stored, kept when a redone step
/// writes it again, or a clash), then in its campaign's list and on the way to PostgreSQL
/// (listcodes.lua), for <see cref="ListAsync"/>.
/// </summary>
/// <remarks>
/// A step's codes are grouped by partition (at most 256 slots, however many codes) and every
/// group's script is sent in one pipeline. Once all have answered, one script in the campaign's slot
/// writes the stored codes in the list's chunks and appends them to the slot's stream, five
/// hundred codes an event: a million codes are two thousand events, not a million. A node that dies between
/// the two leaves codes in the index that neither the list nor PostgreSQL has; the job's step was not
/// committed, so it is redone and lists them. Such a code claimed meanwhile reaches PostgreSQL with
/// its claim, which carries the code's whole row.
/// </remarks>
internal sealed class GeneratedCodes(IDatabase db, RedisKeys keys)
{
    private const int MaxCodesPerScript = 512;
    /// <summary>How many codes one page of a filtered listing looks at, at most.</summary>
    private const int MaxExaminedPerPage = 1_000;

    public async Task<AddCodesResult> AddAsync(Guid campaignId, Guid jobId, IReadOnlyList<NewCode> codes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codes);
        cancellationToken.ThrowIfCancellationRequested();
        var status = await db.HashGetAsync(keys.Campaign(campaignId), CampaignRecord.Fields.Status).ConfigureAwait(false);
        if (status.IsNull)
        {
            return new AddCodesResult(Outcome.CampaignNotFound, []);
        }

        if (WireNames.ParseCampaignStatus(status.ToString()) == CampaignStatus.Ended)
        {
            return new AddCodesResult(Outcome.CampaignEnded, []);
        }

        // As text once, for both the partitions and the list.
        var texts = codes.Select(c => new CodeText(c.Hash.ToText(), c.Index.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(c.Sealed))).ToArray();
        var clashes = await StoreAsync(campaignId, jobId, codes, texts).ConfigureAwait(false);
        await ListAsync(campaignId, jobId, codes, texts, clashes).ConfigureAwait(false);
        return new AddCodesResult(Outcome.Ok, clashes);
    }

    public async Task<CodePage> ListAsync(Guid campaignId, CodeStatus? status, CodeCursor? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var found = new List<CodeEntry>();
        var (job, index) = after is { } cursor ? (cursor.JobId, cursor.Index + 1) : (Guid.Empty, 0L);
        // A page of every code reads as many slots as it needs (empty ones only from clashes or a step in flight).
        var budget = MaxExaminedPerPage + (status is null ? limit + 1 : 0);
        for (var examined = 0; examined < budget;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var take = status is null ? limit + 1 - found.Count : Math.Min(Math.Max(limit + 1, 64), budget - examined);
            var (listed, last, looked) = await ReadListAsync(campaignId, job, index, take).ConfigureAwait(false);
            if (last is not { } lastSlot)
            {
                return new CodePage(found, null);
            }

            foreach (var entry in (await ReadAsync(listed).ConfigureAwait(false)).Where(e => status is null || e.Status == status))
            {
                found.Add(entry);
                if (found.Count > limit)
                {
                    found.RemoveAt(limit);
                    return new CodePage(found, found[^1].Cursor);
                }
            }

            examined += looked;
            (job, index) = (lastSlot.JobId, lastSlot.Index + 1);
        }

        // Looked at as many as a page may: the page ends short, and the next goes on from there.
        return new CodePage(found, new CodeCursor(job, index - 1));
    }

    /// <summary>
    /// Up to <paramref name="take"/> slots of the list from (<paramref name="job"/>, <paramref name="index"/>)
    /// on, within one chunk: the codes in them, the last slot passed (null: the list ends before) and how many were read.
    /// </summary>
    private async Task<(List<(Guid JobId, long Index, CodeHash Hash)> Codes, CodeCursor? Last, int Looked)> ReadListAsync(Guid campaignId, Guid job, long index, int take)
    {
        var members = await db.SortedSetRangeByValueAsync(keys.CampaignCodes(campaignId), CodeList.Member(job, CodeList.ChunkOf(index)), default, Exclude.None, Order.Ascending, 0, 1).ConfigureAwait(false);
        if (members.Length == 0)
        {
            return ([], null, 0);
        }

        var (chunkJob, chunk) = CodeList.ParseMember(members[0].ToString());
        var first = chunkJob == job && chunk == CodeList.ChunkOf(index) ? index : chunk * CodeList.ChunkSize;
        var slots = (int)Math.Min(take, ((chunk + 1) * CodeList.ChunkSize) - first);
        var offset = CodeList.OffsetOf(first);
        var read = (byte[])(await db.StringGetRangeAsync(keys.CampaignCodeChunk(campaignId, chunkJob, chunk), offset, offset + (slots * CodeList.SlotBytes) - 1).ConfigureAwait(false))!;

        // A chunk written only in part ends early: the rest of its slots are empty, passed over for nothing.
        var lastIndex = read.Length < slots * CodeList.SlotBytes ? ((chunk + 1) * CodeList.ChunkSize) - 1 : first + slots - 1;
        return ([.. CodeList.Read(first, read).Select(c => (chunkJob, c.Index, c.Hash))], new CodeCursor(chunkJob, lastIndex), Math.Max(1, read.Length / CodeList.SlotBytes));
    }

    /// <summary>The codes listed, read from their partitions (records and claims) in one pipeline.</summary>
    private async Task<List<CodeEntry>> ReadAsync(List<(Guid JobId, long Index, CodeHash Hash)> listed)
    {
        var batch = db.CreateBatch();
        var reads = listed.Select(m =>
        {
            var (slot, field) = (RedisKeys.CodeSlot(m.Hash), m.Hash.ToText());
            return (m.Hash, Record: batch.HashGetAsync(keys.Codes(slot), field), Claim: batch.HashGetAsync(keys.CodeClaims(slot), field));
        }).ToList();
        batch.Execute();
        var entries = new List<CodeEntry>(reads.Count);
        foreach (var (hash, recordRead, claimRead) in reads)
        {
            var record = CodeRecord.Parse((await recordRead.ConfigureAwait(false)).ToString());
            var claim = await claimRead.ConfigureAwait(false) is { IsNull: false } text ? CodeClaim.Parse(text.ToString()) : (CodeClaim?)null;
            var claimed = claim is { Claimed: true } ? claim : null;
            entries.Add(new CodeEntry(
                record.JobId, record.Index, hash, Convert.FromBase64String(record.Sealed!), claimed?.UserId, claimed?.CouponId, claimed?.AtMs));
        }

        return entries;
    }

    /// <summary>Runs addcodes.lua for every partition the codes fall in, all in one pipeline; returns the clashes' positions, in order.</summary>
    private async Task<List<int>> StoreAsync(Guid campaignId, Guid jobId, IReadOnlyList<NewCode> codes, CodeText[] texts)
    {
        var (campaign, job) = (RedisKeys.Id(campaignId), RedisKeys.Id(jobId));
        var batch = db.CreateBatch();
        var calls = new List<(List<int> Positions, Task<RedisResult> Answer)>();
        foreach (var group in Enumerable.Range(0, codes.Count).GroupBy(i => RedisKeys.CodeSlot(codes[i].Hash)))
        {
            foreach (var positions in group.Chunk(MaxCodesPerScript))
            {
                var values = new RedisValue[2 + (positions.Length * 3)];
                (values[0], values[1]) = (campaign, job);
                for (var i = 0; i < positions.Length; i++)
                {
                    var text = texts[positions[i]];
                    values[2 + (i * 3)] = text.Hash;
                    values[3 + (i * 3)] = text.Index;
                    values[4 + (i * 3)] = text.Sealed;
                }

                calls.Add(([.. positions], Script.AddCodes.RunAsync(batch, [keys.Codes(group.Key)], values, retryOn: db)));
            }
        }

        batch.Execute();
        var clashes = new List<int>();
        foreach (var (positions, answer) in calls)
        {
            clashes.AddRange(((RedisResult[])(await answer.ConfigureAwait(false))!).Select(r => positions[(int)r]));
        }

        clashes.Sort();
        return clashes;
    }

    /// <summary>
    /// Writes the stored codes (new and kept) in their slots of the campaign's list, names their
    /// chunks and appends them to the campaign slot's stream for the persisters (listcodes.lua).
    /// </summary>
    private async Task ListAsync(Guid campaignId, Guid jobId, IReadOnlyList<NewCode> codes, CodeText[] texts, List<int> clashes)
    {
        var clashed = clashes.ToHashSet();
        var stored = Enumerable.Range(0, codes.Count).Where(i => !clashed.Contains(i)).ToList();
        if (stored.Count == 0)
        {
            return;
        }

        var runs = CodeList.Runs(stored.Select(i => (codes[i].Index, codes[i].Hash)));
        var keyList = new List<RedisKey> { keys.CampaignCodes(campaignId), keys.Events(RedisKeys.CampaignSlot(campaignId)) };
        var values = new List<RedisValue> { RedisKeys.Id(campaignId), RedisKeys.Id(jobId), runs.Count };
        foreach (var (chunk, offset, slots) in runs)
        {
            keyList.Add(keys.CampaignCodeChunk(campaignId, jobId, chunk));
            values.AddRange([offset, slots, CodeList.Member(jobId, chunk)]);
        }

        foreach (var part in stored.Chunk(CodeEvents.MaxCodesPerEvent))
        {
            values.AddRange([
                string.Concat(part.Select(i => texts[i].Hash)),
                string.Join(',', part.Select(i => texts[i].Index)),
                string.Join(',', part.Select(i => texts[i].Sealed)),
            ]);
        }

        await Script.ListCodes.RunAsync(db, [.. keyList], [.. values]).ConfigureAwait(false);
    }
}

/// <summary>A code as the scripts and events write it: its hash (base64url), index and sealed form (base64).</summary>
internal readonly record struct CodeText(string Hash, string Index, string Sealed);
