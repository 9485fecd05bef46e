using System.Globalization;
using Coupons.Conformance;
using Coupons.Core;
using Coupons.Redis;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres.Tests;

/// <summary>Both real servers for the persister tests: redis-server and a PostgreSQL with two shard databases.</summary>
public sealed class Servers : IAsyncLifetime
{
    public RedisServer Redis { get; } = new();

    public PostgresServer Postgres { get; } = new("shard0", "shard1");

    public Task InitializeAsync() => Task.WhenAll(Redis.InitializeAsync(), Postgres.InitializeAsync());

    public Task DisposeAsync() => Task.WhenAll(Redis.DisposeAsync(), Postgres.DisposeAsync());
}

[CollectionDefinition(Name)]
public sealed class ServersCollection : ICollectionFixture<Servers>
{
    public const string Name = "servers";
}

/// <summary>The persister against real Redis and PostgreSQL: every acknowledged change reaches its shard once, whatever fails.</summary>
[Collection(ServersCollection.Name)]
public sealed class PersisterTests(Servers servers) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 15, 0, 0, 0, TimeSpan.Zero));
    private readonly RedisStoreOptions _redisOptions = new() { KeyPrefix = "p" + Guid.NewGuid().ToString("N")[..10] + ":" };
    private PostgresOptions _postgres = null!;
    private RedisCouponStore _store = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _redisOptions.Configuration = servers.Redis.Configuration;
        // A database pair of their own per test, so that counts are this test's only.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var shards = new List<string>();
        foreach (var shard in new[] { "shard0", "shard1" })
        {
            await using (var admin = new NpgsqlConnection(servers.Postgres.ConnectionString(shard)))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {shard}_{suffix}", admin);
                await create.ExecuteNonQueryAsync();
            }

            shards.Add(servers.Postgres.ConnectionString($"{shard}_{suffix}"));
        }

        _postgres = new PostgresOptions { Shards = shards };
        foreach (var shard in shards)
        {
            await Schema.ApplyAsync(shard);
        }

        _store = await RedisCouponStore.ConnectAsync(_redisOptions, _time, TestCodes.Own);
        _redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis.Configuration);
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        _redis.Dispose();
        return Task.CompletedTask;
    }

    private Persister NewPersister(string consumer, TimeSpan? takeOverAfter = null, int batchSize = 512) =>
        new(_redis, new RedisKeys(_redisOptions.KeyPrefix), _postgres, new PersisterSettings { Consumer = consumer, TakeOverAfter = takeOverAfter ?? TimeSpan.FromSeconds(30), BatchSize = batchSize });

    private static async Task DrainAsync(Persister persister)
    {
        while (await persister.RunOnceAsync() > 0)
        {
        }
    }

    /// <summary>A campaign, 30 users' claims, and a mix of redemptions, pauses and stock changes.</summary>
    private async Task<(CampaignInfo Campaign, List<Coupon> Coupons)> MakeChangesAsync()
    {
        var campaign = await _store.CreateCampaignAsync(new CampaignDefinition
        {
            Name = "Persisted",
            Discount = Discount.AmountOffOf(500),
            PerUserLimit = 2,
            Validity = Validity.Relative(30),
            Stacking = Coupons.Core.Checkout.Stacking.Stackable,
        }, 100);
        var coupons = new List<Coupon>();
        for (var i = 0; i < 30; i++)
        {
            coupons.Add((await _store.ClaimAsync(campaign.Id, "user-" + i.ToString(CultureInfo.InvariantCulture), i % 3 == 0 ? "k" : null)).Coupon!);
        }

        for (var i = 0; i < 30; i += 2)
        {
            await _store.LockAsync(coupons[i].Id, null, "order-" + i.ToString(CultureInfo.InvariantCulture), 2_000);
        }

        for (var i = 0; i < 30; i += 4)
        {
            await _store.RedeemAsync(coupons[i].Id, null, "order-" + i.ToString(CultureInfo.InvariantCulture), null);
        }

        // Revoked: an unused coupon and a locked one (its lock dropped).
        foreach (var i in new[] { 5, 6 })
        {
            await _store.RevokeAsync(coupons[i].Id, "persisted revoke");
        }

        await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Pause);
        await _store.AddStockAsync(campaign.Id, 5);
        return (campaign, coupons);
    }

    /// <summary>Every coupon as Redis has it now must be in PostgreSQL on its user's shard, and nothing else.</summary>
    private async Task AssertPostgresHasAsync(CampaignInfo campaign, IEnumerable<Coupon> coupons)
    {
        var expected = new List<(Guid Id, string User, string Status, string? Order)>();
        foreach (var coupon in coupons)
        {
            var now = (await _store.GetCouponAsync(coupon.Id, null)).Coupon!;
            expected.Add((now.Id, now.UserId, now.Status.ToString().ToLowerInvariant(), now.OrderId));
        }

        var stored = new List<(Guid Id, string User, string Status, string? Order)>();
        for (var shard = 0; shard < _postgres.Shards.Count; shard++)
        {
            await using var connection = new NpgsqlConnection(_postgres.Shards[shard]);
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT id, user_id, status, order_id FROM coupons", connection);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var row = (reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
                Assert.Equal(shard, Shards.For(row.Item2, _postgres.Shards.Count));
                stored.Add(row);
            }
        }

        Assert.Equal(expected.OrderBy(c => c.Id), stored.OrderBy(c => c.Id));
        Assert.Contains(stored, c => Shards.For(c.User, 2) == 0);
        Assert.Contains(stored, c => Shards.For(c.User, 2) == 1);

        var info = (await _store.GetCampaignAsync(campaign.Id))!;
        await using var campaigns = new NpgsqlConnection(_postgres.Shards[0]);
        await campaigns.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT status, total_stock, name, checkout FROM campaigns WHERE id = $1", campaigns);
        query.Parameters.Add(new NpgsqlParameter { Value = campaign.Id });
        await using var campaignRow = await query.ExecuteReaderAsync();
        Assert.True(await campaignRow.ReadAsync());
        Assert.Equal((info.Status.ToString().ToLowerInvariant(), info.TotalStock, info.Definition.Name), (campaignRow.GetString(0), campaignRow.GetInt64(1), campaignRow.GetString(2)));
        Assert.Equal("""{"stacking":"stackable"}""", campaignRow.GetString(3));
    }

    [Fact]
    public async Task A_revoke_reaches_its_users_shard_as_the_row_and_one_audit_entry_with_the_admin_and_the_reason()
    {
        var campaign = await _store.CreateCampaignAsync(new CampaignDefinition { Name = "Revoked", Discount = Discount.AmountOffOf(100), Validity = Validity.Relative(1) }, 5);
        var coupon = (await _store.ClaimAsync(campaign.Id, "revoked-user", null)).Coupon!;
        await _store.LockAsync(coupon.Id, null, "order-r", 2_000);
        AuditScope.Set(new AuditActor("ops", "admin", "192.0.2.7"));
        try
        {
            Assert.Equal(Outcome.Ok, (await _store.RevokeAsync(coupon.Id, "chargeback fraud")).Outcome);
            Assert.Equal(Outcome.Replayed, (await _store.RevokeAsync(coupon.Id, "again")).Outcome);
        }
        finally
        {
            AuditScope.Set(null);
        }

        await using (var persister = NewPersister("revokes"))
        {
            await DrainAsync(persister);
        }

        await using var connection = new NpgsqlConnection(_postgres.Shards[Shards.For("revoked-user", _postgres.Shards.Count)]);
        await connection.OpenAsync();
        await using (var row = new NpgsqlCommand("SELECT status, order_id FROM coupons WHERE id = $1", connection))
        {
            row.Parameters.Add(new NpgsqlParameter { Value = coupon.Id });
            await using var reader = await row.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("revoked", true), (reader.GetString(0), reader.IsDBNull(1)));
        }

        await using var audit = new NpgsqlCommand("SELECT actor_id, actor_role, actor_ip, before, after, order_id FROM audit WHERE subject = $1 AND action = 'coupon.revoked'", connection);
        audit.Parameters.Add(new NpgsqlParameter { Value = coupon.Id.ToString() });
        await using var entries = await audit.ExecuteReaderAsync();
        Assert.True(await entries.ReadAsync());
        Assert.Equal(
            ("ops", "admin", "192.0.2.7", "locked by order order-r", "revoked, reason: chargeback fraud", "order-r"),
            (entries.GetString(0), entries.GetString(1), entries.GetString(2), entries.GetString(3), entries.GetString(4), entries.GetString(5)));
        Assert.False(await entries.ReadAsync());
    }

    [Fact]
    public async Task Reconciliation_finds_nothing_once_drained_and_names_every_kind_of_difference()
    {
        var (campaign, coupons) = await MakeChangesAsync();
        var reconciler = new Reconciler(_redis, new RedisKeys(_redisOptions.KeyPrefix), _postgres);

        var beforeDrain = await reconciler.CompareAsync(campaign.Id);
        Assert.Equal(coupons.Count + 1, beforeDrain.Count);
        Assert.All(beforeDrain, d => Assert.Equal("missing", d.Kind));

        await using (var persister = NewPersister("reconciled"))
        {
            await DrainAsync(persister);
        }

        Assert.Empty(await reconciler.CompareAsync(campaign.Id));

        // Tamper with PostgreSQL: an older version, a changed status, a lost row, a row Redis never had.
        var (older, changed, lost) = (coupons[0], coupons[1], coupons[3]);
        await ExecuteOnShardOfAsync(older.UserId, "UPDATE coupons SET version = version - 1 WHERE id = $1", older.Id);
        await ExecuteOnShardOfAsync(changed.UserId, "UPDATE coupons SET status = 'used' WHERE id = $1", changed.Id);
        await ExecuteOnShardOfAsync(lost.UserId, "DELETE FROM coupons WHERE id = $1", lost.Id);
        var stranger = Guid.CreateVersion7();
        await ExecuteOnShardOfAsync("stranger", $"""
            INSERT INTO coupons (id, campaign_id, user_id, claimed_at, valid_from, valid_to, status, order_amount, lock_expires_at, used_at, version)
            VALUES ($1, '{campaign.Id}', 'stranger', 0, 0, 1, 'unused', 0, 0, 0, 1)
            """, stranger);

        var found = (await reconciler.CompareAsync(campaign.Id)).ToDictionary(d => d.What, d => d.Kind);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["coupon " + older.Id] = "behind",
                ["coupon " + changed.Id] = "different",
                ["coupon " + lost.Id] = "missing",
                ["coupon " + stranger] = "unknown",
            },
            found);
    }

    private async Task ExecuteOnShardOfAsync(string userId, string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(_postgres.Shards[Shards.For(userId, _postgres.Shards.Count)]);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task A_claim_left_out_of_its_users_list_by_a_dying_node_is_put_back_by_the_persister()
    {
        var (_, coupons) = await MakeChangesAsync();
        var lost = coupons[5];
        // As if the node had died between the claim's script and the write to the user's list.
        Assert.True(await _redis.GetDatabase().SortedSetRemoveAsync(new RedisKeys(_redisOptions.KeyPrefix).UserCoupons(lost.UserId), RedisKeys.Id(lost.Id)));
        Assert.Empty((await _store.ListUserCouponsAsync(lost.UserId, null, null, 10)).Items);

        await using var persister = NewPersister("indexer");
        await DrainAsync(persister);

        Assert.Equal([lost.Id], (await _store.ListUserCouponsAsync(lost.UserId, null, null, 10)).Items.Select(c => c.Id));
    }

    [Fact]
    public async Task The_schema_is_applied_once_however_often_it_is_asked()
    {
        await Schema.ApplyAsync(_postgres.Shards[0]);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Schema.ApplyAsync(_postgres.Shards[0])));

        await using var connection = new NpgsqlConnection(_postgres.Shards[0]);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT version), max(version) FROM schema_migrations", connection);
        await using var reader = await count.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((Schema.Version, Schema.Version, Schema.Version), (reader.GetInt64(0), reader.GetInt64(1), (long)reader.GetInt32(2)));
    }

    [Fact]
    public async Task Every_change_reaches_its_users_shard_and_the_lag_comes_back_to_zero()
    {
        var (campaign, coupons) = await MakeChangesAsync();
        await using var persister = NewPersister("one", batchSize: 16);
        Assert.True(await persister.LagAsync() > 0);

        await DrainAsync(persister);

        Assert.Equal(0, await persister.LagAsync());
        await AssertPostgresHasAsync(campaign, coupons);
    }

    [Fact]
    public async Task Events_stored_again_change_nothing()
    {
        var (campaign, coupons) = await MakeChangesAsync();
        var db = _redis.GetDatabase();
        var replay = await StreamReplay.KeepAsync(db, new RedisKeys(_redisOptions.KeyPrefix));
        await using var persister = NewPersister("first");
        await DrainAsync(persister);

        // Every entry is deleted once stored; then all of them are delivered again.
        foreach (var stream in await db.SetMembersAsync(new RedisKeys(_redisOptions.KeyPrefix).Streams))
        {
            Assert.Equal(0, await db.StreamLengthAsync((string)stream!));
        }

        await replay.AppendAgainAsync(db, reversed: false);
        await using var again = NewPersister("second");
        await DrainAsync(again);

        Assert.True(again.Stored >= replay.Count);
        await AssertPostgresHasAsync(campaign, coupons);
    }

    [Fact]
    public async Task A_persister_that_dies_mid_batch_is_taken_over_and_nothing_is_lost_or_doubled()
    {
        var (campaign, coupons) = await MakeChangesAsync();
        var db = _redis.GetDatabase();
        var keys = new RedisKeys(_redisOptions.KeyPrefix);
        await using (var setup = NewPersister("setup"))
        {
            // Makes the consumer groups, and reads nothing.
            await setup.LagAsync();
        }

        // A persister reads a batch and dies before storing or acknowledging it.
        foreach (var stream in await db.SetMembersAsync(keys.Streams))
        {
            var read = await db.StreamReadGroupAsync((string)stream!, Persister.Group, "dead", ">", 20);
            Assert.NotEmpty(read);
        }

        await using var survivor = NewPersister("survivor", takeOverAfter: TimeSpan.Zero);
        await DrainAsync(survivor);

        Assert.Equal(0, await survivor.LagAsync());
        await AssertPostgresHasAsync(campaign, coupons);
    }

    [Fact]
    public async Task Claims_go_on_while_postgres_is_down_and_the_backlog_drains_after()
    {
        var (campaign, coupons) = await MakeChangesAsync();
        await using var persister = NewPersister("patient");
        await servers.Postgres.StopAsync();
        try
        {
            for (var i = 30; i < 40; i++)
            {
                var claim = await _store.ClaimAsync(campaign.Id, "late-" + i.ToString(CultureInfo.InvariantCulture), null);
                Assert.Equal(Outcome.CampaignNotActive, claim.Outcome);
            }

            await _store.ChangeCampaignStatusAsync(campaign.Id, CampaignCommand.Resume);
            for (var i = 30; i < 40; i++)
            {
                coupons.Add((await _store.ClaimAsync(campaign.Id, "late-" + i.ToString(CultureInfo.InvariantCulture), null)).Coupon!);
            }

            await Assert.ThrowsAnyAsync<Exception>(() => persister.RunOnceAsync());
            Assert.True(await persister.LagAsync() > 0);
        }
        finally
        {
            await servers.Postgres.StartAsync();
            // Pooled connections of this process died with the server; the persister's own pool
            // drops its broken ones as it meets them, these tests' pools are simply emptied.
            NpgsqlConnection.ClearAllPools();
        }

        // The same persister goes on: its first write may meet a connection that died with the
        // server (and is dropped); then it stores what it read before and everything since.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await DrainAsync(persister);
                break;
            }
            catch (NpgsqlException) when (attempt < 3)
            {
            }
        }

        Assert.Equal(0, await persister.LagAsync());
        await AssertPostgresHasAsync(campaign, coupons);
    }
}
