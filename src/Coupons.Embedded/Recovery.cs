using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Coupons.Core;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>
/// Rebuilds the coupons, holdings and counters from disk, before the store takes requests, with
/// every core. First the coupons are read in ranges of ids, each range on its own connection,
/// into chunks of entries in claim order. Then each worker indexes the coupons and the users of
/// its share: a user belongs to one worker, so a holding is built by one thread only. Last, one
/// thread adds up the counters and hands the chunks to the sweeper's queues as they are.
/// </summary>
/// <remarks>
/// Plain arrays and open-addressing tables, no concurrent dictionaries and as few objects per
/// coupon as can be: at ten million coupons, nodes, locks and garbage-collector work were most of
/// the time recovery took, not reading SQLite.
/// </remarks>
internal static class Recovery
{
    private const int ChunkSize = 16_384;

    /// <summary>Below this much to read, collections are left alone: they cost little, and a pause would only hold memory.</summary>
    private const long MinPausedBytes = 256L << 20;

    /// <summary>Ranges per worker: more than one, so that a busy stretch of claim time does not leave one worker reading alone.</summary>
    private const int RangesPerWorker = 32;

    /// <summary>Reads every campaign, with the counters stored for it, into <paramref name="campaigns"/>; before <see cref="Run"/>.</summary>
    public static void LoadCampaigns(SqliteConnection connection, ConcurrentDictionary<Guid, CampaignEntry> campaigns) =>
        SqliteRecoveryReader.LoadCampaigns(connection, (row, released, refunded, rejected) =>
        {
            var campaign = new CampaignEntry(row.Id, row.Definition, row.CreatedAtMs, row.Status, row.TotalStock);
            campaign.RestoreCounters(released, refunded, SqliteValues.ParseRejected(rejected));
            campaigns[row.Id] = campaign;
        });

    /// <summary>Rebuilds the coupons, holdings and counters; returns how long each step took, for the recovery report.</summary>
    public static string Run(SqliteConnection connection, string databasePath, IReadOnlyCollection<CampaignEntry> campaigns, CouponIndex coupons, UserIndex users)
    {
        var stopwatch = Stopwatch.StartNew();
        var phases = new List<(string Name, TimeSpan At)>();
        var workers = Math.Max(1, Environment.ProcessorCount);
        var ranges = SqliteRecoveryReader.SplitCoupons(connection, workers * RangesPerWorker);
        var campaignsById = campaigns.Select((campaign, ordinal) => (campaign, ordinal)).ToDictionary(c => c.campaign.Id, c => (c.campaign, c.ordinal));
        var readers = new RangeReader[ranges.Count];
        var noCollections = TryPauseCollections(databasePath);
        try
        {
            InParallel(workers, ranges.Count, i =>
            {
                var reader = new RangeReader(campaignsById);
                SqliteRecoveryReader.LoadCouponRange(databasePath, ranges[i], reader);
                readers[i] = reader;
            });
        }
        finally
        {
            if (noCollections)
            {
                ResumeCollections();
            }
        }

        phases.Add(("read", stopwatch.Elapsed));
        var chunks = readers.SelectMany(r => r.Chunks).ToArray();
        users.PrepareRecovered(chunks.Sum(c => c.Count));
        InParallel(workers, workers, worker => IndexUsers(chunks, worker, workers, users));
        phases.Add(("users", stopwatch.Elapsed));

        foreach (var reader in readers)
        {
            foreach (var (campaign, ordinal) in campaignsById.Values)
            {
                campaign.CountRecovered(reader.Counts[ordinal]);
            }
        }

        coupons.SetRecovered([.. chunks.Select(c => new SortedChunk(c.Coupons, c.Count))]);
        QueueForSweeper(chunks);
        foreach (var coupon in readers.SelectMany(r => r.Locked).OrderBy(c => c.State.LockExpiresAtMs))
        {
            coupon.Campaign.LockExpiries.Enqueue((coupon, coupon.State.LockExpiresAtMs));
        }

        phases.Add(("rest", stopwatch.Elapsed));
        return string.Join(", ", phases.Select((p, i) => $"{p.Name} {(p.At - (i == 0 ? TimeSpan.Zero : phases[i - 1].At)).TotalMilliseconds:F0} ms"))
            + $" ({ranges.Count} ranges on {workers} threads, collections {(noCollections ? "paused while reading" : "not paused")})";
    }

