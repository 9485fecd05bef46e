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

    /// <summary><c>code_guessing</c>: Too many failed claims by code (unknown or someone else's codes) by one account.</summary>
    public static FraudSignal CodeGuessing { get; } = new("code_guessing");

    private static readonly FraudSignal[] All = [DeviceAccounts, IpAccounts, ClaimBurst, CodeGuessing];

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

    /// <summary><c>code_attempts</c>: Failed claims by code per account and per address (guessing codes).</summary>
    public static RateLimitKind CodeAttempts { get; } = new("code_attempts");

    private static readonly RateLimitKind[] All = [Ip, Device, User, Campaign, CodeAttempts];

    /// <summary>Whether this version of the client knows the value.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    static IReadOnlyList<RateLimitKind> IWireName<RateLimitKind>.Known => All;

    static RateLimitKind IWireName<RateLimitKind>.Create(string value) => new(value);

    /// <summary>The value as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}

/// <summary>A generated code's status (<see cref="CouponCode.Status"/>).</summary>
/// <param name="Value">The status as the service spells it, like <c>available</c>.</param>
[JsonConverter(typeof(WireNameConverter<CodeStatus>))]
public readonly record struct CodeStatus(string Value) : IWireName<CodeStatus>
{
    /// <summary><c>available</c>: Not claimed yet: the first user who claims it gets a coupon.</summary>
    public static CodeStatus Available { get; } = new("available");

    /// <summary><c>claimed</c>: A user claimed it; it names their coupon.</summary>
    public static CodeStatus Claimed { get; } = new("claimed");

    private static readonly CodeStatus[] All = [Available, Claimed];

    /// <summary>Whether this version of the client knows the value.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    static IReadOnlyList<CodeStatus> IWireName<CodeStatus>.Known => All;

    static CodeStatus IWireName<CodeStatus>.Create(string value) => new(value);

    /// <summary>The value as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}

/// <summary>A background job's status (<see cref="Job.Status"/>).</summary>
/// <param name="Value">The status as the service spells it, like <c>running</c>.</param>
[JsonConverter(typeof(WireNameConverter<JobStatus>))]
public readonly record struct JobStatus(string Value) : IWireName<JobStatus>
{
    /// <summary><c>queued</c>: Waiting for a node to take it.</summary>
    public static JobStatus Queued { get; } = new("queued");

    /// <summary><c>running</c>: Being applied a step at a time.</summary>
    public static JobStatus Running { get; } = new("running");

    /// <summary><c>succeeded</c>: Every input applied or refused (refusals are its failures).</summary>
    public static JobStatus Succeeded { get; } = new("succeeded");

    /// <summary><c>failed</c>: Stopped by an error; what it applied stays applied.</summary>
    public static JobStatus Failed { get; } = new("failed");

    /// <summary><c>cancelled</c>: Cancelled; what it applied stays applied.</summary>
    public static JobStatus Cancelled { get; } = new("cancelled");

    private static readonly JobStatus[] All = [Queued, Running, Succeeded, Failed, Cancelled];

    /// <summary>Whether this version of the client knows the value.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    /// <summary>Whether the job has ended: succeeded, failed or cancelled (a status this client does not know counts as not ended).</summary>
    public bool IsFinished => this == Succeeded || this == Failed || this == Cancelled;

    static IReadOnlyList<JobStatus> IWireName<JobStatus>.Known => All;

    static JobStatus IWireName<JobStatus>.Create(string value) => new(value);

    /// <summary>The value as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}
