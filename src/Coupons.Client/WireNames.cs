using System.Text.Json.Serialization;
using Coupons.Client.Serialization;

namespace Coupons.Client;

/// <summary>A coupon's status. Statuses may be added; one this client does not know is kept as it came.</summary>
/// <param name="Value">The status as the service spells it, like <c>unused</c>.</param>
[JsonConverter(typeof(WireNameConverter<CouponStatus>))]
public readonly record struct CouponStatus(string Value) : IWireName<CouponStatus>
{
    /// <summary><c>unused</c>: Held, not used: it can be locked or redeemed.</summary>
    public static CouponStatus Unused { get; } = new("unused");

    /// <summary><c>locked</c>: Locked for an order until it is redeemed, released or the lock lapses.</summary>
    public static CouponStatus Locked { get; } = new("locked");

    /// <summary><c>used</c>: Used by an order (a refund makes it unused again).</summary>
    public static CouponStatus Used { get; } = new("used");

    /// <summary><c>expired</c>: Past its validity.</summary>
    public static CouponStatus Expired { get; } = new("expired");

    /// <summary><c>revoked</c>: Taken back by an admin: it can no longer be locked or redeemed.</summary>
    public static CouponStatus Revoked { get; } = new("revoked");

    private static readonly CouponStatus[] All = [Unused, Locked, Used, Expired, Revoked];

    /// <summary>Whether this version of the client knows the value.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    static IReadOnlyList<CouponStatus> IWireName<CouponStatus>.Known => All;

    static CouponStatus IWireName<CouponStatus>.Create(string value) => new(value);

    /// <summary>The value as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}

/// <summary>A campaign's status. Statuses may be added; one this client does not know is kept as it came.</summary>
/// <param name="Value">The status as the service spells it, like <c>active</c>.</param>
[JsonConverter(typeof(WireNameConverter<CampaignStatus>))]
public readonly record struct CampaignStatus(string Value) : IWireName<CampaignStatus>
{
    /// <summary><c>active</c>: Handing out coupons (within its claim window).</summary>
    public static CampaignStatus Active { get; } = new("active");

    /// <summary><c>paused</c>: Not handing out coupons until resumed.</summary>
    public static CampaignStatus Paused { get; } = new("paused");

    /// <summary><c>ended</c>: Ended for good.</summary>
    public static CampaignStatus Ended { get; } = new("ended");

    private static readonly CampaignStatus[] All = [Active, Paused, Ended];

    /// <summary>Whether this version of the client knows the value.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    static IReadOnlyList<CampaignStatus> IWireName<CampaignStatus>.Known => All;

    static CampaignStatus IWireName<CampaignStatus>.Create(string value) => new(value);

    /// <summary>The value as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}

/// <summary>What a blocklist entry blocks.</summary>
/// <param name="Value">The kind as the service spells it, like <c>ip</c>.</param>
[JsonConverter(typeof(WireNameConverter<BlockKind>))]
public readonly record struct BlockKind(string Value) : IWireName<BlockKind>
{
    /// <summary><c>user</c>: A user id, as tokens carry it.</summary>
    public static BlockKind User { get; } = new("user");

    /// <summary><c>ip</c>: An address or a CIDR range, like <c>203.0.113.0/24</c>.</summary>
    public static BlockKind Ip { get; } = new("ip");

    /// <summary><c>device</c>: A device id, as the <c>X-Device-Id</c> header carries it.</summary>
    public static BlockKind Device { get; } = new("device");

    private static readonly BlockKind[] All = [User, Ip, Device];

    /// <summary>Whether this version of the client knows the value.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    static IReadOnlyList<BlockKind> IWireName<BlockKind>.Known => All;

    static BlockKind IWireName<BlockKind>.Create(string value) => new(value);

    /// <summary>The value as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}

/// <summary>The fraud signal that flagged an entity.</summary>
/// <param name="Value">The signal as the service spells it, like <c>device_accounts</c>.</param>
[JsonConverter(typeof(WireNameConverter<FraudSignal>))]
public readonly record struct FraudSignal(string Value) : IWireName<FraudSignal>
{
    /// <summary><c>device_accounts</c>: Too many accounts claiming from one device.</summary>
    public static FraudSignal DeviceAccounts { get; } = new("device_accounts");

    /// <summary><c>ip_accounts</c>: Too many accounts claiming from one address.</summary>
    public static FraudSignal IpAccounts { get; } = new("ip_accounts");

    /// <summary><c>claim_burst</c>: Too many claim attempts by one account.</summary>
    public static FraudSignal ClaimBurst { get; } = new("claim_burst");

    private static readonly FraudSignal[] All = [DeviceAccounts, IpAccounts, ClaimBurst];

    /// <summary>Whether this version of the client knows the value.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    static IReadOnlyList<FraudSignal> IWireName<FraudSignal>.Known => All;

    static FraudSignal IWireName<FraudSignal>.Create(string value) => new(value);

    /// <summary>The value as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}

/// <summary>Which rate limit refused a request (<see cref="CouponsProblem.Limit"/>).</summary>
/// <param name="Value">The limit as the service spells it, like <c>user</c>.</param>
[JsonConverter(typeof(WireNameConverter<RateLimitKind>))]
public readonly record struct RateLimitKind(string Value) : IWireName<RateLimitKind>
{
    /// <summary><c>ip</c>: Requests per client address.</summary>
    public static RateLimitKind Ip { get; } = new("ip");

    /// <summary><c>device</c>: Requests per device.</summary>
    public static RateLimitKind Device { get; } = new("device");

    /// <summary><c>user</c>: Requests per end user.</summary>
    public static RateLimitKind User { get; } = new("user");

    /// <summary><c>campaign</c>: Claims admitted into one campaign from everyone together.</summary>
    public static RateLimitKind Campaign { get; } = new("campaign");

    private static readonly RateLimitKind[] All = [Ip, Device, User, Campaign];

    /// <summary>Whether this version of the client knows the value.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    static IReadOnlyList<RateLimitKind> IWireName<RateLimitKind>.Known => All;

    static RateLimitKind IWireName<RateLimitKind>.Create(string value) => new(value);

    /// <summary>The value as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}
