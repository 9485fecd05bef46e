using System.ComponentModel.DataAnnotations;
using Coupons.Api.Http;
using Coupons.Core;
using Coupons.Core.Jobs;
using Coupons.Embedded;
using Coupons.Embedded.Jobs;
using Coupons.Postgres;
using Coupons.Redis;
using Coupons.Redis.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

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
        services.AddOptions<StoreOptions>().Bind(configuration.GetSection(StoreOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHealthChecks().AddCheck<StoreReadyCheck>("store", tags: ["ready"]);
        services.AddSingleton<JobMetrics>();
        services.AddSingleton<BusinessMetrics>();
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<StockGauges>();
        services.AddSingleton<JobWakeup>();
        services.AddHostedService<JobRunnerService>();
        if (StoreChoice.ForRegistration(configuration) == StoreKind.Redis)
        {
            // Jobs beside the coupons, on the same connection and key prefix: any node runs any job's next step.
            services.AddSingleton<IJobStore>(sp =>
            {
                var store = sp.GetRequiredService<RedisCouponStore>();
                return new RedisJobStore(store.Connection, store.Keys, sp.GetRequiredService<TimeProvider>());
            });
            // While Redis fails, campaigns, stats and listings are answered from this node's last copies.
            services.AddSingleton(sp =>
            {
                var redis = sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value;
                return new LastCopies(redis.StaleFor, redis.StaleItems, sp.GetRequiredService<TimeProvider>());
            });
            return services.AddRedisStore(configuration).AddPostgresPersister(configuration);
        }

        services.AddSingleton(sp => LastCopies.Off(sp.GetRequiredService<TimeProvider>()));

        services.AddSingleton<IJobStore>(sp => new EmbeddedJobStore(EmbeddedStoreOptions.DataDirOf(configuration), sp.GetRequiredService<TimeProvider>()));
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

    /// <summary>The configured store; an unknown name throws (the start checks it first: <see cref="StoreOptions"/>).</summary>
    public static StoreKind Of(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Parse(configuration[Key]) ?? throw new InvalidOperationException(Unknown(configuration[Key]));
    }

    /// <summary>The store to register: an unknown name registers the embedded one, whose start the check of <c>Coupons:Store</c> then stops.</summary>
    public static StoreKind ForRegistration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Parse(configuration[Key]) ?? StoreKind.Embedded;
    }

    /// <summary>The store <paramref name="value"/> names (empty: the embedded one), or null for a name this build does not have.</summary>
    public static StoreKind? Parse(string? value) =>
        string.IsNullOrEmpty(value) || string.Equals(value, "embedded", StringComparison.OrdinalIgnoreCase) ? StoreKind.Embedded
        : string.Equals(value, "redis", StringComparison.OrdinalIgnoreCase) ? StoreKind.Redis
        : null;

    internal static string Unknown(string? value) => $"{Key} '{value}' is not known; this build has: embedded, redis";
}

/// <summary>The store setting, bound from <c>Coupons</c> (<see cref="Section"/>) so that it is checked at start with the others.</summary>
public sealed class StoreOptions : IValidatableObject
{
    public const string Section = "Coupons";

    /// <summary><c>embedded</c> or <c>redis</c> (<see cref="StoreChoice"/>).</summary>
    public string Store { get; set; } = "embedded";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        StoreChoice.Parse(Store) is null ? [new ValidationResult(StoreChoice.Unknown(Store))] : [];
}

internal sealed class StoreReadyCheck(ICouponStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the store is recovering or has stopped taking writes"));
}
