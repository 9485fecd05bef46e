using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// The campaigns this node has seen. Definitions never change once created, so they are kept for
/// good; what does change (status, stock) is read from Redis and checked inside the scripts.
/// </summary>
internal sealed class CampaignCache(IDatabase db, RedisKeys keys)
{
    private readonly ConcurrentDictionary<Guid, CachedCampaign> _known = new();

    /// <summary>The campaign, read from Redis the first time this node meets it; null when there is none.</summary>
    public ValueTask<CachedCampaign?> FindAsync(Guid campaignId) =>
        _known.TryGetValue(campaignId, out var known) ? ValueTask.FromResult<CachedCampaign?>(known) : ReadAsync(campaignId);

    /// <summary>The campaign of a record just read, kept if this node did not know it yet.</summary>
    public CachedCampaign Remember(CampaignRecord record) =>
        _known.GetOrAdd(record.Id, static (_, r) => new CachedCampaign(r.Definition, r.Buckets), record);

    /// <summary>The campaign if this node holds it, asked of memory alone (the warm-up's and tests' question).</summary>
    public bool TryGet(Guid campaignId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CachedCampaign? campaign) => _known.TryGetValue(campaignId, out campaign);

    /// <summary>A campaign this node has just created.</summary>
    public void Add(Guid campaignId, CachedCampaign campaign) => _known[campaignId] = campaign;

    /// <summary>Stock was added through this node: its claims see it at once (see <see cref="CachedCampaign.StockAdded"/>).</summary>
    public void StockAdded(Guid campaignId)
    {
        if (_known.TryGetValue(campaignId, out var campaign))
        {
            campaign.StockAdded();
        }
    }

    private async ValueTask<CachedCampaign?> ReadAsync(Guid campaignId)
    {
        var fields = StoredFields.Of(await db.HashGetAllAsync(keys.Campaign(campaignId)).ConfigureAwait(false));
        return fields.IsEmpty ? null : Remember(CampaignRecord.FromHash(campaignId, fields));
    }
}

/// <summary>A campaign's definition as this node keeps it, with what it last saw of its buckets' stock.</summary>
internal sealed class CachedCampaign(CampaignDefinition definition, int buckets)
{
    /// <summary>How long a bucket seen sold out is taken to stay so, for the claim's speculative list write.</summary>
    private const long SoldOutHintMs = 1000;

    /// <summary>Per bucket, when this node last saw it sold out with nothing to borrow (ms; 0 for never).</summary>
    private readonly long[] _soldOutAtMs = new long[buckets];

    public CampaignDefinition Definition { get; } = definition;

    /// <summary>How many buckets the stock is split into, each in its own hash slot.</summary>
    public int Buckets { get; } = buckets;

    /// <summary>The bucket a user always claims from: XxHash32 of the UTF-8 user id, modulo the buckets.</summary>
    public int BucketOf(string userId) => Buckets == 1 ? 0 : (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(userId)) % (uint)Buckets);

    /// <summary>
    /// Whether this node saw the bucket sold out, with nothing left in any other bucket to borrow,
    /// within the last second. A claim there then writes its owner's list only once it succeeds,
    /// and does not look through the other buckets again. So stock added on another node is
    /// claimed from this node's empty buckets a second later at most; never is anything sold
    /// that is not there, since the claim's script still decides on the bucket's own stock.
    /// </summary>
    public bool LikelySoldOut(int bucket, long nowMs) => nowMs - Volatile.Read(ref _soldOutAtMs[bucket]) < SoldOutHintMs;

    public void SoldOut(int bucket, long nowMs) => Volatile.Write(ref _soldOutAtMs[bucket], nowMs);

    /// <summary>Stock added through this node: claims here see it at once.</summary>
    public void StockAdded()
    {
        for (var bucket = 0; bucket < _soldOutAtMs.Length; bucket++)
        {
            Volatile.Write(ref _soldOutAtMs[bucket], 0);
        }
    }
}
