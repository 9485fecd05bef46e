namespace Coupons.Client;

/// <summary>An entry of the blocklist: who is blocked, why, by whom, until when (or for good).</summary>
/// <param name="Kind">User, ip or device.</param>
/// <param name="Value">The user id, address or range, or device id, in its canonical form.</param>
/// <param name="Reason">Why, if given.</param>
/// <param name="CreatedAt">When it was added.</param>
/// <param name="CreatedBy">Who added it (a token subject, or <c>fraud-policy</c>).</param>
/// <param name="ExpiresAt">When it lapses; null for good.</param>
public sealed record BlockEntry(BlockKind Kind, string Value, string? Reason, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt);

/// <summary>A blocklist entry to add (replacing one of the same kind and value).</summary>
/// <param name="Kind">User, ip or device.</param>
/// <param name="Value">A user id, an address or CIDR range (<c>203.0.113.0/24</c>), or a device id.</param>
/// <param name="Reason">Why, up to 500 characters.</param>
/// <param name="ExpiresAt">When it lapses; null blocks for good.</param>
public sealed record NewBlock(BlockKind Kind, string Value, string? Reason = null, DateTimeOffset? ExpiresAt = null);

/// <summary>An entity a fraud signal flagged.</summary>
/// <param name="Signal">The signal that flagged it.</param>
/// <param name="Kind">What it is: user, ip or device.</param>
/// <param name="Value">The flagged device, address or account.</param>
/// <param name="Count">What the signal counted in its window.</param>
/// <param name="Threshold">The count that flags.</param>
/// <param name="WindowSeconds">The signal's window.</param>
/// <param name="FirstFlaggedAt">When it was first flagged.</param>
/// <param name="LastSeenAt">When it was last counted.</param>
/// <param name="AutoBlocked">Whether the fraud policy blocked it.</param>
public sealed record FraudFlag(
    FraudSignal Signal,
    BlockKind Kind,
    string Value,
    long Count,
    int Threshold,
    long WindowSeconds,
    DateTimeOffset FirstFlaggedAt,
    DateTimeOffset LastSeenAt,
    bool AutoBlocked);

/// <summary>Who made an audited change.</summary>
/// <param name="Id">The token subject, or <c>system</c> for the clock's own changes.</param>
/// <param name="Role">The caller's role; <c>job</c> for a change a background job made (for <see cref="Id"/>, its creator).</param>
/// <param name="Ip">The client address, when there was one.</param>
/// <param name="Job">The job that made the change for <paramref name="Id"/> (role <c>job</c>), when a background job made it.</param>
public sealed record AuditActor(string Id, string Role, string? Ip, string? Job = null);

/// <summary>One audit entry: who did what to which subject, when, and the state before and after.</summary>
/// <param name="Id">The entry's id.</param>
/// <param name="At">When.</param>
/// <param name="Actor">Who.</param>
/// <param name="Action">What, like <c>coupon.locked</c>.</param>
/// <param name="Subject">A coupon id, campaign id or blocklist entry (<c>kind:value</c>).</param>
/// <param name="CampaignId">The campaign concerned, if any.</param>
/// <param name="Owner">The user whose coupon it is, if any.</param>
/// <param name="OrderId">The order concerned, if any.</param>
/// <param name="Before">The state before.</param>
/// <param name="After">The state after.</param>
public sealed record AuditEntry(
    string Id,
    DateTimeOffset At,
    AuditActor Actor,
    string Action,
    string Subject,
    Guid? CampaignId,
    string? Owner,
    string? OrderId,
    string? Before,
    string? After);

/// <summary>Filters of the audit log; they combine. All null: every entry, newest first.</summary>
public sealed record AuditFilter
{
    /// <summary>A coupon id, campaign id or blocklist entry (<c>kind:value</c>): its entries only.</summary>
    public string? Subject { get; init; }

    /// <summary>Entries made by this caller (a token subject, or <c>system</c>).</summary>
    public string? Actor { get; init; }

    /// <summary>Entries about this user's coupons.</summary>
    public string? Owner { get; init; }

    /// <summary>Entries about this campaign and its coupons.</summary>
    public Guid? CampaignId { get; init; }

    /// <summary>One action, like <c>coupon.locked</c> or <c>blocklist.added</c>.</summary>
    public string? Action { get; init; }

    /// <summary>Entries at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Entries before this time.</summary>
    public DateTimeOffset? To { get; init; }
}
