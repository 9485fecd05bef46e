using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>Settings of the Redis store, bound from <c>Coupons:Redis</c> (<see cref="Section"/>).</summary>
public sealed class RedisStoreOptions
{
    public const string Section = "Coupons:Redis";

    /// <summary>A StackExchange.Redis configuration string: one node, or the nodes of a cluster.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Coupons:Redis:Configuration is required")]
    [RedisConfiguration]
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>
    /// Put before every key (outside the hash tag, so it moves no key to another slot). Lets several
    /// deployments, or tests, share one Redis. No braces.
    /// </summary>
    [Required(AllowEmptyStrings = true, ErrorMessage = "Coupons:Redis:KeyPrefix must be set (empty for none)")]
    [RegularExpression("^[^{}]*$", ErrorMessage = "Coupons:Redis:KeyPrefix must not contain braces")]
    public string KeyPrefix { get; set; } = "coupons:";

    /// <summary>
    /// A campaign's stock is split into one bucket per this many units (at most
    /// <see cref="MaxBuckets"/>), each bucket in its own hash slot, so that a flash sale's claims
    /// spread over the cluster. A user always claims from the same bucket (by a hash of the user id);
    /// a bucket that sells out borrows from the others, so the whole stock sells, and never more.
    /// </summary>
    [Range(1, long.MaxValue, ErrorMessage = "Coupons:Redis:StockPerBucket must be at least 1")]
    public long StockPerBucket { get; set; } = 10_000;

    /// <summary>The most buckets a campaign is split into.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Coupons:Redis:MaxBuckets must be at least 1")]
    public int MaxBuckets { get; set; } = 16;

    /// <summary>How often each node sweeps lapsed locks and passed validities into the stats.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00", ErrorMessage = "Coupons:Redis:SweepInterval must be between 1 ms and a day")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a checkout order's operation may take before anyone may take it back (its coupons
    /// span hash slots, so a node that dies in the middle leaves a plan: <see cref="RedisOrders"/>).
    /// Meanwhile the order's other requests are answered order_busy. Far above what the steps take
    /// (milliseconds), so that only a dead or stalled node's plan is taken back.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Coupons:Redis:OrderPlanTimeout must be between 10 ms and 10 minutes")]
    public TimeSpan OrderPlanTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether a checkout order's changes are stored by one script (all its coupons and its record
    /// at once) rather than under a plan (<see cref="OrderPlanTimeout"/>). Unset: one script on a
    /// Redis that is not a cluster (a script may touch any key there), a plan on a cluster (a
    /// script touches one slot). <c>false</c> asks for the plan anywhere; <c>true</c> fails on a cluster.
    /// </summary>
    public bool? OrdersInOneScript { get; set; }

    /// <summary>
    /// How long a request's call of the store may wait for Redis before it fails as 503
    /// storage_unavailable (<see cref="RedisGuard"/>): a hung Redis costs a request this, not a hang.
    /// Far above what a call takes (a millisecond or so), so that only a stalled Redis reaches it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Coupons:Redis:Timeout must be between 10 ms and 10 minutes")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the circuit breaker, once open, refuses every call at once before it lets one through to try Redis again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Coupons:Redis:BreakFor must be between 10 ms and 10 minutes")]
    public TimeSpan BreakFor { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// While Redis fails (a call timed out, the breaker is open), how old a node's last copy of a
    /// campaign, its stats or a listing page may be and still be served, marked stale, instead of
    /// 503 storage_unavailable; older, or none: 503. Zero serves no copies (and keeps none).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Coupons:Redis:StaleFor must be between 0 (off) and a day")]
    public TimeSpan StaleFor { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The most items a node keeps for <see cref="StaleFor"/>: a campaign or its stats counts one, a
    /// listing page its items (at least one); the least recently kept copies go first.
    /// </summary>
    [Range(2, 10_000_000, ErrorMessage = "Coupons:Redis:StaleItems must be between 2 and 10,000,000")]
    public int StaleItems { get; set; } = 20_000;

    /// <summary>The settings in <paramref name="configuration"/>'s <c>Coupons:Redis</c>, defaults for what is not there.</summary>
    public static RedisStoreOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).Get<RedisStoreOptions>() ?? new RedisStoreOptions();
    }
}

/// <summary>
/// A StackExchange.Redis configuration string that parses and names at least one node (parsed
/// only: nothing connects). The parser's message names a keyword, not a value, so no password is shown.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class RedisConfigurationAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        string? problem;
        try
        {
            problem = ConfigurationOptions.Parse(value as string ?? string.Empty).EndPoints.Count == 0 ? "names no node (host:port)" : null;
        }
        catch (ArgumentException e)
        {
            problem = e.Message;
        }

        return problem is null ? ValidationResult.Success
            : new ValidationResult($"{RedisStoreOptions.Section}:Configuration is not a StackExchange.Redis configuration string: {problem}", [nameof(RedisStoreOptions.Configuration)]);
    }
}
