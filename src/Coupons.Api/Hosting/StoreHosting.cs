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
            return services.AddRedisStore(configuration).AddPostgresPersister(configuration);
        }

        if (!string.Equals(store, "embedded", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Coupons:Store '{store}' is not known; this build has: embedded, redis");
        }

        services.Configure<EmbeddedStoreOptions>(configuration.GetSection("Coupons:Embedded"));
        services.AddSingleton(sp => new EmbeddedCouponStore(sp.GetRequiredService<IOptions<EmbeddedStoreOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ICouponStore>(sp => sp.GetRequiredService<EmbeddedCouponStore>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<EmbeddedCouponStore>());
        services.AddHostedService<EmbeddedStoreOpener>();
        return services;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}

/// <summary>Rebuilds the embedded store's state from disk after the server starts listening, so liveness answers while it recovers.</summary>
internal sealed partial class EmbeddedStoreOpener(EmbeddedCouponStore store, IOptions<EmbeddedStoreOptions> options, ILogger<EmbeddedStoreOpener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            store.Open();
            LogRecovered(logger, store.CouponCount, store.RecoveryTime.TotalMilliseconds, Path.GetFullPath(options.Value.DataDir));
        }
        catch (Exception exception)
        {
            LogRecoveryFailed(logger, exception, Path.GetFullPath(options.Value.DataDir));
        }
    }, stoppingToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded store ready: {Coupons} coupons recovered in {ElapsedMs:F0} ms from {DataDir}")]
    private static partial void LogRecovered(ILogger logger, int coupons, double elapsedMs, string dataDir);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Embedded store could not recover from {DataDir}; the service stays not ready")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception, string dataDir);
}

internal sealed class StoreReadyCheck(ICouponStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the store is recovering or has stopped taking writes"));
}
