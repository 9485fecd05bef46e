namespace Coupons.Core;

/// <summary>
/// The one spelling of every status, event and audit action, used by the HTTP contract, both
/// stores, the Redis scripts' arguments and streams, the persister and the audit log. One scheme:
/// snake_case words; audit actions are <c>subject.action</c>.
/// </summary>
/// <remarks>
/// The Redis scripts write or compare a few of these as literals (<c>'active'</c>, <c>'ended'</c>,
/// <c>'unused'</c> in claim.lua, status.lua, stock.lua and create.lua); they must stay
/// as spelled here.
/// </remarks>
public static class WireNames
{
    /// <summary>The event of a coupon's claim, which has no <see cref="CouponEvents"/> flag.</summary>
    public const string Claimed = "claimed";

    private static readonly string[] CouponStatuses = ["", "unused", "locked", "used", "expired", "revoked"];
    private static readonly string[] CampaignStatuses = ["", "active", "paused", "ended"];
    private static readonly string[] OrderStatuses = ["", "locked", "used", "released", "refunded"];

    /// <summary>Each event's name, in the order an event list and an audit action name them.</summary>
    private static readonly (CouponEvents Flag, string Name)[] Events =
    [
        (CouponEvents.Locked, "locked"), (CouponEvents.Used, "used"), (CouponEvents.Released, "released"),
        (CouponEvents.Lapsed, "lock_lapsed"), (CouponEvents.Refunded, "refunded"), (CouponEvents.Revoked, "revoked"),
        (CouponEvents.Expired, "expired"), (CouponEvents.Undone, "undone"),
    ];

    /// <summary>Every coupon status's name, as the contract lists them.</summary>
    public static IReadOnlyList<string> CouponStatusNames { get; } = CouponStatuses[1..];

    /// <summary>Every campaign status's name, as the contract lists them.</summary>
    public static IReadOnlyList<string> CampaignStatusNames { get; } = CampaignStatuses[1..];

    public static string Of(CouponStatus status) =>
        status is >= CouponStatus.Unused and <= CouponStatus.Revoked
            ? CouponStatuses[(int)status]
            : throw new ArgumentOutOfRangeException(nameof(status), status, "unknown coupon status");

    public static string Of(CampaignStatus status) =>
        status is >= CampaignStatus.Active and <= CampaignStatus.Ended
            ? CampaignStatuses[(int)status]
            : throw new ArgumentOutOfRangeException(nameof(status), status, "unknown campaign status");

    public static string Of(Checkout.OrderStatus status) =>
        status is >= Checkout.OrderStatus.Locked and <= Checkout.OrderStatus.Refunded
            ? OrderStatuses[(int)status]
            : throw new ArgumentOutOfRangeException(nameof(status), status, "unknown order status");

    /// <summary>A stored order status; an unknown name means the stored data is not ours.</summary>
    public static Checkout.OrderStatus ParseOrderStatus(string name)
    {
        var index = Array.IndexOf(OrderStatuses, name, 1);
        return index > 0 ? (Checkout.OrderStatus)index : throw new FormatException($"'{name}' is not an order status");
    }

    public static bool TryParse(string? name, out CouponStatus status)
    {
        var index = Array.IndexOf(CouponStatuses, name, 1);
        status = index > 0 ? (CouponStatus)index : 0;
        return index > 0;
    }

    public static bool TryParse(string? name, out CampaignStatus status)
    {
        var index = Array.IndexOf(CampaignStatuses, name, 1);
        status = index > 0 ? (CampaignStatus)index : 0;
        return index > 0;
    }

    /// <summary>A stored coupon status; an unknown name means the stored data is not ours.</summary>
    public static CouponStatus ParseCouponStatus(string name) =>
        TryParse(name, out CouponStatus status) ? status : throw new InvalidDataException($"unknown coupon status '{name}'");

    /// <summary>A stored campaign status; an unknown name means the stored data is not ours.</summary>
    public static CampaignStatus ParseCampaignStatus(string name) =>
        TryParse(name, out CampaignStatus status) ? status : throw new InvalidDataException($"unknown campaign status '{name}'");

    /// <summary>The events of one change as a list (<c>locked,used</c>), as the Redis streams carry them.</summary>
    public static string EventList(CouponEvents events) => string.Join(',', NamesOf(events));

    /// <summary>
    /// The events named in a list; <c>lapsed</c>, the name Redis nodes before this scheme wrote into
    /// their streams, still reads as <see cref="CouponEvents.Lapsed"/> so entries pending across an
    /// upgrade are persisted with the right action.
    /// </summary>
    public static CouponEvents ParseEventList(string list)
    {
        var events = CouponEvents.None;
        foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            events |= name == "lapsed" ? CouponEvents.Lapsed : Array.Find(Events, e => e.Name == name).Flag;
        }

        return events;
    }

    private static IEnumerable<string> NamesOf(CouponEvents events)
    {
        foreach (var (flag, name) in Events)
        {
            if ((events & flag) != 0)
            {
                yield return name;
            }
        }
    }

    /// <summary>The actions of the audit log (<c>GET /v1/audit?action=</c>).</summary>
    public static class Actions
    {
        public const string CouponClaimed = "coupon.claimed";

        /// <summary>An admin revoked a coupon; the entry's <c>after</c> holds the reason given.</summary>
        public const string CouponRevoked = "coupon.revoked";
        public const string CampaignCreated = "campaign.created";
        public const string CampaignPaused = "campaign.paused";
        public const string CampaignResumed = "campaign.resumed";
        public const string CampaignEnded = "campaign.ended";
        public const string CampaignStockAdded = "campaign.stock_added";
        public const string BlocklistAdded = "blocklist.added";
        public const string BlocklistRemoved = "blocklist.removed";
        public const string FraudFlagDismissed = "fraud.flag_dismissed";

        /// <summary>
        /// The action of a coupon change: <c>coupon.claimed</c> (no event), <c>coupon.revoked</c> for
        /// a revoke whatever time changed on the way (a lock that lapsed just before is still counted
        /// released), else its events joined, like <c>coupon.locked+used</c>.
        /// </summary>
        public static string OfCoupon(CouponEvents events) => events switch
        {
            CouponEvents.None => CouponClaimed,
            _ when (events & CouponEvents.Revoked) != 0 => CouponRevoked,
            _ => "coupon." + string.Join('+', NamesOf(events)),
        };

        /// <summary>The action of a campaign's status change, by the status it changed to.</summary>
        public static string OfStatusChange(CampaignStatus target) => target switch
        {
            CampaignStatus.Active => CampaignResumed,
            CampaignStatus.Paused => CampaignPaused,
            CampaignStatus.Ended => CampaignEnded,
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, "unknown campaign status"),
        };
    }
}
