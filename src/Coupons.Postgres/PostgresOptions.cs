using Microsoft.Extensions.Configuration;

namespace Coupons.Postgres;

/// <summary>Settings of the PostgreSQL system of record, bound from <c>Coupons:Postgres</c> (<see cref="Section"/>).</summary>
public sealed class PostgresOptions
{
    public const string Section = "Coupons:Postgres";

    /// <summary>
    /// One connection string per shard. A user's coupons live on shard <c>hash(userId) % n</c>;
    /// campaigns live on shard 0. The number of shards must not change once rows are written.
    /// </summary>
    public List<string> Shards { get; set; } = [];

    /// <summary>The settings in <paramref name="configuration"/>'s <c>Coupons:Postgres</c>, defaults for what is not there.</summary>
    public static PostgresOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).Get<PostgresOptions>() ?? new PostgresOptions();
    }
}
