using System.Globalization;
using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Redis;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres.Tests;

/// <summary>
/// Codes reach PostgreSQL as hashes and sealed forms only: a campaign's shared code, every coupon's
/// own code's hash on its user's shard, generated codes and their claims on shard 0, whatever order
/// and however often their events are stored.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class CodePersisterTests(Servers servers) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 15, 0, 0, 0, TimeSpan.Zero));
    private readonly RedisStoreOptions _redisOptions = new() { KeyPrefix = "q" + Guid.NewGuid().ToString("N")[..10] + ":" };
    private PostgresOptions _postgres = null!;
    private RedisCouponStore _store = null!;
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _redisOptions.Configuration = servers.Redis.Configuration;
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
            await Schema.ApplyAsync(shards[^1]);
        }

        _postgres = new PostgresOptions { Shards = shards };
        _store = await RedisCouponStore.ConnectAsync(_redisOptions, _time, TestCodes.Own);
        _redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis.Configuration);
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        _redis.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Codes_claims_and_own_codes_reach_their_shards_once_however_often_stored()
    {
        var shared = TestCodes.Protector.HashOf("WINTER-SALE");
        var sealedShared = TestCodes.Protector.ProtectToText("WINTER-SALE", shared.AsOwner());
        var campaign = await _store.CreateCampaignAsync(new CampaignDefinition
        {
            Name = "Coded",
            Discount = Discount.AmountOffOf(100),
            Validity = Validity.Relative(5),
            Code = new SealedCode(shared, sealedShared),
        }, 100);
        var job = Guid.CreateVersion7();
        var codes = Enumerable.Range(0, 1_500).Select(i =>
        {
            var text = "CODE" + i.ToString("D6", CultureInfo.InvariantCulture);
            return new NewCode(i, TestCodes.Protector.HashOf(text), TestCodes.Protector.Protect(text, campaign.Id));
        }).ToList();
        Assert.Empty((await _store.AddCodesAsync(campaign.Id, job, codes)).Clashes);
        var coupons = new List<Coupon>
        {
            (await _store.ClaimByCodeAsync(codes[10].Hash, "user-a", null)).Coupon!,
            (await _store.ClaimByCodeAsync(codes[900].Hash, "user-b", null)).Coupon!,
            (await _store.ClaimByCodeAsync(shared, "user-c", null)).Coupon!,
            (await _store.ClaimAsync(campaign.Id, "user-d", null)).Coupon!,
        };

        var db = _redis.GetDatabase();
        var replay = await StreamReplay.KeepAsync(db, new RedisKeys(_redisOptions.KeyPrefix));
        await DrainAsync("first");
        await AssertStoredAsync(campaign.Id, job, codes, coupons, sealedShared);

        // Every entry delivered again, and the claims' events before the codes' (as a persister taking over may).
        await replay.AppendAgainAsync(db, reversed: true);

        await using (var shard0 = new NpgsqlConnection(_postgres.Shards[0]))
        {
            await shard0.OpenAsync();
            await using var clear = new NpgsqlCommand("DELETE FROM codes WHERE coupon_id IS NULL; UPDATE coupons SET code_hash = NULL", shard0);
            await clear.ExecuteNonQueryAsync();
        }

        await DrainAsync("second");
        await AssertStoredAsync(campaign.Id, job, codes, coupons, sealedShared);
    }

    private async Task DrainAsync(string consumer)
    {
        await using var persister = new Persister(_redis, new RedisKeys(_redisOptions.KeyPrefix), _postgres, new PersisterSettings { Consumer = consumer, BatchSize = 64 });
        while (await persister.RunOnceAsync() > 0)
        {
        }

        Assert.Equal(0, await persister.LagAsync());
    }

    private async Task AssertStoredAsync(Guid campaignId, Guid jobId, List<NewCode> codes, List<Coupon> coupons, string sealedShared)
    {
        await using var shard0 = new NpgsqlConnection(_postgres.Shards[0]);
        await shard0.OpenAsync();
        await using (var campaign = new NpgsqlCommand("SELECT code_hash, code_sealed FROM campaigns WHERE id = $1", shard0))
        {
            campaign.Parameters.Add(new NpgsqlParameter { Value = campaignId });
            await using var row = await campaign.ExecuteReaderAsync();
            Assert.True(await row.ReadAsync());
            Assert.Equal((TestCodes.Protector.HashOf("WINTER-SALE").ToText(), sealedShared), (row.GetString(0), row.GetString(1)));
        }

        var stored = new Dictionary<string, (Guid Campaign, Guid Job, long Index, byte[] Sealed, string? User, Guid? Coupon)>();
        await using (var read = new NpgsqlCommand("SELECT hash, campaign_id, job_id, index, sealed, user_id, coupon_id FROM codes", shard0))
        await using (var rows = await read.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                stored[rows.GetString(0)] = (rows.GetGuid(1), rows.GetGuid(2), rows.GetInt64(3), (byte[])rows[4], rows.IsDBNull(5) ? null : rows.GetString(5), rows.IsDBNull(6) ? null : rows.GetGuid(6));
            }
        }

        Assert.Equal(codes.Count, stored.Count);
        foreach (var code in codes)
        {
            var row = stored[code.Hash.ToText()];
            Assert.Equal((campaignId, jobId, code.Index), (row.Campaign, row.Job, row.Index));
            Assert.Equal(TestCodes.Protector.Unprotect(code.Sealed, campaignId), TestCodes.Protector.Unprotect(row.Sealed, campaignId));
        }

        Assert.Equal(("user-a", coupons[0].Id), (stored[codes[10].Hash.ToText()].User, stored[codes[10].Hash.ToText()].Coupon));
        Assert.Equal(("user-b", coupons[1].Id), (stored[codes[900].Hash.ToText()].User, stored[codes[900].Hash.ToText()].Coupon));
        Assert.Equal(2, stored.Values.Count(r => r.Coupon is not null));

        foreach (var coupon in coupons)
        {
            await using var connection = new NpgsqlConnection(_postgres.Shards[Shards.For(coupon.UserId, _postgres.Shards.Count)]);
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("SELECT code_hash FROM coupons WHERE id = $1", connection);
            read.Parameters.Add(new NpgsqlParameter { Value = coupon.Id });
            Assert.Equal(TestCodes.Own.KeyOf(coupon.Id).Hash.ToText(), await read.ExecuteScalarAsync());
        }
    }
}
