using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;

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
/// when the change was made (the entry's other fields never change), or a generation step's codes,
/// or an audit line alone (for changes kept outside the store, like the blocklist). Every change of
/// a campaign or a coupon carries its audit line. A claim carries its coupon's own code's hash and,
/// by a generated code, that code, so the code is claimed in the same transaction as the coupon.
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

    private LogRecord(CouponEntry coupon, CouponState state, AuditNote audit, CodeHash ownCode, CodeClaim? codeClaim)
        : this(null, coupon, state, CouponEvents.None, default, audit)
    {
        OwnCode = ownCode;
        CodeClaim = codeClaim;
    }

    private LogRecord(CodesAdded codes)
        : this(null, null, default, CouponEvents.None, default, null) => Codes = codes;

    private LogRecord(CheckoutOrder order)
        : this(null, null, default, CouponEvents.None, default, null) => Order = order;

    public CampaignRow? Campaign { get; }
    public CouponEntry? Coupon { get; }
    public CouponState State { get; }
    public CouponEvents Events { get; }

    /// <summary>What the change did to its campaign's stats, as <see cref="StatsDelta.Of"/> gave it.</summary>
    public StatsDelta Delta { get; }
    public AuditNote? Audit { get; }

    /// <summary>A claim's coupon's own code's lookup hash (<see cref="CouponOwnCodes.KeyOf(Guid)"/>); default for other changes.</summary>
    public CodeHash OwnCode { get; }

    /// <summary>The generated code a claim took, or null.</summary>
    public CodeClaim? CodeClaim { get; }

    /// <summary>A generation step's codes, or null.</summary>
    public CodesAdded? Codes { get; }

    /// <summary>A checkout order's record, or null (its coupons' changes are records of their own, in the same batch).</summary>
    public CheckoutOrder? Order { get; }

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

    /// <summary>A claim: the new coupon, its own code's hash and the generated code it took, if any.</summary>
    public static LogRecord ForClaim(CouponEntry coupon, in CouponState state, long nowMs, CodeHash ownCode, CodeClaim? codeClaim)
    {
        var claim = ForCoupon(coupon, state, CouponEvents.None, default, null, nowMs);
        return new(coupon, state, claim.Audit!, ownCode, codeClaim);
    }

    public static LogRecord ForCodes(CodesAdded codes) => new(codes);

    public static LogRecord ForOrder(CheckoutOrder order) => new(order);

    public static LogRecord ForAudit(AuditNote note) => new(null, null, default, CouponEvents.None, default, note);
}
