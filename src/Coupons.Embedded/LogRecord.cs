using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>A campaign's stored row: its definition and the parts that change.</summary>
internal sealed record CampaignRow(Guid Id, CampaignDefinition Definition, CampaignStatus Status, long TotalStock, long CreatedAtMs);

/// <summary>
/// One change waiting to be written: either a campaign row, or a coupon with a copy of its state
/// taken when the change was made (the entry's other fields never change).
/// </summary>
internal readonly struct LogRecord
{
    private LogRecord(CampaignRow? campaign, CouponEntry? coupon, CouponState state, CouponEvents events)
    {
        Campaign = campaign;
        Coupon = coupon;
        State = state;
        Events = events;
    }

    public CampaignRow? Campaign { get; }
    public CouponEntry? Coupon { get; }
    public CouponState State { get; }
    public CouponEvents Events { get; }

    public static LogRecord ForCampaign(CampaignRow row) => new(row, null, default, CouponEvents.None);

    public static LogRecord ForCoupon(CouponEntry coupon, in CouponState state, CouponEvents events) => new(null, coupon, state, events);
}
