using Coupons.Core;
using Coupons.Redis.Layout;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres.Restore;

/// <summary>
/// Streams a shard's coupon rows into Redis: each row to its bucket's group (the bucket whose slot
/// its id carries), each group of up to <see cref="PerCall"/> coupons written by one
/// restorecoupons.lua call in that slot, its owner's list entry beside it. Rows are read as they
/// come (no more than a window of them held) and the calls pipelined, one window's calls in
/// flight while the next window is read.
/// </summary>
internal sealed class CouponLoader(IDatabase db, RedisKeys keys, IReadOnlyDictionary<Guid, RestoredCampaign> campaigns)
{
    private const int PerCall = 400;
    private const int Window = 20_000;
    private const int ArgumentsPerCoupon = 22;

    private const string Select = """
        SELECT id, campaign_id, user_id, claimed_at, idempotency_key, valid_from, valid_to, status, order_id, order_amount,
               lock_expires_at, used_at, refunded_order_id, version, order_shipping, order_discount, code_hash
        FROM coupons
        """;

    private static readonly string Script = RestoreScripts.Text("restorecoupons");

    private readonly Dictionary<(Guid Campaign, int Bucket), List<(RedisKey Key, RedisValue[] Values)>> _groups = [];
    private List<Task> _sent = [];
    private List<Task> _previous = [];

    /// <summary>Coupons written.</summary>
    public long Restored { get; private set; }

    /// <summary>Coupon rows whose campaign PostgreSQL does not have (its row had not been stored when Redis was lost): left out.</summary>
    public long WithoutCampaign { get; private set; }

    public async Task LoadAsync(string shard, CancellationToken cancellationToken)
    {
        await using var connection = await CampaignRows.OpenAsync(shard, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(Select, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var read = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            Add(reader);
            if (++read % Window == 0)
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }

        await FlushAsync().ConfigureAwait(false);
        await Task.WhenAll(_previous).ConfigureAwait(false);
        _previous = [];
    }

    private void Add(NpgsqlDataReader row)
    {
        var (id, campaignId, user) = (row.GetGuid(0), row.GetGuid(1), row.GetString(2));
        var (claimedAtMs, idempotencyKey) = (row.GetInt64(3), row.IsDBNull(4) ? null : row.GetString(4));
        var state = new CouponState
        {
            ValidFromMs = row.GetInt64(5),
            ValidToMs = row.GetInt64(6),
            Status = WireNames.ParseCouponStatus(row.GetString(7)),
            OrderId = row.IsDBNull(8) ? null : row.GetString(8),
            OrderAmount = row.GetInt64(9),
            LockExpiresAtMs = row.GetInt64(10),
            UsedAtMs = row.GetInt64(11),
            RefundedOrderId = row.IsDBNull(12) ? null : row.GetString(12),
            OrderShipping = row.GetInt64(14),
            OrderDiscount = row.IsDBNull(15) ? null : row.GetInt64(15),
        };
        var (version, ownCode) = (row.GetInt64(13), row.IsDBNull(16) ? null : row.GetString(16));
        if (!campaigns.TryGetValue(campaignId, out var campaign))
        {
            WithoutCampaign++;
            return;
        }

        var slot = CouponIds.SlotOf(id);
        var bucket = campaign.BucketAtSlot(slot)
            ?? throw new InvalidDataException($"coupon {id} of campaign {campaignId} names slot {slot}, which none of the campaign's {campaign.Record.Buckets} buckets has");
        campaign.Count(bucket, state.Status);
        var watch = SweepWatch.Of(state);
        var userBucket = campaign.BucketOf(user);
        var countField = ClaimantFields.Count(user);
        var idempotencyField = idempotencyKey is null ? null : ClaimantFields.IdempotencyKey(user, idempotencyKey);
        if (userBucket != bucket)
        {
            // Claimed where its user does not claim now (a count of buckets worked out, not stored): the count goes where the store will look.
            _sent.Add(db.HashIncrementAsync(keys.Claimants(campaignId, userBucket), countField));
            if (idempotencyField is not null)
            {
                _sent.Add(db.HashSetAsync(keys.Claimants(campaignId, userBucket), idempotencyField, RedisKeys.Id(id)));
            }
        }

        _sent.Add(db.SortedSetAddAsync(keys.UserCoupons(user), RedisKeys.Id(id), 0));
        RedisValue[] values =
        [
            RedisKeys.Id(id), RedisKeys.Id(campaignId), bucket, user, claimedAtMs, idempotencyKey ?? "", WireNames.Of(state.Status),
            state.ValidFromMs, state.ValidToMs, state.OrderId ?? "", state.OrderAmount, state.LockExpiresAtMs, state.UsedAtMs,
            state.RefundedOrderId ?? "", version, state.OrderShipping, OrEmpty(state.OrderDiscount), ownCode ?? "",
            OrEmpty(watch.LockLapsesAtMs), OrEmpty(watch.ValidityEndsAtMs),
            userBucket == bucket ? countField : "", userBucket == bucket ? idempotencyField ?? "" : "",
        ];
        var group = Group(campaignId, bucket);
        group.Add((keys.Coupon(id), values));
        Restored++;
        if (group.Count == PerCall)
        {
            Send(campaignId, bucket, group);
        }
    }

    private List<(RedisKey Key, RedisValue[] Values)> Group(Guid campaignId, int bucket)
    {
        if (!_groups.TryGetValue((campaignId, bucket), out var group))
        {
            group = new List<(RedisKey, RedisValue[])>(PerCall);
            _groups[(campaignId, bucket)] = group;
        }

        return group;
    }

    /// <summary>Sends every group not yet sent, then waits for the window before this one: at most two windows' calls in flight.</summary>
    private async Task FlushAsync()
    {
        foreach (var ((campaignId, bucket), group) in _groups.Where(g => g.Value.Count > 0))
        {
            Send(campaignId, bucket, group);
        }

        _groups.Clear();
        await Task.WhenAll(_previous).ConfigureAwait(false);
        (_previous, _sent) = (_sent, []);
    }

    private void Send(Guid campaignId, int bucket, List<(RedisKey Key, RedisValue[] Values)> group)
    {
        var slot = RedisKeys.BucketSlot(campaignId, bucket);
        var scriptKeys = new RedisKey[5 + group.Count];
        (scriptKeys[0], scriptKeys[1], scriptKeys[2]) = (keys.BucketCoupons(campaignId, bucket), keys.ValidityEnds(campaignId, bucket), keys.LockExpiries(campaignId, bucket));
        (scriptKeys[3], scriptKeys[4]) = (keys.OwnCodes(slot), keys.Claimants(campaignId, bucket));
        var values = new RedisValue[group.Count * ArgumentsPerCoupon];
        for (var i = 0; i < group.Count; i++)
        {
            scriptKeys[5 + i] = group[i].Key;
            group[i].Values.CopyTo(values, i * ArgumentsPerCoupon);
        }

        _sent.Add(db.ScriptEvaluateAsync(Script, scriptKeys, values));
        group.Clear();
    }

    private static RedisValue OrEmpty(long? value) => value is { } number ? number : RedisValue.EmptyString;
}