    /// <summary>
    /// Asks the collector to hold off while the coupons are read: every object made then lives on,
    /// so collections would only copy them from generation to generation (a sixth of the time at
    /// ten million coupons). The room asked for is about what reading makes per byte of database;
    /// past it, or if it cannot be had, the collector simply runs as usual.
    /// </summary>
    private static bool TryPauseCollections(string databasePath)
    {
        var databaseBytes = new FileInfo(databasePath).Length + (File.Exists(databasePath + "-wal") ? new FileInfo(databasePath + "-wal").Length : 0);
        // The collector commits (not touches) a few times what is asked, one share per heap: ask
        // at most a quarter of the memory. The file also holds the audit log, which recovery does
        // not read (two thirds of it at ten million claims): asking three times the file would then
        // be refused outright, and collections ran all through reading (9 s instead of 4).
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var wanted = Math.Min(databaseBytes * 3, available / 4);
        if (wanted < MinPausedBytes || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return false;
        }

        try
        {
            return GC.TryStartNoGCRegion(wanted);
        }
        catch (Exception exception) when (exception is ArgumentOutOfRangeException or InvalidOperationException)
        {
            // More than this collector can set aside at once, or another store recovering in this
            // process paused it first.
            return false;
        }
    }

    private static void ResumeCollections()
    {
        try
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
        catch (InvalidOperationException)
        {
            // The pause already ended: more was made than asked for, and the collector ran.
        }
    }

    /// <summary>Worker <paramref name="worker"/>'s share of the users: those whose hash falls to it, so each user's coupons are added by one thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void IndexUsers(Chunk[] chunks, int worker, int workers, UserIndex users)
    {
        // The table is far larger than the caches, so nearly every coupon's slot is a miss: its
        // slot is asked for (prefetched) when the coupon is seen and filled a few coupons later.
        // Coupons are taken in claim order, and so are they added.
        const int Ahead = 16;
        var waiting = new (CouponEntry Coupon, int Hash)[Ahead];
        var seen = 0L;
        foreach (var chunk in chunks)
        {
            var hashes = chunk.UserHashes;
            for (var i = 0; i < chunk.Count; i++)
            {
                var hash = hashes[i];
                if ((int)(((ulong)(uint)hash * (ulong)workers) >> 32) != worker)
                {
                    continue;
                }

                users.Prefetch(hash);
                ref var slot = ref waiting[seen++ % Ahead];
                if (slot.Coupon is not null)
                {
                    users.AddRecovered(slot.Coupon, slot.Hash);
                }

                slot = (chunk.Coupons[i], hash);
            }
        }

        for (var left = Math.Min(seen, Ahead); left > 0; left--)
        {
            var (coupon, hash) = waiting[(seen - left) % Ahead];
            users.AddRecovered(coupon, hash);
        }
    }

