using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Coupons.Api.Hosting;

/// <summary>
/// Traces through OpenTelemetry, sent by OTLP, only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
/// (the exporter reads it and the other <c>OTEL_*</c> settings from configuration, so from the
/// environment too): a span per request (ASP.NET Core's; not for the health routes,
/// <c>/metrics</c> and the dashboard) and the service's own (<see cref="Tracing"/>), the store's calls through
/// <see cref="TracedStore"/>. Unset, nothing is registered and no span is ever made.
/// </summary>
public static class TracingSetup
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static bool IsEnabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[EndpointKey]);

    /// <summary>Registers tracing if it is on; after <see cref="StoreHosting.AddCouponsStore"/>, whose store it wraps.</summary>
    public static IServiceCollection AddCouponsTracing(this IServiceCollection services, IConfiguration configuration)
    {
        if (!IsEnabled(configuration))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, names the service instead.
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService("coupons");
                }
            })
            .WithTracing(tracing => tracing
                .AddSource(Tracing.SourceName)
                // Query values are recorded as "Redacted" (the instrumentation's default); no header is recorded.
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsOperational(context.Request.Path))
                .AddOtlpExporter());
        TraceStore(services, StoreChoice.Of(configuration) == StoreKind.Redis ? "redis" : "embedded");
        return services;
    }

    /// <summary>The probes', the scrapers' and the live dashboard's routes, which would be most of the traces and tell nothing.</summary>
    private static bool IsOperational(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/dashboard", StringComparison.OrdinalIgnoreCase);

    /// <summary>The store's three faces registered again as one <see cref="TracedStore"/> in front of what they were.</summary>
    private static void TraceStore(IServiceCollection services, string store)
    {
        var coupons = Take<ICouponStore>(services);
        var orders = Take<IOrderStore>(services);
        var codes = Take<ICodeStore>(services);
        services.AddSingleton(sp => new TracedStore(coupons(sp), orders(sp), codes(sp), store));
        services.AddSingleton<ICouponStore>(sp => sp.GetRequiredService<TracedStore>());
        services.AddSingleton<IOrderStore>(sp => sp.GetRequiredService<TracedStore>());
        services.AddSingleton<ICodeStore>(sp => sp.GetRequiredService<TracedStore>());
    }

    private static Func<IServiceProvider, T> Take<T>(IServiceCollection services)
        where T : class
    {
        var registered = services.Last(s => s.ServiceType == typeof(T));
        services.Remove(registered);
        return registered switch
        {
            { ImplementationFactory: { } factory } => sp => (T)factory(sp),
            { ImplementationInstance: T instance } => _ => instance,
            _ => sp => (T)ActivatorUtilities.CreateInstance(sp, registered.ImplementationType!),
        };
    }
}
