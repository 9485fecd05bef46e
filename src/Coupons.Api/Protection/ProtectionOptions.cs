using System.ComponentModel.DataAnnotations;
using System.Net;
using Coupons.Api.Http;

namespace Coupons.Api.Protection;

/// <summary>
/// A token bucket: up to <see cref="Limit"/> requests at once, gained back evenly over
/// <see cref="Window"/> (so <c>Limit</c> per <c>Window</c> on average). A limit of 0 turns it off.
/// </summary>
public sealed class TokenBucketSettings
{
    public int Limit { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    public bool Enabled => Limit > 0;

    public TimeSpan PerToken => Window / Limit;
}

/// <summary>A fraud signal: more than <see cref="Threshold"/> within <see cref="Window"/> flags the entity. 0 turns it off.</summary>
public sealed class SignalSettings
{
    public int Threshold { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);

    public bool Enabled => Threshold > 0;
}

/// <summary>
/// Fraud signals, counted on claims by end users, in sliding windows: accounts seen on one device,
/// accounts claiming from one address, and claims by one account.
/// </summary>
public sealed class FraudOptions
{
    /// <summary>Distinct accounts claiming from one device (<c>X-Device-Id</c>): flagged at 5 in 10 minutes.</summary>
    public SignalSettings DeviceAccounts { get; set; } = new() { Threshold = 5, Window = TimeSpan.FromMinutes(10) };

    /// <summary>Distinct accounts claiming from one address: flagged at 20 in 10 minutes (a shop's Wi-Fi or a carrier's NAT can pass a few).</summary>
    public SignalSettings IpAccounts { get; set; } = new() { Threshold = 20, Window = TimeSpan.FromMinutes(10) };

    /// <summary>Claims by one account, across campaigns: flagged at 10 in a minute.</summary>
    public SignalSettings ClaimBurst { get; set; } = new() { Threshold = 10, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Failed code claims (code_not_found, code_already_claimed) by one account: flagged at 5 in 10 minutes, before the attempts limit refuses it.</summary>
    public SignalSettings CodeGuessing { get; set; } = new() { Threshold = 5, Window = TimeSpan.FromMinutes(10) };

    /// <summary>Block a flagged device, address or account at once (for <see cref="AutoBlockFor"/>); off by default, so a person decides.</summary>
    public bool AutoBlock { get; set; }

    public TimeSpan AutoBlockFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most flagged entities kept; further ones are counted in the metrics only.</summary>
    public int MaxFlags { get; set; } = 10_000;
}

/// <summary>The abuse protections, bound from <c>Coupons:Protection</c>, checked at start (<see cref="Validate"/>).</summary>
public sealed class ProtectionOptions : IValidatableObject
{
    public const string Section = "Coupons:Protection";

