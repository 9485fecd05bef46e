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

    /// <summary>
    /// A campaign's stock is split into one bucket per this many units (at most
    /// <see cref="MaxBuckets"/>), each bucket in its own hash slot, so that a flash sale's claims
    /// spread over the cluster. A user always claims from the same bucket (by a hash of the user id);
    /// a bucket that sells out borrows from the others, so the whole stock sells, and never more.
    /// </summary>
    public long StockPerBucket { get; set; } = 10_000;

    /// <summary>The most buckets a campaign is split into.</summary>
    public int MaxBuckets { get; set; } = 16;

    /// <summary>How often each node sweeps lapsed locks and passed validities into the stats.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);
}
