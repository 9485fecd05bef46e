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

/// <summary>The names the audit log gives actions and states.</summary>
public static class AuditNames
{
    public const int MaxTextLength = 512;

    /// <summary>The action of a coupon change: <c>coupon.claimed</c> (no event), else the events joined, like <c>coupon.locked+used</c>.</summary>
    public static string CouponAction(CouponEvents events)
    {
        if (events == CouponEvents.None)
        {
            return "coupon.claimed";
        }

        var names = new List<string>(2);
        foreach (var (flag, name) in EventNames)
        {
            if ((events & flag) != 0)
            {
                names.Add(name);
            }
        }

        return "coupon." + string.Join('+', names);
    }

    public static string Of(CouponStatus status) => status switch
    {
        CouponStatus.Unused => "unused",
        CouponStatus.Locked => "locked",
        CouponStatus.Used => "used",
        CouponStatus.Expired => "expired",
        CouponStatus.Revoked => "revoked",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown coupon status"),
    };

    public static string Of(CampaignStatus status) => status switch
    {
        CampaignStatus.Active => "active",
        CampaignStatus.Paused => "paused",
        CampaignStatus.Ended => "ended",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown campaign status"),
    };

    /// <summary>A coupon's state as the audit log shows it: its status, and the order holding it if any.</summary>
    public static string CouponState(in CouponState state) => CouponState(Of(state.Status), state.OrderId);

    /// <summary>A coupon's state from its status name and order.</summary>
    public static string CouponState(string status, string? orderId) =>
        orderId is { Length: > 0 } order && status is "locked" or "used" ? $"{status} by order {order}" : status;

    /// <summary>A campaign's state as the audit log shows it.</summary>
    public static string CampaignState(CampaignStatus status, long totalStock) => CampaignState(Of(status), totalStock);

    public static string CampaignState(string status, long totalStock) =>
        $"{status}, total stock {totalStock.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The action of a coupon change from its event names (as the Redis store's events carry them).</summary>
    public static string CouponAction(IEnumerable<string> eventNames)
    {
        var events = CouponEvents.None;
        foreach (var name in eventNames)
        {
            events |= Array.Find(EventNames, e => e.Name == name || e.Flag.ToString().Equals(name, StringComparison.OrdinalIgnoreCase)).Flag;
        }

        return CouponAction(events);
    }

    private static readonly (CouponEvents Flag, string Name)[] EventNames =
    [
        (CouponEvents.Locked, "locked"), (CouponEvents.Used, "used"), (CouponEvents.Released, "released"),
        (CouponEvents.Lapsed, "lock_lapsed"), (CouponEvents.Refunded, "refunded"), (CouponEvents.Expired, "expired"),
    ];
}
