using System.Globalization;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// Moves stock between a campaign's buckets: a bucket that sold out borrows from the one with the
/// most left. Stock is taken out of the lender (take.lua, which records the transfer) and then given
/// to the borrower (give.lua, once per transfer); units in flight are in no bucket, so nothing can be
/// sold twice, and a transfer whose node died in between is given by the sweeper.
/// </summary>
internal sealed class StockLending(IDatabase db, RedisKeys keys)
{
    /// <summary>
    /// Moves half of what the bucket with the most left has into <paramref name="borrower"/>. False
    /// when no bucket has any left; true otherwise, even when others took it first (look again).
    /// </summary>
    public async Task<bool> BorrowAsync(Guid campaignId, int buckets, int borrower)
    {
        var batch = db.CreateBatch();
        var reads = Enumerable.Range(0, buckets).Select(b => batch.HashGetAsync(keys.Bucket(campaignId, b), [BucketHashes.Total, BucketHashes.Issued])).ToList();
        batch.Execute();
        var left = new long[buckets];
        for (var b = 0; b < buckets; b++)
        {
            var values = await reads[b].ConfigureAwait(false);
            left[b] = b == borrower || values[0].IsNull ? 0 : (long)values[0] - (long)values[1];
        }

        var lender = Array.IndexOf(left, left.Max());
        if (left[lender] <= 0)
        {
            return false;
        }

        var transfer = Guid.NewGuid().ToString("N");
        var units = await new TakeArguments(campaignId, lender, (left[lender] + 1) / 2, transfer, borrower).RunAsync(db, keys).ConfigureAwait(false);
        if (units > 0)
        {
            await GiveAsync(campaignId, lender, borrower, transfer, units).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Gives every transfer the campaign's buckets have taken and not seen given: what a node that died left in flight.</summary>
    public async Task FinishTransfersAsync(Guid campaignId, int buckets)
    {
        for (var lender = 0; lender < buckets; lender++)
        {
            foreach (var pending in await db.HashGetAllAsync(keys.TransfersOut(campaignId, lender)).ConfigureAwait(false))
            {
                // "borrower:units", as take.lua records it.
                var to = ((string)pending.Value!).Split(':');
                await GiveAsync(
                    campaignId, lender, int.Parse(to[0], CultureInfo.InvariantCulture), (string)pending.Name!, long.Parse(to[1], CultureInfo.InvariantCulture)).ConfigureAwait(false);
            }
        }
    }

    private async Task GiveAsync(Guid campaignId, int lender, int borrower, string transfer, long units)
    {
        await new GiveArguments(campaignId, borrower, transfer, units).RunAsync(db, keys).ConfigureAwait(false);
        await db.HashDeleteAsync(keys.TransfersOut(campaignId, lender), transfer).ConfigureAwait(false);
    }
}
