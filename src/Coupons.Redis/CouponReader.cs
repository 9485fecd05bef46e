using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>Reads coupons: as stored (with the version their next change must find), or as a reader sees them now.</summary>
internal sealed class CouponReader(IDatabase db, RedisKeys keys, TimeProvider time, CampaignCache campaigns)
{
    /// <summary>The coupon as a reader sees it now (a lapsed lock unused, a passed validity expired); null when missing or someone else's.</summary>
    public async Task<Coupon?> ReadAsync(Guid couponId, string? ownerId) =>
        await ReadStoredAsync(db, couponId, ownerId).ConfigureAwait(false) is { } stored
            ? stored.ToCoupon(CouponRules.Observe(stored.Record.State, time.GetUtcNow().ToUnixTimeMilliseconds()))
            : null;

    /// <summary>The coupon as stored, read through <paramref name="source"/> (the database or a batch); null when missing or someone else's.</summary>
    public async Task<StoredCoupon?> ReadStoredAsync(IDatabaseAsync source, Guid couponId, string? ownerId)
    {
        var fields = StoredFields.Of(await source.HashGetAllAsync(keys.Coupon(couponId)).ConfigureAwait(false));
        if (fields.IsEmpty)
        {
            return null;
        }

        var record = CouponRecord.FromHash(couponId, fields);
        if (ownerId is not null && ownerId != record.UserId)
        {
            return null;
        }

        var campaign = await campaigns.FindAsync(record.CampaignId).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"the campaign {record.CampaignId} of coupon {couponId} is missing");
        return new StoredCoupon(record, (int)fields.Number(CouponRecord.Fields.Bucket), campaign.Definition);
    }
}

/// <summary>A coupon as stored, with the bucket that counts it and its campaign's terms.</summary>
internal sealed record StoredCoupon(CouponRecord Record, int Bucket, CampaignDefinition Terms)
{
    public Coupon ToCoupon(in CouponState state) => Coupon.From(Record.Id, Record.CampaignId, Record.UserId, Record.ClaimedAtMs, state, Terms);
}
