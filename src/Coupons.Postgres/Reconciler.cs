using Coupons.Redis.Layout;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres;

/// <summary>One difference between Redis and PostgreSQL for a campaign.</summary>
/// <param name="What">The campaign or the coupon it is about.</param>
/// <param name="Kind">
/// <c>missing</c> (in Redis, not in PostgreSQL), <c>behind</c> (PostgreSQL has an older version:
/// the persister has not stored the latest change yet), <c>unknown</c> (in PostgreSQL, not in
/// Redis), <c>different</c> (the same version with other contents), <c>wrong_shard</c>.
/// </param>
public sealed record Difference(string What, string Kind, string Redis, string Postgres)
{
    public override string ToString() => $"{Kind,-11} {What}: redis {Redis}; postgres {Postgres}";
}

/// <summary>
/// Compares what Redis holds for a campaign with what PostgreSQL holds: the campaign row, and every
/// coupon by version, status and order. With the persisters drained, no difference is expected;
/// while they run, differences of kind <c>missing</c> and <c>behind</c> are the lag.
/// </summary>
/// <param name="redis">The Redis the store keeps its state in.</param>
/// <param name="keys">The store's key layout (its prefix).</param>
public sealed class Reconciler(IConnectionMultiplexer redis, RedisKeys keys, PostgresOptions postgres)
{
    private static readonly RedisValue[] CampaignFields =
        [CampaignRecord.Fields.Status, CampaignRecord.Fields.Version, CampaignRecord.Fields.Total, CampaignRecord.Fields.Buckets];

    private static readonly RedisValue[] CouponFields =
        [CouponRecord.Fields.User, CouponRecord.Fields.Version, CouponRecord.Fields.Status, CouponRecord.Fields.OrderId];

    private readonly IDatabase _redis = redis.GetDatabase();

    public async Task<IReadOnlyList<Difference>> CompareAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        var differences = new List<Difference>();
        cancellationToken.ThrowIfCancellationRequested();
        var campaign = await _redis.HashGetAsync(keys.Campaign(campaignId), CampaignFields).ConfigureAwait(false);
        var inRedis = campaign[0].IsNull ? null : $"v{campaign[1]} {campaign[0]} stock {campaign[2]}";
        var buckets = campaign[3].IsNull ? 1 : (int)campaign[3];
        var inPostgres = await CampaignRowAsync(campaignId, cancellationToken).ConfigureAwait(false);
        if (inRedis != inPostgres)
        {
            differences.Add(new Difference("campaign " + campaignId, KindOf(inRedis, inPostgres, VersionOf(campaign[1]), VersionInDescription(inPostgres)), inRedis ?? "none", inPostgres ?? "none"));
        }

        var redisCoupons = await RedisCouponsAsync(campaignId, buckets, cancellationToken).ConfigureAwait(false);
        var postgresCoupons = await PostgresCouponsAsync(campaignId, cancellationToken).ConfigureAwait(false);
        foreach (var (id, row) in redisCoupons)
        {
            var found = postgresCoupons.TryGetValue(id, out var stored);
            if (found && stored.Shard != Shards.For(row.User, postgres.Shards.Count))
            {
                differences.Add(new Difference("coupon " + id, "wrong_shard", $"shard {Shards.For(row.User, postgres.Shards.Count)}", $"shard {stored.Shard}"));
            }

            var postgresText = found ? stored.Text : null;
            if (row.Text != postgresText)
            {
                differences.Add(new Difference("coupon " + id, KindOf(row.Text, postgresText, row.Version, found ? stored.Version : null), row.Text, postgresText ?? "none"));
            }
        }

        foreach (var (id, stored) in postgresCoupons.Where(p => !redisCoupons.ContainsKey(p.Key)))
        {
            differences.Add(new Difference("coupon " + id, "unknown", "none", stored.Text));
        }

        return differences;
    }

    /// <summary>The kind of a difference between two descriptions (null: the side has none).</summary>
    private static string KindOf(string? redis, string? postgres, long? redisVersion, long? postgresVersion) =>
        (redis, postgres) switch
        {
            (_, null) => "missing",
            (null, _) => "unknown",
            _ when postgresVersion < redisVersion => "behind",
            _ => "different",
        };

    private static long? VersionOf(RedisValue value) => value.IsNull ? null : (long)value;

    /// <summary>The version at the start of a description (<c>v12 active stock 100</c>).</summary>
    private static long? VersionInDescription(string? text) =>
        text is null ? null : long.Parse(text.AsSpan(1, text.IndexOf(' ', StringComparison.Ordinal) - 1), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string?> CampaignRowAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(postgres.Shards[0]);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT version, status, total_stock FROM campaigns WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = campaignId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? $"v{reader.GetInt64(0)} {reader.GetString(1)} stock {reader.GetInt64(2)}"
            : null;
    }

    private async Task<Dictionary<Guid, (string User, long Version, string Text)>> RedisCouponsAsync(Guid campaignId, int buckets, CancellationToken cancellationToken)
    {
        var result = new Dictionary<Guid, (string User, long Version, string Text)>();
        var ids = new List<RedisValue>();
        for (var bucket = 0; bucket < buckets; bucket++)
        {
            ids.AddRange(await _redis.SortedSetRangeByValueAsync(keys.BucketCoupons(campaignId, bucket)).ConfigureAwait(false));
        }

        foreach (var chunk in ids.Chunk(256))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = _redis.CreateBatch();
            var reads = chunk.Select(id => RedisKeys.ParseId(id.ToString())).Select(id => (Id: id, Fields: batch.HashGetAsync(keys.Coupon(id), CouponFields))).ToList();
            batch.Execute();
            foreach (var (id, fields) in reads)
            {
                var values = await fields.ConfigureAwait(false);
                var version = (long)values[1];
                result[id] = ((string)values[0]!, version, Describe(version, (string)values[2]!, values[3].IsNullOrEmpty ? null : (string?)values[3]));
            }
        }

        return result;
    }

    private async Task<Dictionary<Guid, (int Shard, long Version, string Text)>> PostgresCouponsAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        var result = new Dictionary<Guid, (int Shard, long Version, string Text)>();
        for (var shard = 0; shard < postgres.Shards.Count; shard++)
        {
            await using var connection = new NpgsqlConnection(postgres.Shards[shard]);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT id, version, status, order_id FROM coupons WHERE campaign_id = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = campaignId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var version = reader.GetInt64(1);
                result[reader.GetGuid(0)] = (shard, version, Describe(version, reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        return result;
    }

    private static string Describe(long version, string status, string? orderId) =>
        $"v{version} {status}" + (orderId is null ? "" : " order " + orderId);
}
