using System.Diagnostics;
using Coupons.Core;
using Coupons.Redis.Layout;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres.Restore;

/// <summary>What a restore wrote, and how long it took.</summary>
/// <param name="CouponsWithoutCampaign">Coupon rows left out because PostgreSQL has no row of their campaign.</param>
public sealed record RestoreSummary(int Campaigns, long Coupons, long Codes, long Orders, long CouponsWithoutCampaign, TimeSpan Elapsed);

/// <summary>
/// Rebuilds the Redis store's state from PostgreSQL after Redis is lost (the <c>restore</c>
/// command): campaigns, their buckets with the exact stock left, every coupon with its state,
/// version, owner, lock and order, each user's claim count and idempotency keys, the sweeper's
/// queues, the owners' lists, codes (shared, generated, claimed, own), orders, and the streams the
/// persisters read. Every write is to one key or, for a bucket's coupons, one script in the
/// bucket's slot, so it works on a cluster. Nothing is appended to a stream: PostgreSQL has it all.
/// Refusal counters, jobs, rate-limit buckets, fraud signals and a code's reservation or an
/// order's plan under way are not in PostgreSQL and start empty.
/// </summary>
public sealed class Restorer(IConnectionMultiplexer redis, RedisKeys keys, PostgresOptions postgres)
{
    private const string SelectOrders = "SELECT id, user_id, status, items_amount, shipping_amount, lines, updated_at, version FROM orders";

    private readonly IDatabase _db = redis.GetDatabase();

    /// <summary>A key under the store's prefix on any primary, or null when there is none: a restore writes only into an empty Redis.</summary>
    public async Task<string?> FindAnyKeyAsync()
    {
        var pattern = GlobEscape(keys.Prefix) + "*";
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 100).ConfigureAwait(false))
            {
                return key.ToString();
            }
        }

        return null;
    }

    public async Task<RestoreSummary> RunAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var campaigns = await CampaignRows.ReadAsync(postgres.Shards, cancellationToken).ConfigureAwait(false);
        await CampaignRows.CountEventsAsync(postgres.Shards, campaigns, cancellationToken).ConfigureAwait(false);
        var coupons = new CouponLoader(_db, keys, campaigns);
        foreach (var shard in postgres.Shards)
        {
            await coupons.LoadAsync(shard, cancellationToken).ConfigureAwait(false);
        }

        var codes = new CodeLoader(_db, keys);
        foreach (var campaign in campaigns.Values)
        {
            codes.AddShared(campaign);
        }

        await codes.LoadAsync(postgres.Shards[0], cancellationToken).ConfigureAwait(false);
        var (orders, orderSlots) = await LoadOrdersAsync(cancellationToken).ConfigureAwait(false);
        await WriteCampaignsAsync(campaigns.Values).ConfigureAwait(false);
        var streams = campaigns.Values.SelectMany(c => Enumerable.Range(0, c.Record.Buckets).Select(b => RedisKeys.BucketSlot(c.Record.Id, b)))
            .Concat(codes.Slots).Concat(orderSlots).Distinct();
        await ListStreamsAsync(streams).ConfigureAwait(false);
        return new RestoreSummary(campaigns.Count, coupons.Restored, codes.Restored, orders, coupons.WithoutCampaign, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Every shard's orders as their last finished operation left them (a plan under way was never stored).</summary>
    private async Task<(long Orders, HashSet<int> Slots)> LoadOrdersAsync(CancellationToken cancellationToken)
    {
        var (count, slots, sent) = (0L, new HashSet<int>(), new List<Task>());
        foreach (var shard in postgres.Shards)
        {
            await using var connection = await CampaignRows.OpenAsync(shard, cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(SelectOrders, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var orderId = reader.GetString(0);
                slots.Add(RedisKeys.OrderSlot(orderId));
                sent.Add(_db.HashSetAsync(keys.Order(orderId),
                [
                    new(OrderRecord.Fields.User, reader.GetString(1)), new(OrderRecord.Fields.Status, reader.GetString(2)),
                    new(OrderRecord.Fields.Items, reader.GetInt64(3)), new(OrderRecord.Fields.Shipping, reader.GetInt64(4)),
                    new(OrderRecord.Fields.Lines, reader.GetString(5)), new(OrderRecord.Fields.UpdatedAt, reader.GetInt64(6)),
                    new(OrderRecord.Fields.Version, reader.GetInt64(7)),
                ]));
                if (++count % 10_000 == 0)
                {
                    await Task.WhenAll(sent).ConfigureAwait(false);
                    sent.Clear();
                }
            }
        }

        await Task.WhenAll(sent).ConfigureAwait(false);
        return (count, slots);
    }

    /// <summary>
    /// Each campaign's buckets, then the campaign's hash, then its place in the index: as a create
    /// does, a campaign is listed only once it exists whole. Written last, once its coupons are in.
    /// </summary>
    private async Task WriteCampaignsAsync(IEnumerable<RestoredCampaign> campaigns)
    {
        var sent = new List<Task>();
        foreach (var campaign in campaigns)
        {
            var record = campaign.Record;
            var status = WireNames.Of(record.Status);
            foreach (var (bucket, total, counts) in campaign.Buckets())
            {
                sent.Add(_db.HashSetAsync(keys.Bucket(record.Id, bucket),
                [
                    new(BucketFields.Status, status), new(BucketFields.Total, total), new(BucketFields.Issued, counts.Issued),
                    new(BucketFields.Limit, record.Definition.PerUserLimit), new(BucketFields.Locked, counts.Locked),
                    new(BucketFields.Used, counts.Used), new(BucketFields.Expired, counts.Expired), new(BucketFields.Revoked, counts.Revoked),
                    new(BucketFields.Released, counts.Released), new(BucketFields.Refunded, counts.Refunded),
                ]));
            }

            var definition = CampaignRecord.DefinitionFields(record.Definition);
            var fields = new List<HashEntry>
            {
                new(CampaignRecord.Fields.Status, status), new(CampaignRecord.Fields.Total, record.TotalStock),
                new(CampaignRecord.Fields.CreatedAt, record.CreatedAtMs), new(CampaignRecord.Fields.Buckets, record.Buckets),
                new(CampaignRecord.Fields.Version, record.Version),
            };
            fields.AddRange(definition.Chunk(2).Select(pair => new HashEntry(pair[0], pair[1])));
            await Task.WhenAll(sent).ConfigureAwait(false);
            sent.Clear();
            await _db.HashSetAsync(keys.Campaign(record.Id), [.. fields]).ConfigureAwait(false);
            await _db.SortedSetAddAsync(keys.Campaigns, RedisKeys.Id(record.Id), 0).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Lists the streams later changes go to, for the persisters, each with the persisters' group
    /// made (at its start), so that a persister that remembers having made it reads on.
    /// </summary>
    private async Task ListStreamsAsync(IEnumerable<int> slots)
    {
        foreach (var chunk in slots.Select(keys.Events).Chunk(1_000))
        {
            await _db.SetAddAsync(keys.Streams, [.. chunk.Select(s => (RedisValue)s)]).ConfigureAwait(false);
            await Task.WhenAll(chunk.Select(MakeGroupAsync)).ConfigureAwait(false);
        }
    }

    private async Task MakeGroupAsync(string stream)
    {
        try
        {
            await _db.StreamCreateConsumerGroupAsync(stream, Persister.Group, "0-0", createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // A persister running beside the restore made it first.
        }
    }

    /// <summary>The prefix as a SCAN pattern matching only itself.</summary>
    private static string GlobEscape(string text) =>
        string.Concat(text.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? "\\" + c : c.ToString()));
}
