using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Campaigns: creating one (its stock split into buckets: the others first, then the campaign with
/// its bucket 0 by create.lua), reading and listing them (all, or through a filter), and changing their status and stock
/// through the scripts that decide atomically (status.lua, stock.lua).
/// </summary>
internal sealed class Campaigns(IDatabase db, RedisKeys keys, TimeProvider time, RedisStoreOptions options, CampaignCache cache, SharedCodeIndex sharedCodes)
{
    /// <summary>How many campaign ids one page of a filtered listing looks at, at most, so a page's cost is bounded however few match.</summary>
    private const int MaxExaminedPerPage = 1_000;

    public async Task<CampaignInfo> CreateAsync(CampaignDefinition definition, long totalStock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        cancellationToken.ThrowIfCancellationRequested();
        var nowMs = NowMs();
        var id = Guid.CreateVersion7(time.GetUtcNow());
        var buckets = (int)Math.Clamp((totalStock + options.StockPerBucket - 1) / options.StockPerBucket, 1, options.MaxBuckets);
        long ShareOf(int bucket) => (totalStock / buckets) + (bucket < totalStock % buckets ? 1 : 0);
        if (definition.Code is { } code)
        {
            // Before anything of the campaign exists, so that a code taken creates nothing.
            await sharedCodes.TakeAsync(code.Hash, id, nowMs).ConfigureAwait(false);
        }

        // The other buckets first: the campaign appears (create.lua) only once all of them exist.
        for (var bucket = 1; bucket < buckets; bucket++)
        {
            await BucketHashes.CreateAsync(db, keys, id, bucket, ShareOf(bucket), definition.PerUserLimit).ConfigureAwait(false);
        }

        await new CreateArguments(id, definition, totalStock, nowMs, buckets, ShareOf(0), AuditField.Encode(nowMs)).RunAsync(db, keys).ConfigureAwait(false);
        // Listed once it exists whole: a crash before this leaves a campaign nobody can list, not a half one.
        await Task.WhenAll(
            db.SortedSetAddAsync(keys.Campaigns, RedisKeys.Id(id), 0),
            db.SetAddAsync(keys.Streams, [.. Enumerable.Range(0, buckets).Select(b => (RedisValue)keys.Events(RedisKeys.BucketSlot(id, b)))])).ConfigureAwait(false);
        cache.Add(id, new CachedCampaign(definition, buckets));
        return new CampaignInfo(id, definition, CampaignStatus.Active, totalStock, 0, nowMs);
    }

    public Task<CampaignInfo?> GetAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ReadAsync(campaignId);
    }

    public async Task<Page<CampaignInfo>> ListAsync(CampaignFilter filter, Guid? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        cancellationToken.ThrowIfCancellationRequested();
        if (filter != CampaignFilter.All)
        {
            return await ListFilteredAsync(filter, after, limit, cancellationToken).ConfigureAwait(false);
        }

        var ids = after is { } id
            ? await db.SortedSetRangeByValueAsync(keys.Campaigns, RedisKeys.Id(id), default, Exclude.Start, Order.Ascending, 0, limit + 1).ConfigureAwait(false)
            : await db.SortedSetRangeByValueAsync(keys.Campaigns, default, default, Exclude.None, Order.Ascending, 0, limit + 1).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var campaigns = await Task.WhenAll(ids.Take(limit).Select(v => ReadAsync(RedisKeys.ParseId(v.ToString())))).ConfigureAwait(false);
        var items = campaigns.OfType<CampaignInfo>().ToList();
        return new Page<CampaignInfo>(items, ids.Length > limit && items.Count > 0 ? items[^1].Id : null);
    }

    /// <summary>
    /// A page of the campaigns <paramref name="filter"/> lets through, read from the index in slices:
    /// each slice's statuses in one batch, then the campaigns that may match read whole and checked
    /// again on what was read. At most <see cref="MaxExaminedPerPage"/> ids are looked at; past them
    /// the page ends short (maybe empty) with the last id looked at as its cursor.
    /// </summary>
    private async Task<Page<CampaignInfo>> ListFilteredAsync(CampaignFilter filter, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var found = new List<CampaignInfo>();
        RedisValue from = after is { } start ? RedisKeys.Id(start) : default;
        var exclude = after is null ? Exclude.None : Exclude.Start;
        for (var examined = 0; examined < MaxExaminedPerPage;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var take = Math.Min(Math.Max(limit + 1, 32), MaxExaminedPerPage - examined);
            var ids = (await db.SortedSetRangeByValueAsync(keys.Campaigns, from, default, exclude, Order.Ascending, 0, take).ConfigureAwait(false))
                .Select(v => RedisKeys.ParseId(v.ToString())).ToList();
            var nowMs = NowMs();
            var candidates = await MayMatchAsync(filter, ids, nowMs).ConfigureAwait(false);
            var read = await Task.WhenAll(candidates.Select(ReadAsync)).ConfigureAwait(false);
            foreach (var campaign in read.OfType<CampaignInfo>().Where(c => filter.Matches(c.Status, c.Definition, nowMs)))
            {
                found.Add(campaign);
                if (found.Count > limit)
                {
                    found.RemoveAt(limit);
                    return new Page<CampaignInfo>(found, found[^1].Id);
                }
            }

            if (ids.Count < take)
            {
                return new Page<CampaignInfo>(found, null);
            }

            examined += ids.Count;
            (from, exclude) = (RedisKeys.Id(ids[^1]), Exclude.Start);
        }

        return new Page<CampaignInfo>(found, RedisKeys.ParseId(from.ToString()));
    }

    /// <summary>The ids, in order, whose stored status (read in one batch) and definition (cached) the filter lets through.</summary>
    private async Task<List<Guid>> MayMatchAsync(CampaignFilter filter, List<Guid> ids, long nowMs)
    {
        var batch = db.CreateBatch();
        var statuses = ids.Select(id => batch.HashGetAsync(keys.Campaign(id), CampaignRecord.Fields.Status)).ToList();
        batch.Execute();
        var candidates = new List<Guid>();
        for (var i = 0; i < ids.Count; i++)
        {
            if (await statuses[i].ConfigureAwait(false) is { IsNull: false } status
                && await cache.FindAsync(ids[i]).ConfigureAwait(false) is { } campaign
                && filter.Matches(WireNames.ParseCampaignStatus(status.ToString()), campaign.Definition, nowMs))
            {
                candidates.Add(ids[i]);
            }
        }

        return candidates;
    }

    /// <summary>Pause, resume or end, as <c>CampaignRules.ChangeStatus</c> decides (status.lua re-states it).</summary>
    public async Task<CampaignResult> ChangeStatusAsync(Guid campaignId, CampaignCommand command, CancellationToken cancellationToken)
    {
        var target = CampaignRules.TargetOf(command);
        cancellationToken.ThrowIfCancellationRequested();
        var answer = await new StatusArguments(campaignId, target, AuditField.Encode(NowMs())).RunAsync(db, keys).ConfigureAwait(false);
        if (answer.Outcome == Outcome.CampaignNotFound || await cache.FindAsync(campaignId).ConfigureAwait(false) is not { } campaign)
        {
            return new CampaignResult(Outcome.CampaignNotFound, null);
        }

        if (answer.Outcome == Outcome.Ok)
        {
            // The other buckets follow before the answer: once a pause has answered, no bucket claims.
            await SpreadStatusAsync(campaignId, campaign.Buckets, answer.Status!).ConfigureAwait(false);
        }

        return new CampaignResult(answer.Outcome, await ReadAsync(campaignId).ConfigureAwait(false));
    }

    /// <summary>Adds stock to bucket 0, as <c>CampaignRules.AddStock</c> decides (stock.lua re-states it); the other buckets borrow from it.</summary>
    public async Task<CampaignResult> AddStockAsync(Guid campaignId, long add, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(add);
        cancellationToken.ThrowIfCancellationRequested();
        var answer = await new StockArguments(campaignId, add, AuditField.Encode(NowMs())).RunAsync(db, keys).ConfigureAwait(false);
        if (answer.Outcome == Outcome.Ok)
        {
            cache.StockAdded(campaignId);
        }

        if (answer.Outcome == Outcome.CampaignNotFound || await cache.FindAsync(campaignId).ConfigureAwait(false) is null)
        {
            return new CampaignResult(Outcome.CampaignNotFound, null);
        }

        return new CampaignResult(answer.Outcome, await ReadAsync(campaignId).ConfigureAwait(false));
    }

    /// <summary>
    /// Sets the campaign's status (as status.lua left it on the campaign and bucket 0) on its
    /// other buckets, which claims read; the sweeper does it again for a node that died half way.
    /// </summary>
    public async Task SpreadStatusAsync(Guid campaignId, int buckets, string status)
    {
        for (var bucket = 1; bucket < buckets; bucket++)
        {
            await new BucketStatusArguments(campaignId, bucket, status).RunAsync(db, keys).ConfigureAwait(false);
        }
    }

    /// <summary>The campaign's status as stored on the campaign itself; null when there is no such campaign.</summary>
    public async Task<string?> StoredStatusAsync(Guid campaignId) =>
        await db.HashGetAsync(keys.Campaign(campaignId), CampaignRecord.Fields.Status).ConfigureAwait(false);

    private async Task<CampaignInfo?> ReadAsync(Guid campaignId)
    {
        var fields = StoredFields.Of(await db.HashGetAllAsync(keys.Campaign(campaignId)).ConfigureAwait(false));
        if (fields.IsEmpty)
        {
            return null;
        }

        var record = CampaignRecord.FromHash(campaignId, fields);
        var campaign = cache.Remember(record);
        // Issued first, then the total: the total only grows, so issued never shows above it.
        var issued = BucketHashes.IssuedOf(await BucketHashes.ReadAllAsync(db, keys, campaignId, campaign.Buckets).ConfigureAwait(false));
        var total = (long)await db.HashGetAsync(keys.Campaign(campaignId), CampaignRecord.Fields.Total).ConfigureAwait(false);
        return new CampaignInfo(campaignId, campaign.Definition, record.Status, total, issued, record.CreatedAtMs);
    }

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();
}
