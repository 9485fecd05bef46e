namespace Coupons.Core;

/// <summary>
/// How one coupon change moves its campaign's stats (<see cref="CampaignStats"/>): the status
/// gauges (locked, used, expired, revoked) by the status before and after, and the event counters
/// (released counts releases and lapsed locks; refunded counts refunds). Both stores apply what
/// <see cref="Of"/> returns: the embedded store to its counters and its durable record, the Redis
/// store as transition.lua's arguments.
/// </summary>
/// <remarks>
/// A revoke moves the gauges only: locked (or nothing, for an unused coupon) down, revoked up. The
/// lock it drops is not counted released, and issued does not change: the stock is not returned.
/// </remarks>
public readonly record struct StatsDelta(int Locked, int Used, int Expired, int Revoked, int Released, int Refunded)
{
    public static StatsDelta Of(CouponStatus before, CouponStatus after, CouponEvents events) => new(
        Gauge(CouponStatus.Locked, before, after),
        Gauge(CouponStatus.Used, before, after),
        Gauge(CouponStatus.Expired, before, after),
        Gauge(CouponStatus.Revoked, before, after),
        (events & (CouponEvents.Released | CouponEvents.Lapsed)) != 0 ? 1 : 0,
        (events & CouponEvents.Refunded) != 0 ? 1 : 0);

    public bool IsZero => this == default;

    /// <summary>What takes this change back: every gauge and counter moved the other way.</summary>
    public StatsDelta Reversed => new(-Locked, -Used, -Expired, -Revoked, -Released, -Refunded);

    private static int Gauge(CouponStatus status, CouponStatus before, CouponStatus after) =>
        (after == status ? 1 : 0) - (before == status ? 1 : 0);
}
