using Coupons.Core;
using Coupons.Core.Jobs;
using Coupons.Embedded;
using Coupons.Embedded.Jobs;
using Coupons.Postgres;
using Coupons.Redis;
using Coupons.Redis.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Coupons.Api.Hosting;

public static class StoreHosting
{
    /// <summary>
    /// The store chosen by <c>Coupons:Store</c> (<see cref="StoreChoice"/>): the embedded store (the
    /// default, opened in the background at start) or Redis with the PostgreSQL persister
    /// (connecting in the background, swept by every node). Each store registers and checks its
    /// own settings. Both have a job store beside them, and every node runs jobs in the background.
    /// </summary>
    public static IServiceCollection AddCouponsStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHealthChecks().AddCheck<StoreReadyCheck>("store", tags: ["ready"]);
        services.AddSingleton<JobMetrics>();
        services.AddSingleton<BusinessMetrics>();
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<StockGauges>();
        services.AddSingleton<JobWakeup>();
        services.AddHostedService<JobRunnerService>();
        if (StoreChoice.Of(configuration) == StoreKind.Redis)
        {
            // Jobs beside the coupons, on the same connection and key prefix: any node runs any job's next step.
            services.AddSingleton<IJobStore>(sp =>
            {
                var store = sp.GetRequiredService<RedisCouponStore>();
                return new RedisJobStore(store.Connection, store.Keys, sp.GetRequiredService<TimeProvider>());
            });
            return services.AddRedisStore(configuration).AddPostgresPersister(configuration);
        }

        services.AddSingleton<IJobStore>(sp => new EmbeddedJobStore(EmbeddedStoreOptions.From(configuration).DataDir, sp.GetRequiredService<TimeProvider>()));
        return services.AddEmbeddedStore(configuration);
    }
}

/// <summary>The stores this build has.</summary>
public enum StoreKind
{
    Embedded,
    Redis,
}

/// <summary>Which store the service runs on, from <c>Coupons:Store</c> (<see cref="Key"/>): <c>embedded</c> (the default) or <c>redis</c>.</summary>
public static class StoreChoice
{
    public const string Key = "Coupons:Store";

    public static StoreKind Of(IConfiguration configuration)
    {
        var value = configuration[Key];
        if (string.IsNullOrEmpty(value) || string.Equals(value, "embedded", StringComparison.OrdinalIgnoreCase))
        {
            return StoreKind.Embedded;
        }

        return string.Equals(value, "redis", StringComparison.OrdinalIgnoreCase)
            ? StoreKind.Redis
            : throw new InvalidOperationException($"{Key} '{value}' is not known; this build has: embedded, redis");
    }
}

internal sealed class StoreReadyCheck(ICouponStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the store is recovering or has stopped taking writes"));
}
