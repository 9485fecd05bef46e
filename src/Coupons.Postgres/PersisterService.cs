using System.Diagnostics.Metrics;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Coupons.Postgres;

/// <summary>
/// Runs this node's persister: applies the schema to every shard, then drains the Redis streams into
/// PostgreSQL, pausing briefly when there is nothing to do, and after a failure trying again (nothing
/// is acknowledged until stored). Its lag (entries not yet stored) is the gauge
/// <c>coupons.persister.lag</c> on the <c>Coupons</c> meter, measured about once a second beside the
/// rounds (from Redis alone), so that it keeps growing while PostgreSQL is down or hangs a round.
/// </summary>
internal sealed class PersisterService(
    IConnectionMultiplexer redis,
    RedisKeys keys,
    IOptions<PostgresOptions> postgres,
    IOptions<PersisterSettings> settings,
    IMeterFactory meters,
    TimeProvider time,
    ILogger<PersisterService> logger) : BackgroundService
{
    /// <summary>
    /// The pause after a round that found nothing, doubled after each such round up to
    /// <see cref="MostIdle"/>: a round reads every stream, so an idle persister costs Redis little.
    /// </summary>
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MostIdle = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LagEvery = TimeSpan.FromSeconds(1);

    private static readonly Action<ILogger, Exception?> LogPersistFailed = LoggerMessage.Define(
        LogLevel.Warning, new EventId(1, "PersistFailed"), "Storing events in PostgreSQL failed; they are read again");

    private static readonly Action<ILogger, Exception?> LogSchemaFailed = LoggerMessage.Define(
        LogLevel.Warning, new EventId(2, "SchemaFailed"), "Applying the schema to PostgreSQL failed; trying again");

    private long _lag;
    private Persister? _persister;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meters.Create("Coupons");
        meter.CreateObservableGauge("coupons.persister.lag", () => Volatile.Read(ref _lag), "{entry}", "Events in the Redis streams not yet stored in PostgreSQL");
        meter.CreateObservableCounter("coupons.persister.stored", () => _persister?.Stored ?? 0, "{row}", "Rows this node's persister wrote to PostgreSQL");
        await ApplySchemaAsync(stoppingToken).ConfigureAwait(false);
        await using var persister = new Persister(redis, keys, postgres.Value, settings.Value, time);
        _persister = persister;
        var lag = MeasureLagAsync(persister, stoppingToken);
        var idle = Idle;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handled = await persister.RunOnceAsync(stoppingToken).ConfigureAwait(false);
                if (handled > 0)
                {
                    idle = Idle;
                    continue;
                }

                await Task.Delay(idle, time, stoppingToken).ConfigureAwait(false);
                idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, MostIdle.Ticks));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is NpgsqlException or RedisException or TimeoutException)
            {
                // Nothing was acknowledged: the same entries are read again on the next round.
                LogPersistFailed(logger, exception);
                await Task.Delay(AfterFailure, time, stoppingToken).ConfigureAwait(false);
            }
        }

        await lag.ConfigureAwait(false);
    }

    private async Task MeasureLagAsync(Persister persister, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Volatile.Write(ref _lag, await persister.LagAsync(stoppingToken).ConfigureAwait(false));
                await Task.Delay(LagEvery, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // Redis is failing: the gauge keeps its last value until it can be read again.
                await Task.Delay(AfterFailure, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task ApplySchemaAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                foreach (var shard in postgres.Value.Shards)
                {
                    await Schema.ApplyAsync(shard, stoppingToken).ConfigureAwait(false);
                }

                return;
            }
            catch (NpgsqlException exception)
            {
                LogSchemaFailed(logger, exception);
                await Task.Delay(AfterFailure, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
