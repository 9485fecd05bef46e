using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// transition.lua's arguments by name; <see cref="RunAsync"/> puts them where the script's header
/// says: KEYS 1 the coupon, 2 its bucket, 3 the slot's event stream, 4 the bucket's lock expiries,
/// 5 its validity ends (all in the coupon's slot); ARGV 1 the version read, 2 coupon id, 3 campaign
/// id, 4 events, 5 status, 6 order id, 7 order amount, 8 lock expires at, 9 used at, 10 refunded
/// order id, 11-16 the locked, used, expired, revoked, released and refunded counters' changes,
/// 17 the refusal to count, 18 watch the lock until, 19 watch the validity until ('' for not
/// watched), 20 the audit field, 21 the order's shipping, 22 what the coupon takes off it ('' for none).
/// </summary>
/// <param name="VersionRead">The version the change was decided on: the script stores it only if the coupon is still at it.</param>
/// <param name="After">The state decided by <c>CouponRules</c>, stored whole.</param>
/// <param name="Counters">The campaign's stats change, <see cref="StatsDelta.Of"/>.</param>
/// <param name="Outcome">The decision's outcome; a refusal is counted in the bucket.</param>
/// <param name="Watch">When the sweeper must look at the coupon again (<see cref="SweepWatch.Of"/>).</param>
internal readonly record struct TransitionArguments(
    Guid CouponId,
    Guid CampaignId,
    int Bucket,
    long VersionRead,
    CouponEvents Events,
    CouponState After,
    StatsDelta Counters,
    Outcome Outcome,
    SweepWatch Watch,
    string Audit)
{
    /// <summary>How many ARGV a coupon's change takes (in transition.lua, and for each coupon in orderapply.lua).</summary>
    public const int ValueCount = 22;

    /// <summary>True when stored; false when the coupon changed since it was read (decide again).</summary>
    public async Task<bool> RunAsync(IDatabaseAsync db, RedisKeys keys)
    {
        var answer = (RedisResult[])(await Script.Transition.RunAsync(db, KeysIn(keys), Values()).ConfigureAwait(false))!;
        return (string)answer[0]! == "ok";
    }

    /// <summary>The script's KEYS (five, all in the coupon's slot).</summary>
    public RedisKey[] KeysIn(RedisKeys keys) =>
    [
        keys.Coupon(CouponId), keys.Bucket(CampaignId, Bucket), keys.Events(CouponIds.SlotOf(CouponId)),
        keys.LockExpiries(CampaignId, Bucket), keys.ValidityEnds(CampaignId, Bucket),
    ];

    /// <summary>The script's ARGV (<see cref="ValueCount"/> of them).</summary>
    public RedisValue[] Values() =>
    [
        VersionRead, RedisKeys.Id(CouponId), RedisKeys.Id(CampaignId), WireNames.EventList(Events), WireNames.Of(After.Status),
        After.OrderId ?? "", After.OrderAmount, After.LockExpiresAtMs, After.UsedAtMs, After.RefundedOrderId ?? "",
        Counters.Locked, Counters.Used, Counters.Expired, Counters.Revoked, Counters.Released, Counters.Refunded,
        Outcome.IsSuccess() ? "" : Outcome.ToCode(), OrEmpty(Watch.LockLapsesAtMs), OrEmpty(Watch.ValidityEndsAtMs), Audit,
        After.OrderShipping, OrEmpty(After.OrderDiscount),
    ];

    private static RedisValue OrEmpty(long? value) => value is { } number ? number : RedisValue.EmptyString;
}
