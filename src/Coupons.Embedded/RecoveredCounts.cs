using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>Per-campaign counts of recovered coupons, summed by each recovery worker and then added up.</summary>
internal struct RecoveredCounts
{
    public long Issued;
    public long Locked;
    public long Used;
    public long Expired;
    public long Revoked;

    public void Count(CouponStatus status)
    {
        Issued++;
        switch (status)
        {
            case CouponStatus.Locked:
                Locked++;
                break;
            case CouponStatus.Used:
                Used++;
                break;
            case CouponStatus.Expired:
                Expired++;
                break;
            case CouponStatus.Revoked:
                Revoked++;
                break;
            default:
                break;
        }
    }
}
