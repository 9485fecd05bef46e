using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Coupons.Redis;

public static class RedisStoreSetup
{
    /// <summary>
    /// The Redis store (<c>Coupons:Store=redis</c>): its settings from <c>Coupons:Redis</c>, checked
    /// when the host starts; the store, connecting in the background (not ready until it reaches
    /// Redis), as <see cref="ICouponStore"/> and <see cref="ICodeStore"/>; its connection and key layout, for the readers of its
    /// state beside it (the PostgreSQL persister, the audit log); and the sweeper every node runs.
    /// </summary>
    public static IServiceCollection AddRedisStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RedisStoreOptions>()
            .Bind(configuration.GetSection(RedisStoreOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // Coupons' own codes come from the code keys (a CodeProtector the host registers: AddCodeProtection).
        services.TryAddSingleton(sp => new CouponOwnCodes(sp.GetRequiredService<CodeProtector>()));
        services.AddSingleton(sp => RedisCouponStore.Connect(
            sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<CouponOwnCodes>()));
        services.AddSingleton<ICouponStore>(sp => sp.GetRequiredService<RedisCouponStore>());
        services.AddSingleton<IOrderStore>(sp => sp.GetRequiredService<RedisCouponStore>());
        services.AddSingleton<ICodeStore>(sp => sp.GetRequiredService<RedisCouponStore>());
        services.AddSingleton<IConnectionMultiplexer>(sp => sp.GetRequiredService<RedisCouponStore>().Connection);
        services.AddSingleton(sp => sp.GetRequiredService<RedisCouponStore>().Keys);
        services.AddHostedService<RedisSweeper>();
        return services;
    }
}
