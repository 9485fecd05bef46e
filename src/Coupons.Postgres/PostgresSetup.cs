using Coupons.Core;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupons.Postgres;

public static class PostgresSetup
{
    /// <summary>
    /// The scale-out system of record beside a Redis store (which must be registered too: this reads
    /// its connection and key layout). Settings from <c>Coupons:Postgres</c>, checked when the host
    /// starts; the audit log (<see cref="PostgresAuditLog"/>); and, when <c>Coupons:Postgres:Shards</c>
    /// are configured, this node's persister, which drains the Redis streams into them.
    /// </summary>
    public static IServiceCollection AddPostgresPersister(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(PostgresOptions.Section);
        services.AddOptions<PostgresOptions>()
            .Bind(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<PersisterSettings>()
            .Bind(configuration.GetSection(PersisterSettings.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new AuditStream(
            sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<RedisKeys>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAuditLog>(sp => new PostgresAuditLog(sp.GetRequiredService<AuditStream>(), sp.GetRequiredService<IOptions<PostgresOptions>>().Value));
        if (section.GetSection(nameof(PostgresOptions.Shards)).GetChildren().Any())
        {
            services.AddHostedService<PersisterService>();
        }

        return services;
    }
}
