using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Coupons.Embedded;

public static class EmbeddedStoreSetup
{
    /// <summary>
    /// The embedded store as the service's <see cref="ICouponStore"/> and <see cref="IAuditLog"/>:
    /// its settings bound from <c>Coupons:Embedded</c> and checked when the host starts, and the
    /// store opened in the background once the host runs (<see cref="EmbeddedStoreOpener"/>).
    /// Uses the registered <see cref="TimeProvider"/>, or the system clock if there is none, and the
    /// registered <see cref="CodeProtector"/> for every coupon's own code; the store is the
    /// <see cref="ICodeStore"/> too.
    /// </summary>
    public static IServiceCollection AddEmbeddedStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmbeddedStoreOptions>()
            .Bind(configuration.GetSection(EmbeddedStoreOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // The code keys (a CodeProtector, from AddCodeProtection) are asked for when the store opens:
        // kept in the data folder, they may be unreadable, which leaves the store not ready.
        services.AddSingleton(sp => new EmbeddedCouponStore(
            sp.GetRequiredService<IOptions<EmbeddedStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            () => new CouponOwnCodes(sp.GetRequiredService<CodeProtector>())));
        services.AddSingleton<ICouponStore>(sp => sp.GetRequiredService<EmbeddedCouponStore>());
        services.AddSingleton<IOrderStore>(sp => sp.GetRequiredService<EmbeddedCouponStore>());
        services.AddSingleton<ICodeStore>(sp => sp.GetRequiredService<EmbeddedCouponStore>());
        services.AddSingleton<IAuditLog>(sp => sp.GetRequiredService<EmbeddedCouponStore>().AuditLog);
        services.AddHostedService<EmbeddedStoreOpener>();
        return services;
    }
}
