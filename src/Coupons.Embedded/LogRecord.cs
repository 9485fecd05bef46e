using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>A campaign's stored row: its definition and the parts that change.</summary>
internal sealed record CampaignRow(Guid Id, CampaignDefinition Definition, CampaignStatus Status, long TotalStock, long CreatedAtMs);

/// <summary>
/// The audit line of a change, written in the same transaction as the change itself: who (the
/// actor of the flow that made it), what, when, and the state before and after.
/// </summary>
internal sealed record AuditNote(AuditActor Actor, long AtMs, string Action, string Subject, Guid? CampaignId, string? Owner, string? OrderId, string? Before, string? After);

/// <summary>
/// One change waiting to be written: a campaign row, or a coupon with a copy of its state taken
/// when the change was made (the entry's other fields never change), or an audit line alone (for
/// changes kept outside the store, like the blocklist). Every change carries its audit line.
/// </summary>
internal readonly struct LogRecord
{
    private LogRecord(CampaignRow? campaign, CouponEntry? coupon, CouponState state, CouponEvents events, StatsDelta delta, AuditNote? audit)
    {
        Campaign = campaign;
        Coupon = coupon;
        State = state;
        Events = events;
        Delta = delta;
        Audit = audit;
    }

    public CampaignRow? Campaign { get; }
    public CouponEntry? Coupon { get; }
    public CouponState State { get; }
    public CouponEvents Events { get; }

    /// <summary>What the change did to its campaign's stats, as <see cref="StatsDelta.Of"/> gave it.</summary>
    public StatsDelta Delta { get; }
    public AuditNote? Audit { get; }

    /// <summary>A campaign row, with the audit line of <paramref name="action"/> by the flow's actor.</summary>
    public static LogRecord ForCampaign(CampaignRow row, string action, string? before, long nowMs) =>
        new(row, null, default, CouponEvents.None, default, new AuditNote(
            AuditScope.Current, nowMs, action, row.Id.ToString(), row.Id, null, null, before, AuditText.CampaignState(row.Status, row.TotalStock)));

    /// <summary>
    /// A coupon's change from <paramref name="before"/> (null for a claim) to <paramref name="state"/>,
    /// with its audit line (which carries <paramref name="reason"/>, a revoke's, after the state).
    /// </summary>
    public static LogRecord ForCoupon(CouponEntry coupon, in CouponState state, CouponEvents events, StatsDelta delta, in CouponState? before, long nowMs, string? reason = null) =>
        new(null, coupon, state, events, delta, new AuditNote(
            AuditScope.Current, nowMs, WireNames.Actions.OfCoupon(events), coupon.Id.ToString(), coupon.Campaign.Id, coupon.UserId,
            state.OrderId ?? before?.OrderId, before is { } was ? AuditText.CouponState(was) : null, AuditText.WithReason(AuditText.CouponState(state), reason)));

    public static LogRecord ForAudit(AuditNote note) => new(null, null, default, CouponEvents.None, default, note);
}
