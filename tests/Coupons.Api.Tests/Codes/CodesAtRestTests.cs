using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coupons.Api.Tests.Codes;

/// <summary>The embedded service, keeping every log line it writes.</summary>
public sealed class LoggedApiFactory : CouponsApiFactory
{
    public ConcurrentQueue<string> Logged { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(new KeepingLoggerProvider(Logged)));
}

/// <summary>What a code's life leaves behind: the plain codes a run used, and where to look for them.</summary>
internal static class CodesAtRest
{
    /// <summary>
    /// Uses every kind of code: a shared code, generated codes claimed and left, every coupon's own
    /// code (claimed by id, by shared code, by generated code) looked up. Returns every plain code.
    /// </summary>
    public static async Task<IReadOnlyList<string>> UseEveryKindOfCodeAsync(CouponsApiFactory factory)
    {
        using var admin = factory.ClientFor("admin-rest", "admin");
        using var service = factory.ClientFor("order-system", "service");
        var shared = "REST-" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var body = new JsonObject
        {
            ["name"] = "At rest",
            ["discount"] = new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 },
            ["totalStock"] = 100,
            ["validity"] = new JsonObject { ["days"] = 5 },
            ["code"] = shared,
        };
        using var created = await admin.PostJsonAsync("/v1/campaigns", body);
        var campaign = (await created.AssertStatusAsync(HttpStatusCode.Created)).Str("id");
        await CodeSteps.GenerateAsync(admin, campaign, 40);
        var generated = (await CodeSteps.AllCodesAsync(admin, campaign)).Select(c => c.Str("code")).ToList();

        var codes = new List<string>(generated) { shared };
        for (var i = 0; i < 9; i++)
        {
            using var user = factory.ClientFor($"rest-user-{i}-{Guid.NewGuid():N}");
            using var claim = i switch
            {
                < 5 => await CodeSteps.ClaimAsync(user, generated[i]),
                < 7 => await CodeSteps.ClaimAsync(user, shared),
                _ => await user.PostEmptyAsync($"/v1/campaigns/{campaign}/claim"),
            };
            var coupon = await claim.AssertStatusAsync(HttpStatusCode.Created);
            codes.Add(coupon.Str("code"));
            using var found = await CodeSteps.LookupAsync(service, coupon.Str("code"));
            await found.AssertStatusAsync(HttpStatusCode.OK);
        }

        // A guess, so a failed attempt is logged and counted too.
        using var guesser = factory.ClientFor("rest-guesser");
        using var miss = await CodeSteps.ClaimAsync(guesser, "REST-GUESS-" + Guid.NewGuid().ToString("N")[..6]);
        await miss.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");
        return codes;
    }

    /// <summary>Every audit entry the service keeps, as its JSON text.</summary>
    public static async Task<string> AuditTextAsync(CouponsApiFactory factory)
    {
        using var admin = factory.ClientFor("admin-rest", "admin");
        var text = new StringBuilder();
        string? cursor = null;
        do
        {
            using var response = await admin.GetPathAsync("/v1/audit?limit=200" + (cursor is null ? "" : "&cursor=" + cursor));
            var page = await response.AssertStatusAsync(HttpStatusCode.OK);
            text.Append(page.GetRawText());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return text.ToString();
    }

    /// <summary>The plain codes found in any file under <paramref name="folder"/>, with the file.</summary>
    public static IReadOnlyList<string> FoundInFiles(string folder, IReadOnlyList<string> codes)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }
            catch (IOException)
            {
                continue; // a file removed while the folder was read (a temporary one)
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            found.AddRange(codes.Where(code => bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(code)) >= 0).Select(code => $"{code} in {file}"));
        }

        return found;
    }

    public static void AssertNoneIn(string what, string text, IReadOnlyList<string> codes) =>
        Assert.True(!codes.Any(code => text.Contains(code, StringComparison.OrdinalIgnoreCase)), $"a plain code in {what}: {string.Join(", ", codes.Where(code => text.Contains(code, StringComparison.OrdinalIgnoreCase)).Take(3))}");
}

