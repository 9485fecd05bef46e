using System.Globalization;
using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Warms this node's caches for campaigns whose claim window opens within the lead time or is open
/// (<see cref="WarmUpRules.IsDue"/>): their terms and buckets (<see cref="CampaignCache"/>), their
/// shared code's campaign (<see cref="CodeClaims"/>), and the claim's scripts on every primary.
/// </summary>
/// <remarks>
/// <para>
/// The campaign index is read in order of id (UUIDv7: creation time), each id once: a campaign is
/// read whole the first time it is met and then kept in memory as warmed, waiting (not due yet:
/// by when it will be) or passed (ended, or its window over; neither ever changes back). A pass
/// goes on from where the last ended, and once at the end of the index reads again from a few
/// minutes before its newest id, for campaigns created meanwhile on nodes whose clocks lag; those
/// it knows cost nothing. A waiting campaign is read again when it is due (its status then).
/// </para>
/// <para>Bounded: at most <see cref="MaxExaminedPerPass"/> ids are looked at and <c>maxCampaigns</c> warmed a pass, those whose window opens soonest first; what is left is the next pass's.</para>
/// </remarks>
internal sealed class CacheWarmUp(IConnectionMultiplexer redis, IDatabase db, RedisKeys keys, TimeProvider time, CampaignCache cache, CodeClaims codeClaims)
{
    /// <summary>How many ids of the campaign index one pass looks at, at most.</summary>
    private const int MaxExaminedPerPass = 1_000;

    /// <summary>How far before the newest id seen the index is read again: more than nodes' clocks differ.</summary>
    private static readonly long OverlapMs = (long)TimeSpan.FromMinutes(5).TotalMilliseconds;

    private readonly SemaphoreSlim _onePass = new(1, 1);

    /// <summary>Every campaign classified: warmed, waiting or passed.</summary>
    private readonly HashSet<Guid> _seen = [];

    /// <summary>The campaigns not due yet, by when they are.</summary>
    private readonly PriorityQueue<Guid, long> _waiting = new();

    private RedisValue _from = RedisValue.Null;
    private Exclude _exclude = Exclude.None;
    private long _newestMs = long.MinValue;

    /// <summary>Whether a campaign was warmed since the scripts were last seen loaded everywhere.</summary>
    private bool _scriptsWanted;

    /// <summary>Whether a claim on the campaign finds its terms, buckets and (if it has one) shared code in this node's memory.</summary>
    public bool IsWarm(Guid campaignId) =>
        cache.TryGet(campaignId, out var campaign) && (campaign.Definition.Code is not { } code || codeClaims.KnowsShared(code.Hash));

    public async Task<WarmUpPass> WarmAsync(long leadMs, int maxCampaigns, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leadMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCampaigns);
        await _onePass.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            var (read, indexRead) = await ScanAsync(nowMs, leadMs, cancellationToken).ConfigureAwait(false);
            var warmed = new List<Guid>();
            // Soonest first; taken off the queue only as each is warmed, so a pass that fails leaves the rest due.
            while (warmed.Count < maxCampaigns && _waiting.TryPeek(out var campaignId, out var dueAtMs) && dueAtMs <= nowMs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _waiting.Dequeue();
                try
                {
                    if (await WarmOneAsync(campaignId, read.GetValueOrDefault(campaignId), nowMs, leadMs).ConfigureAwait(false))
                    {
                        warmed.Add(campaignId);
                        _scriptsWanted = true;
                    }
                }
                catch
                {
                    _waiting.Enqueue(campaignId, dueAtMs);
                    throw;
                }
            }

            if (_scriptsWanted)
            {
                await LoadScriptsAsync().ConfigureAwait(false);
                _scriptsWanted = false;
            }

