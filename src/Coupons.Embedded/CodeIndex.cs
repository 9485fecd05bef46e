using System.Diagnostics;
using Coupons.Core.Codes;

namespace Coupons.Embedded;

/// <summary>
/// Every code by its lookup hash (<see cref="CodeHashTable"/>): campaigns' shared codes, and
/// generated codes as slots in chunked arrays of structs (a million codes are 24 bytes a slot and
/// 24 to 48 in the table, no object per code). A generation job's codes are stored under a small
/// number of the (campaign, job) pair (<see cref="JobNumberOf"/>), the one the codes table keys
/// rows by. Sealed forms stay in SQLite, read back only for listings.
/// </summary>
/// <remarks>
/// What is added (shared or generated) is checked and added under <see cref="Gate"/>, with the log
/// record that stands for it appended inside, so a hash is never given twice. A slot's claim is
/// set only under the log's lock (<see cref="GroupCommitLog.AppendIf"/>), together with the claim's
/// record, and read without a lock; slots never move once published, and chunks are only ever added.
/// </remarks>
internal sealed class CodeIndex
{
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;

    /// <summary>Hash → slot + 1 of a generated code, or −(place + 1) in <see cref="_shared"/> of a shared one.</summary>
    private readonly CodeHashTable _table = new();
    private readonly List<CampaignEntry> _shared = [];

    /// <summary>By job number − 1; a number that stands for nothing (a job refused before its record was durable) has no campaign.</summary>
    private readonly List<(CampaignEntry? Campaign, Guid JobId)> _jobs = [];
    private readonly Dictionary<(Guid Campaign, Guid Job), int> _jobNumbers = [];
    private CodeSlot[][] _chunks = [];
    private int _count;

    /// <summary>Held while codes are checked and added, with their record appended inside.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Generated codes held.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether any code, shared or generated, has <paramref name="hash"/>; under <see cref="Gate"/>.</summary>
    public bool IsTaken(UInt128 hash) => _table.Find(hash) != 0;

    /// <summary>Adds a campaign's shared code, after <see cref="IsTaken"/>; under <see cref="Gate"/> (or at recovery).</summary>
    public void AddShared(UInt128 hash, CampaignEntry campaign)
    {
        _table.EnsureRoom(1);
        if (_table.GetOrAdd(hash, -(_shared.Count + 1)) != 0)
        {
            throw new InvalidDataException($"two codes have the lookup hash of campaign {campaign.Id}'s shared code");
        }

        _shared.Add(campaign);
    }

    /// <summary>The code with <paramref name="hash"/>, if any.</summary>
    public bool TryFind(UInt128 hash, out FoundCode found)
    {
        lock (Gate)
        {
            var value = _table.Find(hash);
            if (value < 0)
            {
                found = new FoundCode(CodeKind.Shared, _shared[-value - 1], -1, 0, 0);
                return true;
            }

            if (value > 0)
            {
                ref var entry = ref SlotAt(value - 1);
                found = new FoundCode(CodeKind.Unique, _jobs[entry.Job - 1].Campaign!, value - 1, entry.Job, entry.Index);
                return true;
            }
        }

        found = default;
        return false;
    }

    /// <summary>The number the codes of job <paramref name="jobId"/> of <paramref name="campaign"/> are stored under, given now if it had none; under <see cref="Gate"/>.</summary>
    public int JobNumberOf(CampaignEntry campaign, Guid jobId)
    {
        if (!_jobNumbers.TryGetValue((campaign.Id, jobId), out var number))
        {
            _jobs.Add((campaign, jobId));
            number = _jobs.Count;
            _jobNumbers.Add((campaign.Id, jobId), number);
        }

        return number;
    }

    /// <summary>At recovery: the job stored under <paramref name="number"/>, before its codes.</summary>
    public void AddJob(int number, CampaignEntry campaign, Guid jobId)
    {
        while (_jobs.Count < number)
        {
            _jobs.Add((null, Guid.Empty));
        }

        _jobs[number - 1] = (campaign, jobId);
        _jobNumbers.Add((campaign.Id, jobId), number);
    }