/// <summary>
/// No plain code anywhere the embedded service keeps or writes: its SQLite files (store, jobs,
/// WAL), the audit log, the log output. Codes are kept sealed and indexed by keyed hash; a
/// coupon's own code is not kept at all.
/// </summary>
public sealed class CodesAtRestTests(LoggedApiFactory factory) : IClassFixture<LoggedApiFactory>
{
    [Fact]
    public async Task No_plain_code_is_in_the_data_folder_the_audit_log_or_the_logs()
    {
        var codes = await CodesAtRest.UseEveryKindOfCodeAsync(factory);
        Assert.True(codes.Count >= 50);
        Assert.Empty(CodesAtRest.FoundInFiles(factory.DataDir, codes));
        CodesAtRest.AssertNoneIn("the audit log", await CodesAtRest.AuditTextAsync(factory), codes);
        Assert.NotEmpty(factory.Logged);
        CodesAtRest.AssertNoneIn("the log output", string.Join('\n', factory.Logged), codes);
    }
}

/// <summary>The service on Redis and PostgreSQL, keeping every log line it writes.</summary>
public sealed class LoggedRedisApiFactory : RedisApiFactory
{
    public ConcurrentQueue<string> Logged { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(new KeepingLoggerProvider(Logged)));
}

/// <summary>
/// No plain code anywhere the Redis store and its persister keep or write: Redis's append-only file
/// and a dump of everything it holds (keys, hashes, the event streams), PostgreSQL's tables and its
/// files (WAL included), the audit log and the log output.
/// </summary>
public sealed class RedisCodesAtRestTests(LoggedRedisApiFactory factory) : IClassFixture<LoggedRedisApiFactory>
{
    [Fact]
    public async Task No_plain_code_is_in_redis_postgres_the_audit_log_or_the_logs()
    {
        var codes = await CodesAtRest.UseEveryKindOfCodeAsync(factory);
        await WaitForPersistedAsync(40 + 9);
        using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(factory.Redis.Configuration + ",allowAdmin=true"))
        {
            await redis.GetServers()[0].ExecuteAsync("SAVE");
        }

        Assert.Empty(CodesAtRest.FoundInFiles(factory.Redis.Dir, codes));
        Assert.Contains(Directory.EnumerateFiles(factory.Redis.Dir, "*", SearchOption.AllDirectories), file => file.EndsWith(".rdb", StringComparison.Ordinal));
        CodesAtRest.AssertNoneIn("PostgreSQL's tables", await DumpPostgresAsync(), codes);
        Assert.Empty(CodesAtRest.FoundInFiles(factory.Postgres.Dir, codes));
        CodesAtRest.AssertNoneIn("the audit log", await CodesAtRest.AuditTextAsync(factory), codes);
        CodesAtRest.AssertNoneIn("the log output", string.Join('\n', factory.Logged), codes);
    }

    /// <summary>Waits (bounded) until the shards hold the generated codes and the coupons, then checkpoints them so the rows are in the table files too.</summary>
    private async Task WaitForPersistedAsync(int rows)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await CountAsync("SELECT (SELECT count(*) FROM codes) + (SELECT count(*) FROM coupons)") < rows)
        {
            Assert.True(DateTime.UtcNow < deadline, "the persister did not store the codes and coupons in 30 s");
            await Task.Delay(100);
        }

        foreach (var shard in factory.Shards)
        {
            await using var connection = new Npgsql.NpgsqlConnection(shard);
            await connection.OpenAsync();
            await using var checkpoint = new Npgsql.NpgsqlCommand("CHECKPOINT", connection);
            await checkpoint.ExecuteNonQueryAsync();
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        var total = 0L;
        foreach (var shard in factory.Shards)
        {
            await using var connection = new Npgsql.NpgsqlConnection(shard);
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            try
            {
                total += (long)(await command.ExecuteScalarAsync())!;
            }
            catch (Npgsql.PostgresException exception) when (PersisterSchema.NotYetApplied(exception))
            {
                // The persister applies the schema in the background: not there yet.
            }
        }

        return total;
    }

    /// <summary>Every row of every table of both shards, as text.</summary>
    private async Task<string> DumpPostgresAsync()
    {
        var text = new StringBuilder();
        foreach (var shard in factory.Shards)
        {
            await using var connection = new Npgsql.NpgsqlConnection(shard);
            await connection.OpenAsync();
            var tables = new List<string>();
            await using (var list = new Npgsql.NpgsqlCommand("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", connection))
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                await using var rows = new Npgsql.NpgsqlCommand($"SELECT t::text FROM \"{table}\" t", connection);
                await using var reader = await rows.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    text.Append(reader.GetString(0)).Append('\n');
                }
            }
        }

        Assert.True(text.ToString().Split('\n').Length > 49, "the shards hold the codes and coupons");
        return text.ToString();
    }
}
