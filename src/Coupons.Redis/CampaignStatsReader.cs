using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>A campaign's live stats: the counters of its buckets, added up.</summary>
internal sealed class CampaignStatsReader(IDatabase db, RedisKeys keys, CampaignCache campaigns)
{
    /// <summary>Bucket fields that are not counters.</summary>
    private static readonly HashSet<string> NotCounters = new([BucketHashes.Status, BucketHashes.Total, BucketHashes.Limit], StringComparer.Ordinal);

    public async Task<CampaignStats?> ReadAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (await campaigns.FindAsync(campaignId).ConfigureAwait(false) is not { } campaign)
        {
            return null;
        }

        // The counts first, then the total: the total only grows, so issued never shows above it.
        var buckets = await BucketHashes.ReadAllAsync(db, keys, campaignId, campaign.Buckets).ConfigureAwait(false);
        var total = (long)await db.HashGetAsync(keys.Campaign(campaignId), CampaignRecord.Fields.Total).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var field in buckets.SelectMany(b => b).Where(f => !NotCounters.Contains((string)f.Name!)))
        {
            counts[(string)field.Name!] = counts.GetValueOrDefault((string)field.Name!) + (long)field.Value;
        }

        var rejected = counts.Where(c => c.Key.StartsWith(BucketHashes.RejectedPrefix, StringComparison.Ordinal) && c.Value > 0)
            .ToDictionary(c => c.Key[BucketHashes.RejectedPrefix.Length..], c => c.Value, StringComparer.Ordinal);
        return new CampaignStats(
            campaignId, total, Count(BucketHashes.Issued), Count(BucketHashes.Locked), Count(BucketHashes.Used),
            Count(BucketHashes.Released), Count(BucketHashes.Refunded), Count(BucketHashes.Expired), Count(BucketHashes.Revoked), rejected);

        long Count(string counter) => counts.GetValueOrDefault(counter);
    }
}
