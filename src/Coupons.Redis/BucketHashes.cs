using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// A bucket's hash, one per share of a campaign's stock, each in its own slot: the campaign's
/// status (copied from the campaign), its stock (<c>total</c>, <c>issued</c>), the per-user
/// <c>limit</c>, the stats counters its coupons' changes move, and <c>rejected:&lt;code&gt;</c>
/// per refusal. Only this store reads them.
/// </summary>
internal static class BucketHashes
{
    public const string Status = BucketFields.Status;
    public const string Total = BucketFields.Total;
    public const string Issued = BucketFields.Issued;
    public const string Limit = BucketFields.Limit;
    public const string RejectedPrefix = BucketFields.RejectedPrefix;

    /// <summary>The counters transition.lua moves, by <c>StatsDelta</c> (issued is claim.lua's).</summary>
    public const string Locked = BucketFields.Locked;
    public const string Used = BucketFields.Used;
    public const string Expired = BucketFields.Expired;
    public const string Revoked = BucketFields.Revoked;
    public const string Released = BucketFields.Released;
    public const string Refunded = BucketFields.Refunded;

    /// <summary>
    /// One of a campaign's buckets other than 0 (create.lua makes bucket 0 with the campaign):
    /// active, its share of the stock, nothing issued. One HSET, so no script.
    /// </summary>
    public static Task CreateAsync(IDatabase db, RedisKeys keys, Guid campaignId, int bucket, long stock, int perUserLimit) =>
        db.HashSetAsync(
            keys.Bucket(campaignId, bucket),
            [new(Status, WireNames.Of(CampaignStatus.Active)), new(Total, stock), new(Issued, 0), new(Limit, perUserLimit)]);

    /// <summary>Every bucket of a campaign, read in one batch.</summary>
    public static async Task<HashEntry[][]> ReadAllAsync(IDatabase db, RedisKeys keys, Guid campaignId, int buckets)
    {
        var batch = db.CreateBatch();
        var reads = Enumerable.Range(0, buckets).Select(b => batch.HashGetAllAsync(keys.Bucket(campaignId, b))).ToList();
        batch.Execute();
        return await Task.WhenAll(reads).ConfigureAwait(false);
    }

    /// <summary>The units issued over every bucket.</summary>
    public static long IssuedOf(HashEntry[][] buckets) => buckets.Sum(b => (long)b.Single(f => f.Name == Issued).Value);
}
