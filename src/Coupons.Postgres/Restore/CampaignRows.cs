using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using Coupons.Redis.Layout;
using Npgsql;

namespace Coupons.Postgres.Restore;

/// <summary>
/// The campaigns as PostgreSQL holds them (shard 0), read back into the records Redis holds; and
/// the counters a campaign's coupons cannot tell by their state alone, counted from the audit log.
/// </summary>
internal static class CampaignRows
{
    private const string Select = """
        SELECT id, name, discount_kind, amount_off, percent_off, max_discount, threshold, min_order_amount, per_user_limit,
               claim_starts_at, claim_ends_at, valid_from, valid_to, valid_days, lock_ttl_seconds, created_at, status, total_stock,
               version, code_hash, code_sealed, checkout, buckets
        FROM campaigns ORDER BY id
        """;

    /// <summary>
    /// The slots a campaign's coupons sit in, from their ids' lowest 14 bits (<see cref="CouponIds"/>):
    /// for a row stored before the bucket count was, that count is worked out from them.
    /// </summary>
    private const string CouponSlots = """
        SELECT DISTINCT (('x' || right(id::text, 4))::bit(16)::int & 16383) FROM coupons WHERE campaign_id = $1
        """;

    /// <summary>The coupon changes of the audit log by campaign and action, for the released and refunded counters.</summary>
    private const string Actions = """
        SELECT campaign_id, action, count(*) FROM audit WHERE campaign_id IS NOT NULL AND action LIKE 'coupon.%' GROUP BY campaign_id, action
        """;

    /// <summary>The most buckets a campaign stored without its count is looked for in.</summary>
    private const int MaxInferredBuckets = 4096;

    public static async Task<Dictionary<Guid, RestoredCampaign>> ReadAsync(IReadOnlyList<string> shards, CancellationToken cancellationToken)
    {
        var campaigns = new Dictionary<Guid, RestoredCampaign>();
        var unknownBuckets = new List<CampaignRecord>();
        await using (var connection = await OpenAsync(shards[0], cancellationToken).ConfigureAwait(false))
        {
            await using var command = new NpgsqlCommand(Select, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var record = Read(reader);
                if (reader.IsDBNull(22))
                {
                    unknownBuckets.Add(record);
                }
                else
                {
                    campaigns[record.Id] = new RestoredCampaign(record);
                }
            }
        }

        foreach (var record in unknownBuckets)
        {
            var buckets = await InferBucketsAsync(shards, record.Id, cancellationToken).ConfigureAwait(false);
            campaigns[record.Id] = new RestoredCampaign(record with { Buckets = buckets });
        }

        return campaigns;
    }

    /// <summary>Adds each campaign's released (releases and lapses) and refunded counts, from every shard's audit log, to its bucket 0.</summary>
    public static async Task CountEventsAsync(IReadOnlyList<string> shards, Dictionary<Guid, RestoredCampaign> campaigns, CancellationToken cancellationToken)
    {
        foreach (var shard in shards)
        {
            await using var connection = await OpenAsync(shard, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(Actions, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!campaigns.TryGetValue(reader.GetGuid(0), out var campaign))
                {
                    continue;
                }

                // "coupon.locked+used": the change's events, as StatsDelta counts them; an order's
                // change taken back (undone) moved its counters back, so it counts nothing.
                var events = WireNames.ParseEventList(reader.GetString(1)["coupon.".Length..].Replace('+', ','));
                if ((events & CouponEvents.Undone) == 0)
                {
                    var delta = StatsDelta.Of(CouponStatus.Unused, CouponStatus.Unused, events);
                    campaign.Counts[0].Released += delta.Released * reader.GetInt64(2);
                    campaign.Counts[0].Refunded += delta.Refunded * reader.GetInt64(2);
                }
            }
        }
    }

    public static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private static CampaignRecord Read(NpgsqlDataReader row)
    {
        var (scope, stacking) = CheckoutText.Read(row.IsDBNull(21) ? null : row.GetString(21));
        var definition = new CampaignDefinition
        {
            Name = row.GetString(1),
            Discount = Discount.Restore((DiscountKind)row.GetInt16(2), row.GetInt64(3), row.GetInt32(4), Optional<long>(row, 5), row.GetInt64(6)),
            MinOrderAmount = row.GetInt64(7),
            PerUserLimit = row.GetInt32(8),
            ClaimStartsAtMs = Optional<long>(row, 9),
            ClaimEndsAtMs = Optional<long>(row, 10),
            Validity = new Validity(Optional<long>(row, 11), Optional<long>(row, 12), Optional<int>(row, 13)),
            LockTtlSeconds = row.GetInt32(14),
            Code = row.IsDBNull(19) ? null : new SealedCode(CodeHash.ParseText(row.GetString(19)), row.GetString(20)),
            Scope = scope,
            Stacking = stacking,
        };
        return new CampaignRecord(
            row.GetGuid(0), definition, WireNames.ParseCampaignStatus(row.GetString(16)), row.GetInt64(17), row.GetInt64(15),
            row.IsDBNull(22) ? 1 : row.GetInt32(22), row.GetInt64(18));
    }

    private static T? Optional<T>(NpgsqlDataReader row, int column)
        where T : struct => row.IsDBNull(column) ? null : row.GetFieldValue<T>(column);

    /// <summary>
    /// The fewest buckets whose slots hold every coupon of the campaign: with them each coupon is in a
    /// bucket of its own slot, and each user's count in the bucket the store will look in.
    /// </summary>
    private static async Task<int> InferBucketsAsync(IReadOnlyList<string> shards, Guid campaignId, CancellationToken cancellationToken)
    {
        var slots = new HashSet<int>();
        foreach (var shard in shards)
        {
            await using var connection = await OpenAsync(shard, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(CouponSlots, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = campaignId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                slots.Add(reader.GetInt32(0));
            }
        }

        var covered = new HashSet<int>();
        for (var buckets = 1; buckets <= MaxInferredBuckets; buckets++)
        {
            covered.Add(RedisKeys.BucketSlot(campaignId, buckets - 1));
            if (covered.IsSupersetOf(slots))
            {
                return buckets;
            }
        }

        throw new InvalidDataException($"campaign {campaignId}: its coupons' ids name slots that none of its first {MaxInferredBuckets} buckets has");
    }
}
