namespace Coupons.Redis;

/// <summary>Settings of the Redis store, bound from <c>Coupons:Redis</c>.</summary>
public sealed class RedisStoreOptions
{
    /// <summary>A StackExchange.Redis configuration string: one node, or the nodes of a cluster.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>
    /// Put before every key (outside the hash tag, so it moves no key to another slot). Lets several
    /// deployments, or tests, share one Redis.
    /// </summary>
    public string KeyPrefix { get; set; } = "coupons:";

    /// <summary>How often each node sweeps lapsed locks and passed validities into the stats.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);
}