    /// <summary>
    /// Adds a generation step's codes of job <paramref name="job"/> (<see cref="JobNumberOf"/>); under
    /// <see cref="Gate"/>. A code whose hash is free is added; one that is already this very code
    /// (same job and index: a redone step) is kept as it is; one whose hash another code has (or an
    /// earlier code of the same step) is a clash, its position put in <paramref name="clashes"/>.
    /// Returns the codes added, in order: <paramref name="codes"/> itself when all of them were.
    /// </summary>
    public IReadOnlyList<NewCode> AddStep(int job, IReadOnlyList<NewCode> codes, List<int> clashes)
    {
        _table.EnsureRoom(codes.Count);
        EnsureSlots(_count + codes.Count);
        List<NewCode>? added = null;
        for (var i = 0; i < codes.Count; i++)
        {
            var code = codes[i];
            var slot = _count;
            var held = _table.GetOrAdd(code.Hash.Value, slot + 1);
            if (held == 0)
            {
                SlotAt(slot) = new CodeSlot { Index = code.Index, Job = job };
                Volatile.Write(ref _count, slot + 1);
                added?.Add(code);
                continue;
            }

            // The first code not added: from here on, the added ones are a list of their own.
            added ??= [.. codes.Take(i)];
            if (held < 0 || SlotAt(held - 1).Job != job || SlotAt(held - 1).Index != code.Index)
            {
                clashes.Add(i);
            }
        }

        return added ?? codes;
    }

    /// <summary>
    /// Takes out the codes <see cref="AddStep"/> just added, when the record that stands for them was
    /// refused; under <see cref="Gate"/>, before anything else is added. Nobody saw them: they are
    /// found only under the gate.
    /// </summary>
    public void RemoveStep(IReadOnlyList<NewCode> added)
    {
        for (var i = added.Count - 1; i >= 0; i--)
        {
            _table.RemoveLatest(added[i].Hash.Value);
            SlotAt(--_count) = default;
        }
    }

    /// <summary>At recovery: a generated code of job <paramref name="job"/> (<see cref="AddJob"/> first), claimed by <paramref name="claimedBy"/> if it was.</summary>
    public void Add(UInt128 hash, int job, long index, CouponEntry? claimedBy)
    {
        if (job < 1 || job > _jobs.Count || _jobs[job - 1].Campaign is null)
        {
            throw new InvalidDataException($"a code belongs to job number {job}, which is not stored");
        }

        _table.EnsureRoom(1);
        EnsureSlots(_count + 1);
        if (_table.GetOrAdd(hash, _count + 1) != 0)
        {
            throw new InvalidDataException($"two codes have the lookup hash of code {index} of job number {job}");
        }

        SlotAt(_count) = new CodeSlot { Coupon = claimedBy, Index = index, Job = job };
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>The coupon a generated code was claimed for, or null while it is available.</summary>
    public CouponEntry? ClaimedBy(int slot) => Volatile.Read(ref SlotAt(slot).Coupon);

    /// <summary>Marks a code claimed; only under the log's lock, where <see cref="ClaimedBy"/> said it was available.</summary>
    public void MarkClaimed(int slot, CouponEntry coupon)
    {
        ref var entry = ref SlotAt(slot);
        Debug.Assert(entry.Coupon is null, "a code is claimed once");
        Volatile.Write(ref entry.Coupon, coupon);
    }

    private void EnsureSlots(int count)
    {
        var chunks = (count + ChunkSize - 1) >> ChunkBits;
        if (chunks <= _chunks.Length)
        {
            return;
        }

        var grown = new CodeSlot[chunks][];
        _chunks.CopyTo(grown, 0);
        for (var i = _chunks.Length; i < chunks; i++)
        {
            grown[i] = new CodeSlot[ChunkSize];
        }

        Volatile.Write(ref _chunks, grown);
    }

    private ref CodeSlot SlotAt(int slot) => ref Volatile.Read(ref _chunks)[slot >> ChunkBits][slot & (ChunkSize - 1)];

    private struct CodeSlot
    {
        public CouponEntry? Coupon;
        public long Index;
        public int Job;
    }
}

/// <summary>A code found by its hash: shared (<see cref="Slot"/> -1) or generated, with its campaign and place (job number, index).</summary>
internal readonly record struct FoundCode(CodeKind Kind, CampaignEntry Campaign, int Slot, int Job, long Index);

/// <summary>A generated code a claim takes: its slot in the index, and its key in the codes table (job number, index).</summary>
internal sealed record CodeClaim(int Slot, int Job, long Index);

/// <summary>A generation step's codes to store (those not already stored and not clashing), under job number <paramref name="Job"/>.</summary>
internal sealed record CodesAdded(int Job, Guid CampaignId, Guid JobId, IReadOnlyList<NewCode> Codes);
