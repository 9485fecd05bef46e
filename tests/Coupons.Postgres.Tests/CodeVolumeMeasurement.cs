using System.Diagnostics;
using System.Globalization;
using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Redis;
using Coupons.Redis.Layout;
using Npgsql;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Coupons.Postgres.Tests;

/// <summary>
/// Measures, by hand only (<c>CODES_MEASURE=&lt;count&gt;</c>, e.g. 1000000), a generation job's codes
/// derived, sealed and stored on Redis (AOF, appendfsync always) while a persister drains them into
/// PostgreSQL: the figures go to the test's output. Without the variable it does nothing; it never
/// asserts a time.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class CodeVolumeMeasurement(Servers servers, ITestOutputHelper output)
{
    private static readonly int StepSize = int.TryParse(Environment.GetEnvironmentVariable("CODES_MEASURE_STEP"), CultureInfo.InvariantCulture, out var step) ? step : 10_000;

    [Fact]
    public async Task Generate_store_and_persist_codes()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("CODES_MEASURE"), CultureInfo.InvariantCulture, out var count))
        {
            return;
        }

        var postgres = await ShardsAsync();
        var options = new RedisStoreOptions { Timeout = RedisServer.CallTimeout, Configuration = servers.Redis.Configuration, KeyPrefix = "m" + Guid.NewGuid().ToString("N")[..8] + ":" };
        using var store = await RedisCouponStore.ConnectAsync(options, TimeProvider.System, TestCodes.Own);
        using var redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis.Configuration + ",allowAdmin=true");
        var campaign = await store.CreateCampaignAsync(new CampaignDefinition { Name = "Volume", Discount = Discount.AmountOffOf(100), Validity = Validity.Relative(5) }, 10);
        await using var persister = new Persister(redis, store.Keys, postgres, new PersisterSettings { Consumer = "volume", BatchSize = 512 });
        using var stop = new CancellationTokenSource();
        if (Environment.GetEnvironmentVariable("CODES_MEASURE_AOF_REWRITE_MIN") is { } rewriteMin)
        {
            // Redis rewrites its AOF each time it doubles: e.g. "4gb" leaves the rewrites out of the measurement.
            await redis.GetServers()[0].ConfigSetAsync("auto-aof-rewrite-min-size", rewriteMin);
        }

        var (ownCpu, postgresCpu) = (Process.GetCurrentProcess().TotalProcessorTime, ProcessCpu.PostgresSeconds(servers.Postgres.DataDir));
        var (allocated, pauses, gen2) = (GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(), GC.CollectionCount(2));
        // CODES_MEASURE_PERSIST: unset, while storing; "0", never; "after", once every code is in Redis.
        var mode = Environment.GetEnvironmentVariable("CODES_MEASURE_PERSIST");
        var persist = mode != "0";
        var persisting = persist && mode != "after" ? Task.Run(() => PersistAsync(persister, stop.Token)) : Task.CompletedTask;

        var job = Guid.CreateVersion7();
        var (derive, storeTime, total) = (new Stopwatch(), new Stopwatch(), Stopwatch.StartNew());
        var clashes = 0;
        for (var first = 0; first < count; first += StepSize)
        {
            derive.Start();
            var codes = Derive(campaign.Id, job, first, Math.Min(StepSize, count - first));
            derive.Stop();
            storeTime.Start();
            clashes += (await store.AddCodesAsync(campaign.Id, job, codes)).Clashes.Count;
            storeTime.Stop();
        }

        var stored = total.Elapsed;
        var cpuStored = Process.GetCurrentProcess().TotalProcessorTime;
        if (mode == "after")
        {
            persisting = Task.Run(() => PersistAsync(persister, stop.Token));
        }

        while (persist && await persister.LagAsync() > 0)
        {
            await Task.Delay(50);
        }

        var persisted = total.Elapsed;
        await stop.CancelAsync();
        await persisting;
        var cpu = (await redis.GetServers()[0].InfoAsync("cpu")).SelectMany(g => g).ToDictionary(p => p.Key, p => double.Parse(p.Value, CultureInfo.InvariantCulture));
        output.WriteLine(
            $"CPU: this process (derive, seal, client, persister) {(Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds:F1} s " +
            $"({(Process.GetCurrentProcess().TotalProcessorTime - cpuStored).TotalSeconds:F1} s after the last code was in Redis), " +
            $"PostgreSQL {ProcessCpu.PostgresSeconds(servers.Postgres.DataDir) - postgresCpu:F1} s; this process allocated " +
            $"{(GC.GetTotalAllocatedBytes() - allocated) / 1e6:N0} MB, paused {(GC.GetTotalPauseDuration() - pauses).TotalSeconds:F1} s in {GC.CollectionCount(2) - gen2} full collections");
        output.WriteLine(
            $"Redis CPU: {cpu["used_cpu_user"]:F1} s user, {cpu["used_cpu_sys"]:F1} s system, {cpu["used_cpu_user_children"] + cpu["used_cpu_sys_children"]:F1} s in children (AOF rewrites)");
        output.WriteLine(
            $"{count:N0} codes in steps of {StepSize:N0}: derived and sealed {derive.Elapsed.TotalSeconds:F1} s, stored in Redis {storeTime.Elapsed.TotalSeconds:F1} s, " +
            $"all in Redis after {stored.TotalSeconds:F1} s, all in PostgreSQL after {persisted.TotalSeconds:F1} s; {clashes} clashes; {await CountAsync(postgres):N0} rows");
        output.WriteLine("Redis commands by CPU (calls, µs): " + string.Join(", ", await CommandsAsync(redis)));
    }

    /// <summary>The commands Redis spent most time on since it started (INFO commandstats), the costliest first.</summary>
    private static async Task<IEnumerable<string>> CommandsAsync(ConnectionMultiplexer redis)
    {
        var stats = (await redis.GetServers()[0].InfoAsync("commandstats")).SelectMany(g => g).Select(p =>
        {
            var fields = p.Value.Split(',').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
            return (Name: p.Key.Replace("cmdstat_", "", StringComparison.Ordinal), Calls: long.Parse(fields["calls"], CultureInfo.InvariantCulture), Usec: long.Parse(fields["usec"], CultureInfo.InvariantCulture));
        });
        return stats.OrderByDescending(s => s.Usec).Take(10).Select(s => $"{s.Name} {s.Calls:N0} {s.Usec:N0}");
    }

    private static List<NewCode> Derive(Guid campaignId, Guid jobId, int first, int count)
    {
        var codes = new NewCode[count];
        Parallel.For(0, count, i =>
        {
            Span<char> code = stackalloc char[CouponCodes.MaxCodeLength];
            var length = CodeDerivation.ForJob(TestCodes.Protector, jobId, first + i, 0, "", 12, code);
            var sealedCode = new byte[CodeProtector.ProtectedLength(length)];
            TestCodes.Protector.Protect(code[..length], campaignId, sealedCode);
            codes[i] = new NewCode(first + i, TestCodes.Protector.HashOf(code[..length]), sealedCode);
        });
        return [.. codes];
    }

    private static async Task PersistAsync(Persister persister, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (await persister.RunOnceAsync(CancellationToken.None) == 0)
            {
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }

    private async Task<PostgresOptions> ShardsAsync()
    {
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

        return new PostgresOptions { Shards = shards };
    }

    private static async Task<long> CountAsync(PostgresOptions postgres)
    {
        await using var connection = new NpgsqlConnection(postgres.Shards[0]);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM codes", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
