using System.Diagnostics;
using Coupons.Core.Codes;

namespace Coupons.Embedded;

/// <summary>
/// Every code by its lookup hash: campaigns' shared codes, and generated codes as slots in chunked
/// arrays of structs (a million codes are a dictionary of hash → slot number and 32 bytes a slot,
/// no object per code). Their sealed forms stay in SQLite, read back only for listings.
/// </summary>
/// <remarks>
/// What is added (shared or generated) is checked and added under <see cref="Gate"/>, with the log
/// record that stands for it appended inside, so a hash is never given twice. A slot's claim is
/// set only under the log's lock (<see cref="GroupCommitLog.AppendIf"/>), together with the claim's
/// record, and read without a lock; slots never move, and chunks are only ever added.
/// </remarks>
internal sealed class CodeIndex
{
    private const int ChunkBits = 14;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly Dictionary<UInt128, CampaignEntry> _shared = [];
    private readonly Dictionary<UInt128, int> _generated = [];
    private readonly List<Guid> _jobs = [];
    private readonly Dictionary<Guid, int> _jobOrdinals = [];
    private CodeSlot[][] _chunks = [];
    private int _count;

    /// <summary>Held while codes are checked and added, with their record appended inside.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Generated codes held.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether any code, shared or generated, has <paramref name="hash"/>; under <see cref="Gate"/>.</summary>
    public bool IsTaken(UInt128 hash) => _shared.ContainsKey(hash) || _generated.ContainsKey(hash);

    /// <summary>Adds a campaign's shared code; under <see cref="Gate"/> (or at recovery).</summary>
    public void AddShared(UInt128 hash, CampaignEntry campaign) => _shared.Add(hash, campaign);

    /// <summary>The code with <paramref name="hash"/>, if any.</summary>
    public bool TryFind(UInt128 hash, out FoundCode found)
    {
        lock (Gate)
        {
            if (_shared.TryGetValue(hash, out var campaign))
            {
                found = new FoundCode(CodeKind.Shared, campaign, -1, default, 0);
                return true;
            }

            if (_generated.TryGetValue(hash, out var slot))
            {
                ref var entry = ref SlotAt(slot);
                found = new FoundCode(CodeKind.Unique, entry.Campaign, slot, _jobs[entry.Job], entry.Index);
                return true;
            }
        }

        found = default;
        return false;
    }

    /// <summary>
    /// Whether <paramref name="hash"/> is free for code <paramref name="index"/> of job
    /// <paramref name="jobId"/> of <paramref name="campaign"/> (true), or already that very code (a
    /// redone step: <paramref name="kept"/>), or another code's (false); under <see cref="Gate"/>.
    /// </summary>
    public bool IsFreeFor(UInt128 hash, CampaignEntry campaign, Guid jobId, long index, out bool kept)
    {
        kept = false;
        if (_shared.ContainsKey(hash))
        {
            return false;
        }

        if (!_generated.TryGetValue(hash, out var slot))
        {
            return true;
        }

        ref var entry = ref SlotAt(slot);
        kept = entry.Campaign == campaign && entry.Index == index && _jobs[entry.Job] == jobId;
        return false;
    }

    /// <summary>Adds a generated code; under <see cref="Gate"/> (or at recovery), after <see cref="IsFreeFor"/>.</summary>
    public int Add(UInt128 hash, CampaignEntry campaign, Guid jobId, long index, CouponEntry? claimedBy = null)
    {
        if (!_jobOrdinals.TryGetValue(jobId, out var job))
        {
            job = _jobs.Count;
            _jobs.Add(jobId);
            _jobOrdinals.Add(jobId, job);
        }

        var slot = _count;
        if (slot >> ChunkBits == _chunks.Length)
        {
            var grown = new CodeSlot[_chunks.Length + 1][];
            _chunks.CopyTo(grown, 0);
            grown[^1] = new CodeSlot[ChunkSize];
            Volatile.Write(ref _chunks, grown);
        }

        _chunks[slot >> ChunkBits][slot & (ChunkSize - 1)] = new CodeSlot { Campaign = campaign, Coupon = claimedBy, Index = index, Job = job };
        _generated.Add(hash, slot);
        Volatile.Write(ref _count, slot + 1);
        return slot;
    }

    /// <summary>Makes room for <paramref name="more"/> codes at once (recovery, a large step).</summary>
    public void EnsureCapacity(int more) => _generated.EnsureCapacity(_generated.Count + more);

    /// <summary>The coupon a generated code was claimed for, or null while it is available.</summary>
    public CouponEntry? ClaimedBy(int slot) => Volatile.Read(ref SlotAt(slot).Coupon);

    /// <summary>Marks a code claimed; only under the log's lock, where <see cref="ClaimedBy"/> said it was available.</summary>
    public void MarkClaimed(int slot, CouponEntry coupon)
    {
        ref var entry = ref SlotAt(slot);
        Debug.Assert(entry.Coupon is null, "a code is claimed once");
        Volatile.Write(ref entry.Coupon, coupon);
    }

    private ref CodeSlot SlotAt(int slot) => ref Volatile.Read(ref _chunks)[slot >> ChunkBits][slot & (ChunkSize - 1)];

    private struct CodeSlot
    {
        public CampaignEntry Campaign;
        public CouponEntry? Coupon;
        public long Index;
        public int Job;
    }
}

/// <summary>A code found by its hash: shared (<see cref="Slot"/> -1) or generated, with its campaign and place.</summary>
internal readonly record struct FoundCode(CodeKind Kind, CampaignEntry Campaign, int Slot, Guid JobId, long Index);

/// <summary>A generated code a claim takes: its slot in the index, and its key in the codes table.</summary>
internal sealed record CodeClaim(int Slot, Guid JobId, long Index);

/// <summary>A generation step's codes to store (those not already stored and not clashing).</summary>
internal sealed record CodesAdded(Guid CampaignId, Guid JobId, List<NewCode> Codes);
