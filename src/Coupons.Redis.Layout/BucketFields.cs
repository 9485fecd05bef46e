using System.Globalization;
using Coupons.Core;

namespace Coupons.Redis.Layout;

/// <summary>
/// The fields of a bucket's hash (<see cref="RedisKeys.Bucket"/>): the campaign's status (copied
/// from the campaign), its share of the stock (<c>total</c>, <c>issued</c>), the per-user
/// <c>limit</c>, the stats counters its coupons' changes move, and <c>rejected:&lt;code&gt;</c> per
/// refusal. Written by the store's scripts, and by the restore from PostgreSQL.
/// </summary>
public static class BucketFields
{
    public const string Status = "status";
    public const string Total = "total";
    public const string Issued = "issued";
    public const string Limit = "limit";
    public const string RejectedPrefix = "rejected:";

    /// <summary>The counters transition.lua moves, by <c>StatsDelta</c> (issued is claim.lua's).</summary>
    public const string Locked = "locked";
    public const string Used = "used";
    public const string Expired = "expired";
    public const string Revoked = "revoked";
    public const string Released = "released";
    public const string Refunded = "refunded";
}

/// <summary>The fields of a bucket's claimants hash: each user's number of claims there, and their idempotency keys.</summary>
public static class ClaimantFields
{
    public static string Count(string userId) => "c:" + userId;

    /// <summary>The field of one idempotency key: the user's id is length-prefixed, so no two users' keys share a field.</summary>
    public static string IdempotencyKey(string userId, string key) =>
        "k:" + userId.Length.ToString(CultureInfo.InvariantCulture) + ":" + userId + key;
}

/// <summary>
/// When the sweeper must look at a coupon again: the moments at which time alone would change it
/// (its lock lapsing, its validity passing), null for a moment at which nothing would. Asked of
/// <see cref="CouponRules.Normalize"/> at each moment, so which coupons can still lapse or expire is
/// decided by Core's rule alone (unused and locked coupons expire; used ones do not until refunded).
/// transition.lua puts the coupon in each queue, or takes it out, as this says; the restore does too.
/// </summary>
public readonly record struct SweepWatch(long? LockLapsesAtMs, long? ValidityEndsAtMs)
{
    public static SweepWatch Of(in CouponState state) => new(
        WouldChange(state, state.LockExpiresAtMs, CouponEvents.Lapsed) ? state.LockExpiresAtMs : null,
        WouldChange(state, state.ValidToMs, CouponEvents.Expired) ? state.ValidToMs : null);

    private static bool WouldChange(CouponState state, long atMs, CouponEvents change) => (CouponRules.Normalize(ref state, atMs) & change) != 0;
}
