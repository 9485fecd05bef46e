using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// The sweep: stores lapsed locks and passed validities, so that the stats count them (readers see
/// them at once anyway), and finishes what a node that died left half done across a campaign's
/// buckets. Each bucket keeps two queues (sorted sets by time): its locks by expiry and its coupons
/// by validity end, so a sweep looks only at what is due. Each due coupon goes through the same
/// versioned change as any other, so nodes may sweep at the same time without counting anything twice.
/// </summary>
internal sealed class StoreSweep(
    IDatabase db, RedisKeys keys, TimeProvider time, CampaignCache cache, Campaigns campaigns, StockLending lending, CouponTransitions transitions, CodeClaims codeClaims)
{
    /// <summary>Sweeps every campaign, at most <paramref name="batchSize"/> due coupons per queue; returns the coupons changed.</summary>
    public async Task<int> RunAsync(int batchSize, CancellationToken cancellationToken)
    {
        // Lapses and expiries are nobody's doing but the clock's, whatever flow calls the sweep.
        AuditScope.Set(AuditActor.System);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var swept = 0;
        foreach (var id in await db.SortedSetRangeByValueAsync(keys.Campaigns).ConfigureAwait(false))
        {
            var campaignId = RedisKeys.ParseId(id.ToString());
            if (await cache.FindAsync(campaignId).ConfigureAwait(false) is not { } campaign)
            {
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (campaign.Buckets > 1)
            {
                await RepairBucketsAsync(campaignId, campaign.Buckets).ConfigureAwait(false);
            }

            for (var bucket = 0; bucket < campaign.Buckets; bucket++)
            {
                swept += await SweepQueueAsync(keys.LockExpiries(campaignId, bucket), nowMs, batchSize, cancellationToken).ConfigureAwait(false);
                swept += await SweepQueueAsync(keys.ValidityEnds(campaignId, bucket), nowMs, batchSize, cancellationToken).ConfigureAwait(false);
            }
        }

        // Claims by code a node left half made: finished forward, for the user who reserved the code.
        return swept + await codeClaims.SweepAsync(batchSize, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> SweepQueueAsync(RedisKey queue, long nowMs, int batchSize, CancellationToken cancellationToken)
    {
        var swept = 0;
        var due = await db.SortedSetRangeByScoreAsync(queue, double.NegativeInfinity, nowMs, Exclude.None, Order.Ascending, 0, batchSize).ConfigureAwait(false);
        foreach (var coupon in due)
        {
            swept += await transitions.StoreTimeChangesAsync(RedisKeys.ParseId(coupon.ToString()), cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return swept;
    }

    /// <summary>Stock taken for a transfer and not yet given, and a status change not yet on every bucket.</summary>
    private async Task RepairBucketsAsync(Guid campaignId, int buckets)
    {
        await lending.FinishTransfersAsync(campaignId, buckets).ConfigureAwait(false);
        if (await campaigns.StoredStatusAsync(campaignId).ConfigureAwait(false) is { } status)
        {
            await campaigns.SpreadStatusAsync(campaignId, buckets, status).ConfigureAwait(false);
        }
    }
}