    /// <summary>Hands each campaign its coupons in claim order (which is validity order); a chunk of one campaign is handed over as it is.</summary>
    private static void QueueForSweeper(Chunk[] chunks)
    {
        var byCampaign = new Dictionary<CampaignEntry, List<(CouponEntry[] Coupons, int Count)>>();
        foreach (var chunk in chunks)
        {
            chunk.UserHashes = [];
            if (chunk.OnlyCampaign is { } only)
            {
                Segments(only).Add((chunk.Coupons, chunk.Count));
                continue;
            }

            foreach (var group in chunk.Coupons.Take(chunk.Count).GroupBy(c => c.Campaign))
            {
                var coupons = group.ToArray();
                Segments(group.Key).Add((coupons, coupons.Length));
            }
        }

        foreach (var (campaign, segments) in byCampaign)
        {
            campaign.ValidityEnds.SetRecovered([.. segments]);
        }

        List<(CouponEntry[] Coupons, int Count)> Segments(CampaignEntry campaign)
        {
            if (!byCampaign.TryGetValue(campaign, out var segments))
            {
                byCampaign[campaign] = segments = [];
            }

            return segments;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0 .. count-1 on this thread and workers - 1 threads of its
    /// own, each taking the next number; rethrows the first failure as it was thrown. Threads of
    /// its own rather than the pool's: at a server's start the pool may be slow to add a thread,
    /// and a worker that starts late is recovery time lost.
    /// </summary>
    private static void InParallel(int workers, int count, Action<int> body)
    {
        var next = -1;
        ExceptionDispatchInfo? failure = null;
        void Work()
        {
            try
            {
                int i;
                while (Volatile.Read(ref failure) is null && (i = Interlocked.Increment(ref next)) < count)
                {
                    body(i);
                }
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(exception), null);
            }
        }

        var threads = Enumerable.Range(1, Math.Max(0, Math.Min(workers, count) - 1))
            .Select(i => new Thread(Work) { IsBackground = true, Name = $"coupons-recovery-{i}" })
            .ToList();
        threads.ForEach(t => t.Start());
        Work();
        threads.ForEach(t => t.Join());
        failure?.Throw();
    }

    /// <summary>Up to <see cref="ChunkSize"/> recovered coupons in claim order, with their owners' hashes until those are indexed.</summary>
    private sealed class Chunk
    {
        public CouponEntry[] Coupons { get; } = new CouponEntry[ChunkSize];
        public int[] UserHashes { get; set; } = new int[ChunkSize];
        public int Count { get; set; }

        /// <summary>The campaign of every coupon in the chunk, or null when there are several (or none).</summary>
        public CampaignEntry? OnlyCampaign { get; set; }
    }

    /// <summary>Turns the rows of one range into entries, counting them by campaign and noting the locked ones.</summary>
    private sealed class RangeReader(Dictionary<Guid, (CampaignEntry Campaign, int Ordinal)> campaigns) : ICouponRowSink
    {
        private Chunk? _chunk;
        private (CampaignEntry Campaign, int Ordinal) _last;
        private Guid _lastId;
        private bool _mixed;

        public List<Chunk> Chunks { get; } = [];
        public RecoveredCounts[] Counts { get; } = new RecoveredCounts[campaigns.Count];
        public List<CouponEntry> Locked { get; } = [];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(in CouponRow row)
        {
            if ((_last.Campaign is null || _lastId != row.CampaignId) && !campaigns.TryGetValue(_lastId = row.CampaignId, out _last))
            {
                throw new InvalidDataException($"coupon {row.Id} belongs to campaign {row.CampaignId}, which is not stored");
            }

            var campaign = _last.Campaign;
            var coupon = new CouponEntry(row.Id, campaign, row.UserId, row.ClaimedAtMs, row.IdempotencyKey, row.State);
            Counts[_last.Ordinal].Count(row.State.Status);
            if (row.State.Status == CouponStatus.Locked)
            {
                Locked.Add(coupon);
            }

            if (_chunk is null || _chunk.Count == ChunkSize)
            {
                _chunk = new Chunk { OnlyCampaign = campaign };
                _mixed = false;
                Chunks.Add(_chunk);
            }
            else if (!_mixed && _chunk.OnlyCampaign != campaign)
            {
                _mixed = true;
                _chunk.OnlyCampaign = null;
            }

            var i = _chunk.Count++;
            _chunk.Coupons[i] = coupon;
            _chunk.UserHashes[i] = row.UserId.GetHashCode();
            Debug.Assert(i < ChunkSize);
        }
    }
}
