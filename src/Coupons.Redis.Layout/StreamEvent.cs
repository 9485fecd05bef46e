using Coupons.Core;
using StackExchange.Redis;

namespace Coupons.Redis.Layout;

/// <summary>What an event in a slot's stream is about; its <c>event</c> field says.</summary>
public enum EventKind
{
    /// <summary><c>campaign</c>: created (create.lua), with the whole campaign.</summary>
    CampaignCreated = 1,

    /// <summary><c>status</c>: paused, resumed or ended (status.lua), with the whole campaign and <c>beforeStatus</c>.</summary>
    CampaignStatusChanged = 2,

    /// <summary><c>stock</c>: stock added (stock.lua), with the whole campaign and <c>beforeTotal</c>.</summary>
    CampaignStockAdded = 3,

    /// <summary><c>claimed</c>: a coupon claimed (claim.lua), with the whole coupon.</summary>
    CouponClaimed = 4,

    /// <summary>A coupon changed (transition.lua); the field holds its events as a list (<see cref="WireNames.EventList"/>).</summary>
    CouponChanged = 5,

    /// <summary><c>audit</c>: the audit entry of a change kept outside the store (<see cref="AuditStream"/>).</summary>
    Audit = 6,

    /// <summary><c>codes</c>: up to <see cref="CodeEvents.MaxCodesPerEvent"/> of a generation step's codes, in the campaign's slot (listcodes.lua; <see cref="CodeEvents"/>).</summary>
    CodesAdded = 7,

    /// <summary><c>code-claimed</c>: a generated code claimed (completecode.lua), with its whole row.</summary>
    CodeClaimed = 8,

    /// <summary><c>order</c>: a checkout order's record as an operation left it (orderstore.lua), with its version (<see cref="OrderRecord"/>).</summary>
    OrderChanged = 9,
}

/// <summary>
/// One entry of a slot's event stream. Every change appends one, in the same script as the change,
/// carrying the whole row (coupon or campaign) with its version and the change's audit field, so
/// that a reader can store any event of a row, in any order, by version.
/// </summary>
public sealed class StreamEvent
{
    public const string CampaignCreated = "campaign";
    public const string CampaignStatusChanged = "status";
    public const string CampaignStockAdded = "stock";
    public const string Audit = "audit";
    public const string Order = "order";

    public StreamEvent(string id, StoredFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        Id = id;
        Values = fields;
        Name = fields.Text(Fields.Event);
        Kind = Name switch
        {
            CampaignCreated => EventKind.CampaignCreated,
            CampaignStatusChanged => EventKind.CampaignStatusChanged,
            CampaignStockAdded => EventKind.CampaignStockAdded,
            WireNames.Claimed => EventKind.CouponClaimed,
            Audit => EventKind.Audit,
            CodeEvents.Added => EventKind.CodesAdded,
            CodeEvents.Claimed => EventKind.CodeClaimed,
            Order => EventKind.OrderChanged,
            _ => EventKind.CouponChanged,
        };
    }

    /// <summary>The entry's id in its stream.</summary>
    public string Id { get; }

    /// <summary>The <c>event</c> field as written.</summary>
    public string Name { get; }

    public EventKind Kind { get; }

    /// <summary>Every field of the entry.</summary>
    public StoredFields Values { get; }

    public bool IsAboutCampaign => Kind is EventKind.CampaignCreated or EventKind.CampaignStatusChanged or EventKind.CampaignStockAdded;

    public bool IsAboutCoupon => Kind is EventKind.CouponClaimed or EventKind.CouponChanged;

    public bool IsAboutCodes => Kind is EventKind.CodesAdded or EventKind.CodeClaimed;

    public bool IsAboutOrder => Kind == EventKind.OrderChanged;

    /// <summary>The events of a coupon's change; none for a claim.</summary>
    public CouponEvents CouponEvents => Kind == EventKind.CouponChanged ? WireNames.ParseEventList(Name) : CouponEvents.None;

    /// <summary>Who made the change and when, if the event carries its audit field.</summary>
    public AuditField.Decoded? DecodeAudit() =>
        Values.OptionalText(AuditField.Name) is { } text ? AuditField.Decode(text) : null;

    public static StreamEvent Of(StreamEntry entry) => new(entry.Id.ToString(), StoredFields.Of(entry.Values));

    /// <summary>The field names of events beyond the row's own (<see cref="CouponRecord.Fields"/>, <see cref="CampaignRecord.Fields"/>).</summary>
    public static class Fields
    {
        public const string Event = "event";

        /// <summary>The coupon's id, in a coupon's events.</summary>
        public const string Coupon = "coupon";

        /// <summary>The campaign's id, in every event of a campaign or a coupon.</summary>
        public const string Campaign = "campaign";

        /// <summary>The status before a status change.</summary>
        public const string BeforeStatus = "beforeStatus";

        /// <summary>The total stock before stock was added.</summary>
        public const string BeforeTotal = "beforeTotal";

        /// <summary>An audit event's action, subject, and states before and after (as the audit log shows them).</summary>
        public const string Action = "action";
        public const string Subject = "subject";
        public const string Before = "before";
        public const string After = "after";
    }
}
