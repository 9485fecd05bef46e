using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Coupons.Postgres;

/// <summary>Settings of the PostgreSQL system of record, bound from <c>Coupons:Postgres</c> (<see cref="Section"/>).</summary>
public sealed class PostgresOptions : IValidatableObject
{
    public const string Section = "Coupons:Postgres";

    /// <summary>
    /// One connection string per shard. A user's coupons live on shard <c>hash(userId) % n</c>;
    /// campaigns live on shard 0. The number of shards must not change once rows are written.
    /// </summary>
    public List<string> Shards { get; set; } = [];

    /// <summary>
    /// How long a request's call of PostgreSQL (the audit log's queries) may wait before it fails as
    /// 503 storage_unavailable (<see cref="PostgresGuard"/>): a hung PostgreSQL costs a request this,
    /// not a hang. Claims and redemptions never wait on PostgreSQL (the persister is asynchronous).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Coupons:Postgres:Timeout must be between 10 ms and 10 minutes")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the circuit breaker, once open, refuses every request's PostgreSQL call at once before it lets one through to try again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00", ErrorMessage = "Coupons:Postgres:BreakFor must be between 10 ms and 10 minutes")]
    public TimeSpan BreakFor { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The settings in <paramref name="configuration"/>'s <c>Coupons:Postgres</c>, defaults for what is not there.</summary>
    public static PostgresOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).Get<PostgresOptions>() ?? new PostgresOptions();
    }

    /// <summary>
    /// Every shard's connection string is there and parses (nothing connects). A problem names the
    /// shard's key and the keyword at fault, never the string, which may hold a password.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Shards.Count; i++)
        {
            var problem = Problem(Shards[i]);
            if (problem is not null)
            {
                yield return new ValidationResult($"{Section}:Shards:{i} {problem}", [nameof(Shards)]);
            }
        }
    }

    private static string? Problem(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "is empty: Coupons:Postgres:Shards must not hold an empty connection string";
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            return "is not a PostgreSQL connection string: " + e.Message;
        }
    }
}
