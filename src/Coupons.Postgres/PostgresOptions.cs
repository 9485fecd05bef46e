namespace Coupons.Postgres;

/// <summary>Settings of the PostgreSQL system of record, bound from <c>Coupons:Postgres</c>.</summary>
public sealed class PostgresOptions
{
    /// <summary>
    /// One connection string per shard. A user's coupons live on shard <c>hash(userId) % n</c>;
    /// campaigns live on shard 0. The number of shards must not change once rows are written.
    /// </summary>
    public List<string> Shards { get; set; } = [];
}
