using System.IO.Hashing;
using System.Text;
using Coupons.Core;
using Coupons.Redis.Layout;

namespace Coupons.Postgres.Restore;

/// <summary>
/// A campaign being restored: its row (as a <see cref="CampaignRecord"/>, whose bucket count says
/// where each user's claims live) and what its coupons add up to in each bucket, which become the
/// bucket hashes once every coupon is in. Small: a few numbers a bucket.
/// </summary>
internal sealed class RestoredCampaign
{
    private readonly Dictionary<int, int> _bucketOfSlot = [];

    public RestoredCampaign(CampaignRecord record)
    {
        Record = record;
        Counts = new BucketCounts[record.Buckets];
        for (var bucket = record.Buckets - 1; bucket >= 0; bucket--)
        {
            // The lowest index wins when two buckets share a slot: its coupons are found there either way.
            _bucketOfSlot[RedisKeys.BucketSlot(record.Id, bucket)] = bucket;
        }
    }

    public CampaignRecord Record { get; }

    /// <summary>Per bucket: coupons issued there, the status gauges, and the event counters.</summary>
    public BucketCounts[] Counts { get; }

    /// <summary>The bucket whose slot a coupon's id carries (claim.lua writes a coupon in its bucket's slot); null when none has it.</summary>
    public int? BucketAtSlot(int slot) => _bucketOfSlot.TryGetValue(slot, out var bucket) ? bucket : null;

    /// <summary>The bucket a user claims from (as the store's campaign cache picks it): XxHash32 of the UTF-8 id, modulo the buckets.</summary>
    public int BucketOf(string userId) =>
        Record.Buckets == 1 ? 0 : (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(userId)) % (uint)Record.Buckets);

    /// <summary>
    /// Each bucket's hash: the campaign's status, what it issued, and its share of what is left
    /// (split as a create splits stock, so no bucket has to borrow at once), the per-user limit and
    /// the counters; the refusal counters start again from zero.
    /// </summary>
    public IEnumerable<(int Bucket, long Total, BucketCounts Counts)> Buckets()
    {
        var issued = Counts.Sum(c => c.Issued);
        var left = Math.Max(0, Record.TotalStock - issued);
        for (var bucket = 0; bucket < Counts.Length; bucket++)
        {
            var share = (left / Counts.Length) + (bucket < left % Counts.Length ? 1 : 0);
            yield return (bucket, Counts[bucket].Issued + share, Counts[bucket]);
        }
    }

    /// <summary>Counts a restored coupon in its bucket: issued, and the gauge of its stored status.</summary>
    public void Count(int bucket, CouponStatus status)
    {
        ref var counts = ref Counts[bucket];
        counts.Issued++;
        switch (status)
        {
            case CouponStatus.Locked: counts.Locked++; break;
            case CouponStatus.Used: counts.Used++; break;
            case CouponStatus.Expired: counts.Expired++; break;
            case CouponStatus.Revoked: counts.Revoked++; break;
            default: break;
        }
    }
}

/// <summary>What a bucket's hash counts (<see cref="BucketFields"/>).</summary>
internal struct BucketCounts
{
    public long Issued;
    public long Locked;
    public long Used;
    public long Expired;
    public long Revoked;
    public long Released;
    public long Refunded;
}
