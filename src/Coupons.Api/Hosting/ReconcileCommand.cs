using Coupons.Postgres;
using Coupons.Redis;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Api.Hosting;

/// <summary>
/// <c>reconcile &lt;campaignId&gt;</c>: compares Redis with PostgreSQL for a campaign, with the
/// service's own configuration (appsettings, environment, command line), lists every difference,
/// and exits with 0 when there is none, 1 when there are, 2 when it cannot compare.
/// </summary>
public static class ReconcileCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length < 1 || !Guid.TryParse(args[0], out var campaignId))
        {
            await error.WriteLineAsync("usage: reconcile <campaignId> [--Coupons:Redis:Configuration=…] [--Coupons:Postgres:Shards:0=…] …").ConfigureAwait(false);
            return 2;
        }

        var configuration = WebApplication.CreateBuilder(args[1..]).Configuration;
        var redisOptions = RedisStoreOptions.From(configuration);
        var postgres = PostgresOptions.From(configuration);
        if (postgres.Shards.Count == 0)
        {
            await error.WriteLineAsync("reconcile needs Coupons:Postgres:Shards").ConfigureAwait(false);
            return 2;
        }

        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions.Configuration).ConfigureAwait(false);
            var differences = await new Reconciler(redis, new RedisKeys(redisOptions.KeyPrefix), postgres).CompareAsync(campaignId).ConfigureAwait(false);
            foreach (var difference in differences)
            {
                await output.WriteLineAsync(difference.ToString()).ConfigureAwait(false);
            }

            await output.WriteLineAsync(differences.Count == 0
                ? $"campaign {campaignId}: Redis and PostgreSQL agree"
                : $"campaign {campaignId}: {differences.Count} difference(s)").ConfigureAwait(false);
            return differences.Count == 0 ? 0 : 1;
        }
        catch (Exception exception) when (exception is RedisException or Npgsql.NpgsqlException)
        {
            await error.WriteLineAsync("cannot compare: " + exception.Message).ConfigureAwait(false);
            return 2;
        }
    }
}
