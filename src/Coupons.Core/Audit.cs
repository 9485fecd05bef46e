namespace Coupons.Core;

/// <summary>Who made a change: the token's subject and role and the client's address; <see cref="System"/> for the service's own changes.</summary>
public sealed record AuditActor(string Id, string Role, string? Ip)
{
    /// <summary>Changes nobody asked for: lapsed locks, passed validities.</summary>
    public static readonly AuditActor System = new("system", "system", null);
}

/// <summary>
/// The actor of the changes made on this async flow: the API sets it once per request (after
/// authentication) and every store records it with each change it makes, in the same write.
/// </summary>
public static class AuditScope
{
    private static readonly AsyncLocal<AuditActor?> CurrentActor = new();

    public static AuditActor Current => CurrentActor.Value ?? AuditActor.System;

    /// <summary>Makes <paramref name="actor"/> the actor of this flow (and of the flows it starts) until the request ends.</summary>
    public static void Set(AuditActor? actor) => CurrentActor.Value = actor;
}

/// <summary>
/// One line of the audit log: who (id, role, address) did what (an action like <c>coupon.locked</c>)
/// to which subject (a coupon, campaign or blocklist entry id), when, and its state before and after.
/// </summary>
/// <param name="Id">The entry's id, unique in the store.</param>
public sealed record AuditEntry(
    string Id,
    long AtMs,
    string ActorId,
    string ActorRole,
    string? ActorIp,
    string Action,
    string Subject,
    Guid? CampaignId,
    string? Owner,
    string? OrderId,
    string? Before,
    string? After);

/// <summary>Which audit entries to read: all filters optional and combined; newest first, after the <see cref="Cursor"/> a previous page gave.</summary>
public sealed record AuditQuery(
    string? Subject = null,
    string? ActorId = null,
    string? Owner = null,
    Guid? CampaignId = null,
    string? Action = null,
    long? FromMs = null,
    long? ToMs = null,
    string? Cursor = null,
    int Limit = StoreLimits.DefaultPageSize);

/// <summary>The durable, append-only audit log a store keeps beside its state.</summary>
public interface IAuditLog
{
    /// <summary>Appends an entry for a change made outside the store (a blocklist change); returns once it is durable.</summary>
    ValueTask AppendAsync(string action, string subject, string? before, string? after, CancellationToken cancellationToken = default);

    /// <summary>
    /// The entries matching <paramref name="query"/>, newest first, with the cursor of the next page
    /// (null on the last). A cursor this store did not give is refused with <see cref="ArgumentException"/>.
    /// </summary>
    ValueTask<(IReadOnlyList<AuditEntry> Items, string? NextCursor)> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default);
}

/// <summary>How the audit log describes states (its <c>before</c> and <c>after</c>); the names it uses come from <see cref="WireNames"/>.</summary>
public static class AuditText
{
    public const int MaxTextLength = 512;

    /// <summary>A coupon's state as the audit log shows it: its status, and the order holding it if any.</summary>
    public static string CouponState(in CouponState state) => CouponState(state.Status, state.OrderId);

    /// <summary>A coupon's state from its status and order.</summary>
    public static string CouponState(CouponStatus status, string? orderId) =>
        orderId is { Length: > 0 } order && status is CouponStatus.Locked or CouponStatus.Used
            ? $"{WireNames.Of(status)} by order {order}"
            : WireNames.Of(status);

    /// <summary>A state with the reason the caller gave for the change (a revoke's), as the entry's <c>after</c> shows it.</summary>
    public static string WithReason(string state, string? reason) => reason is null ? state : $"{state}, reason: {reason}";

    /// <summary>A campaign's state as the audit log shows it.</summary>
    public static string CampaignState(CampaignStatus status, long totalStock) =>
        $"{WireNames.Of(status)}, total stock {totalStock.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
