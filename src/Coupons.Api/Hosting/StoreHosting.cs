using System.Diagnostics.Metrics;
using Coupons.Core;
using Coupons.Embedded;
using Coupons.Postgres;
using Coupons.Redis;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Hosting;

public static class StoreHosting
{
    /// <summary>
    /// The store chosen by <c>Coupons:Store</c>: <c>embedded</c> (the default, opened in the
    /// background at start) or <c>redis</c> (connecting in the background, swept by every node).
    /// </summary>
    public static IServiceCollection AddCouponsStore(this IServiceCollection services, IConfiguration configuration)
    {
        var store = configuration["Coupons:Store"] ?? "embedded";
        services.TryAddSingletonTimeProvider();
        services.AddHealthChecks().AddCheck<StoreReadyCheck>("store", tags: ["ready"]);
        if (string.Equals(store, "redis", StringComparison.OrdinalIgnoreCase))
        {
            services.Configure<RedisStoreOptions>(configuration.GetSection("Coupons:Redis"));
            services.AddSingleton(sp => RedisCouponStore.Connect(sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<ICouponStore>(sp => sp.GetRequiredService<RedisCouponStore>());
            services.AddHostedService<RedisSweeper>();
            services.Configure<PostgresOptions>(configuration.GetSection("Coupons:Postgres"));
            services.AddSingleton<IAuditLog>(sp => new PostgresAuditLog(sp.GetRequiredService<RedisCouponStore>(), sp.GetRequiredService<IOptions<PostgresOptions>>().Value));
            services.Configure<PersisterSettings>(configuration.GetSection("Coupons:Postgres:Persister"));
            if (configuration.GetSection("Coupons:Postgres:Shards").GetChildren().Any())
            {
                services.AddHostedService<PersisterService>();
            }

            return services;
        }

        if (!string.Equals(store, "embedded", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Coupons:Store '{store}' is not known; this build has: embedded, redis");
        }

        return services.AddEmbeddedStore(configuration);
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}

/// <summary>
/// Stores the Redis store's lapsed locks and passed validities every <c>Coupons:Redis:SweepInterval</c>.
/// Every node sweeps; each change is versioned, so nothing is counted twice.
/// </summary>
internal sealed partial class RedisSweeper(RedisCouponStore store, IOptions<RedisStoreOptions> options, TimeProvider time, ILogger<RedisSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!store.IsReady)
            {
                continue;
            }

            try
            {
                await store.SweepAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is StorageUnavailableException or OverloadedException)
            {
                LogSweepFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping the Redis store failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

/// <summary>
/// Runs this node's persister: applies the schema to every shard, then drains the Redis streams into
/// PostgreSQL, pausing briefly when there is nothing to do. Its lag (entries not yet stored) is the
/// gauge <c>coupons.persister.lag</c> on the <c>Coupons</c> meter.
/// </summary>
internal sealed partial class PersisterService(
    RedisCouponStore store,
    IOptions<RedisStoreOptions> redisOptions,
    IOptions<PostgresOptions> postgres,
    IOptions<PersisterSettings> settings,
    IMeterFactory meters,
    ILogger<PersisterService> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan AfterFailure = TimeSpan.FromSeconds(1);
    private long _lag;
    private Persister? _persister;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var meter = meters.Create("Coupons");
        meter.CreateObservableGauge("coupons.persister.lag", () => Volatile.Read(ref _lag), "{entry}", "Events in the Redis streams not yet stored in PostgreSQL");
        meter.CreateObservableCounter("coupons.persister.stored", () => _persister?.Stored ?? 0, "{row}", "Rows this node's persister wrote to PostgreSQL");
        await ApplySchemaAsync(stoppingToken).ConfigureAwait(false);
        await using var persister = new Persister(store.Connection, redisOptions.Value, postgres.Value, settings.Value);
        _persister = persister;
        var lastLag = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handled = await persister.RunOnceAsync(stoppingToken).ConfigureAwait(false);
                if (DateTime.UtcNow - lastLag > TimeSpan.FromSeconds(1))
                {
                    Volatile.Write(ref _lag, await persister.LagAsync().ConfigureAwait(false));
                    lastLag = DateTime.UtcNow;
                }

                if (handled == 0)
                {
                    await Task.Delay(Idle, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or StackExchange.Redis.RedisException or TimeoutException)
            {
                // Nothing was acknowledged: the same entries are read again on the next round.
                LogPersistFailed(logger, exception);
                await Task.Delay(AfterFailure, stoppingToken).ConfigureAwait(false);
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
            catch (Npgsql.NpgsqlException exception)
            {
                LogSchemaFailed(logger, exception);
                await Task.Delay(AfterFailure, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing events in PostgreSQL failed; they are read again")]
    private static partial void LogPersistFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying the schema to PostgreSQL failed; trying again")]
    private static partial void LogSchemaFailed(ILogger logger, Exception exception);
}

internal sealed class StoreReadyCheck(ICouponStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the store is recovering or has stopped taking writes"));
}