            var caughtUp = indexRead && !(_waiting.TryPeek(out _, out var next) && next <= nowMs);
            return new WarmUpPass(warmed, caughtUp);
        }
        finally
        {
            _onePass.Release();
        }
    }

    /// <summary>
    /// Reads the campaigns of the index met for the first time this pass and queues those that may
    /// still be claimed by when they are due (now, for those due already: their records returned, so
    /// they are not read twice); the others are passed. True when the index was read to its end.
    /// </summary>
    private async Task<(Dictionary<Guid, CampaignRecord> Read, bool IndexRead)> ScanAsync(long nowMs, long leadMs, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ids = (await db.SortedSetRangeByValueAsync(keys.Campaigns, _from, default, _exclude, Order.Ascending, 0, MaxExaminedPerPass).ConfigureAwait(false))
            .Select(v => RedisKeys.ParseId(v.ToString())).ToList();
        var unseen = ids.Where(id => !_seen.Contains(id)).ToList();
        var batch = db.CreateBatch();
        var reads = unseen.Select(id => batch.HashGetAllAsync(keys.Campaign(id))).ToList();
        batch.Execute();
        var read = new Dictionary<Guid, CampaignRecord>();
        for (var i = 0; i < unseen.Count; i++)
        {
            var fields = StoredFields.Of(await reads[i].ConfigureAwait(false));
            if (fields.IsEmpty)
            {
                // Listed only once whole; not there means not there yet: met again in a later pass.
                continue;
            }

            var record = CampaignRecord.FromHash(unseen[i], fields);
            _seen.Add(record.Id);
            if (record.Status == CampaignStatus.Ended || WarmUpRules.IsOver(record.Definition, nowMs))
            {
                continue;
            }

            var dueAtMs = WarmUpRules.DueAtMs(record.Definition, leadMs);
            _waiting.Enqueue(record.Id, dueAtMs);
            if (dueAtMs <= nowMs)
            {
                read[record.Id] = record;
            }
        }

        foreach (var id in ids)
        {
            _newestMs = Math.Max(_newestMs, CreatedAtMs(id));
        }

        if (ids.Count == MaxExaminedPerPass)
        {
            (_from, _exclude) = (RedisKeys.Id(ids[^1]), Exclude.Start);
            return (read, false);
        }

        (_from, _exclude) = _newestMs == long.MinValue ? (RedisValue.Null, Exclude.None) : (LowestIdAt(_newestMs - OverlapMs), Exclude.None);
        return (read, true);
    }

    /// <summary>Loads what a claim on the campaign needs; false when it was warm already, or is found ended or over.</summary>
    private async Task<bool> WarmOneAsync(Guid campaignId, CampaignRecord? record, long nowMs, long leadMs)
    {
        if (IsWarm(campaignId))
        {
            return false;
        }

        if (record is null)
        {
            // A waiting campaign now due: read again, its status may have changed meanwhile.
            var fields = StoredFields.Of(await db.HashGetAllAsync(keys.Campaign(campaignId)).ConfigureAwait(false));
            record = CampaignRecord.FromHash(campaignId, fields);
            if (!WarmUpRules.IsDue(record.Status, record.Definition, nowMs, leadMs))
            {
                return false;
            }
        }

        cache.Remember(record);
        if (record.Definition.Code is { } code)
        {
            codeClaims.KnowShared(code.Hash, campaignId);
        }

        return true;
    }

    /// <summary>The claim's scripts on every connected primary: those a server does not hold are loaded (SCRIPT EXISTS first, so a warm server costs one round trip a script).</summary>
    private async Task LoadScriptsAsync()
    {
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica && s.ServerType is ServerType.Standalone or ServerType.Cluster))
        {
            var held = await Task.WhenAll(Script.ClaimPath.Select(script => server.ScriptExistsAsync(script.Hash))).ConfigureAwait(false);
            await Task.WhenAll(Script.ClaimPath.Where((_, i) => !held[i]).Select(script => server.ScriptLoadAsync(script.Text))).ConfigureAwait(false);
        }
    }

    /// <summary>When a UUIDv7 id was made (its first 48 bits, Unix ms).</summary>
    private static long CreatedAtMs(Guid id) => long.Parse(RedisKeys.Id(id).AsSpan(0, 12), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>The lowest id (as the index spells ids) made at <paramref name="ms"/>: a bound to read the index from.</summary>
    private static RedisValue LowestIdAt(long ms) => Math.Max(ms, 0).ToString("x12", CultureInfo.InvariantCulture) + new string('0', 20);
}