    /// <summary>
    /// False switches every limit and the blocklist off (its admin API still keeps entries): for
    /// load tests from one address, and for measuring what the protections cost.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests from one client address (after trusted proxies): 100 a minute.</summary>
    public TokenBucketSettings Ip { get; set; } = new() { Limit = 100, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Requests from one device (the <c>X-Device-Id</c> header): 100 a minute.</summary>
    public TokenBucketSettings Device { get; set; } = new() { Limit = 100, Window = TimeSpan.FromMinutes(1) };

    /// <summary>Requests by one end user (the token's subject): bursts of 20, 2 a second after that.</summary>
    public TokenBucketSettings User { get; set; } = new() { Limit = 20, Window = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// Claims admitted into one campaign, from everyone together: off unless set. A cap keeps a
    /// sale's crowd from crowding out checkout on the same nodes; what it turns away is told to retry.
    /// </summary>
    public TokenBucketSettings CampaignClaims { get; set; } = new() { Limit = 0, Window = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// Roles, comma-separated, that no limit or blocklist applies to: the order system
    /// (<c>service</c>) calls for every user from a few addresses, and admins must be able to lift a
    /// block they set. An empty value exempts no one.
    /// </summary>
    public string ExemptRoles { get; set; } = "service,admin";

    /// <summary>
    /// Proxies (single addresses or CIDR ranges) whose <c>X-Forwarded-For</c> is believed. None by
    /// default: the client address is the connection's. Put the load balancers' addresses here.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>How long a node may serve a blocklist that another node changed (Redis store).</summary>
    public TimeSpan BlocklistRefresh { get; set; } = TimeSpan.FromMilliseconds(250);

    public FraudOptions Fraud { get; set; } = new();

    /// <summary>Failed code claims allowed per account and per address (<see cref="CodeGuessing"/>).</summary>
    public CodeAttemptSettings CodeAttempts { get; set; } = new();

    /// <summary>The most blocklist entries kept; more are refused.</summary>
    public int MaxBlocklistEntries { get; set; } = 100_000;

    /// <summary>The roles <see cref="ExemptRoles"/> names (checked with the other settings: each is a role).</summary>
    public static HashSet<CallerRole> Roles(string? names) => [.. RoleNames(names).Select(RoleOf).OfType<CallerRole>()];

    /// <summary>A trusted proxy: a CIDR range, or one address; null when <paramref name="text"/> is neither.</summary>
    public static IPNetwork? NetworkOf(string? text) =>
        IPNetwork.TryParse(text, out var network) ? network
        : IPAddress.TryParse(text, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
        : null;

    /// <summary>Every setting out of range, naming its key: limits and thresholds 0 (off) or more, windows positive, roles and proxies that parse.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        LimitProblems().Concat(FraudProblems()).Concat(ListProblems()).Select(problem => new ValidationResult(problem));

    private IEnumerable<string> LimitProblems()
    {
        foreach (var (name, bucket) in new[] { ("Ip", Ip), ("Device", Device), ("User", User), ("CampaignClaims", CampaignClaims) })
        {
            if (bucket.Limit < 0)
            {
                yield return $"{Section}:{name}:Limit must be 0 (off) or more";
            }

            if (bucket.Window <= TimeSpan.Zero)
            {
                yield return $"{Section}:{name}:Window must be positive";
            }
        }

        if (CodeAttempts.PerUser < 0 || CodeAttempts.PerIp < 0)
        {
            yield return $"{Section}:CodeAttempts:PerUser and PerIp must be 0 (off) or more";
        }

        if (CodeAttempts.Window <= TimeSpan.Zero)
        {
            yield return $"{Section}:CodeAttempts:Window must be positive";
        }

        if (BlocklistRefresh < TimeSpan.FromMilliseconds(1) || BlocklistRefresh > TimeSpan.FromDays(1))
        {
            yield return $"{Section}:BlocklistRefresh must be between 1 ms and a day";
        }

        if (MaxBlocklistEntries < 0)
        {
            yield return $"{Section}:MaxBlocklistEntries must be 0 or more";
        }
    }

    private IEnumerable<string> FraudProblems()
    {
        var signals = new[] { ("DeviceAccounts", Fraud.DeviceAccounts), ("IpAccounts", Fraud.IpAccounts), ("ClaimBurst", Fraud.ClaimBurst), ("CodeGuessing", Fraud.CodeGuessing) };
        foreach (var (name, signal) in signals)
        {
            if (signal.Threshold < 0)
            {
                yield return $"{Section}:Fraud:{name}:Threshold must be 0 (off) or more";
            }

            if (signal.Window <= TimeSpan.Zero)
            {
                yield return $"{Section}:Fraud:{name}:Window must be positive";
            }
        }

        if (Fraud.AutoBlockFor <= TimeSpan.Zero)
        {
            yield return $"{Section}:Fraud:AutoBlockFor must be positive";
        }

        if (Fraud.MaxFlags < 0)
        {
            yield return $"{Section}:Fraud:MaxFlags must be 0 or more";
        }
    }

    private IEnumerable<string> ListProblems()
    {
        foreach (var name in RoleNames(ExemptRoles).Where(n => RoleOf(n) is null))
        {
            yield return $"{Section}:ExemptRoles: '{name}' is not a role; the roles are service, admin, user";
        }

        for (var i = 0; i < TrustedProxies.Length; i++)
        {
            if (NetworkOf(TrustedProxies[i]) is null)
            {
                yield return $"{Section}:TrustedProxies:{i}: '{TrustedProxies[i]}' is not an address or a CIDR range";
            }
        }
    }

    private static CallerRole? RoleOf(string name) => name switch
    {
        "service" => CallerRole.Service,
        "admin" => CallerRole.Admin,
        "user" => CallerRole.User,
        _ => null,
    };

    private static string[] RoleNames(string? names) => (names ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>
/// Failed code claims (code_not_found, code_already_claimed) allowed within <see cref="Window"/>:
/// <see cref="PerUser"/> per account and <see cref="PerIp"/> per address; past either, claims by
/// code are refused (429, <c>limit: code_attempts</c>) until the window has passed. 0 turns one off.
/// </summary>
public sealed class CodeAttemptSettings
{
    public int PerUser { get; set; } = 10;

    public int PerIp { get; set; } = 30;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(10);
}
