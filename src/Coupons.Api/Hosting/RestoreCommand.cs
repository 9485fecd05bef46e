using System.Globalization;
using Coupons.Postgres;
using Coupons.Postgres.Restore;
using Coupons.Redis;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Api.Hosting;

/// <summary>
/// <c>restore</c>: rebuilds Redis from PostgreSQL after Redis was lost with its disk, with the
/// service's own configuration (appsettings, environment, command line), as <c>reconcile</c> reads
/// it. Writes only into a Redis that holds nothing under the key prefix; exits with 0 once
/// restored, 2 when it refuses or cannot.
/// </summary>
public static class RestoreCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Any(a => !a.StartsWith("--", StringComparison.Ordinal)))
        {
            await error.WriteLineAsync("usage: restore [--Coupons:Redis:Configuration=…] [--Coupons:Redis:KeyPrefix=…] [--Coupons:Postgres:Shards:0=…] …").ConfigureAwait(false);
            return 2;
        }

        var configuration = WebApplication.CreateBuilder(args).Configuration;
        var redisOptions = RedisStoreOptions.From(configuration);
        var postgres = PostgresOptions.From(configuration);
        if (postgres.Shards.Count == 0)
        {
            await error.WriteLineAsync("restore needs Coupons:Postgres:Shards").ConfigureAwait(false);
            return 2;
        }

        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions.Configuration).ConfigureAwait(false);
            var restorer = new Restorer(redis, new RedisKeys(redisOptions.KeyPrefix), postgres);
            if (await restorer.FindAnyKeyAsync().ConfigureAwait(false) is { } key)
            {
                await error.WriteLineAsync(
                    $"refused: Redis already holds keys under the prefix '{redisOptions.KeyPrefix}' (for one, {key}); restore writes only into an empty Redis: " +
                    "stop the service's nodes and delete those keys (or FLUSHALL a Redis of its own) first").ConfigureAwait(false);
                return 2;
            }

            var summary = await restorer.RunAsync().ConfigureAwait(false);
            if (summary.CouponsWithoutCampaign > 0)
            {
                await error.WriteLineAsync($"warning: {summary.CouponsWithoutCampaign} coupon row(s) left out: PostgreSQL has no row of their campaign").ConfigureAwait(false);
            }

            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"restored {summary.Campaigns} campaign(s), {summary.Coupons} coupon(s), {summary.Codes} generated code(s), {summary.Orders} order(s) in {summary.Elapsed.TotalSeconds:0.00} s")).ConfigureAwait(false);
            return 0;
        }
        catch (Exception exception) when (exception is RedisException or Npgsql.NpgsqlException or InvalidDataException)
        {
            await error.WriteLineAsync("cannot restore: " + exception.Message).ConfigureAwait(false);
            return 2;
        }
    }
}
