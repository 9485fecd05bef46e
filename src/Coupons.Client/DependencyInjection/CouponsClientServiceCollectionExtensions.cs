using Coupons.Client;
using Coupons.Client.Resilience;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="CouponsClient"/> with <see cref="System.Net.Http.IHttpClientFactory"/>.</summary>
public static class CouponsClientServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the client is registered with.</summary>
    public const string HttpClientName = "Coupons.Client";

    /// <summary>
    /// Registers <see cref="CouponsClient"/> (transient, over a pooled <see cref="HttpClient"/> named
    /// <see cref="HttpClientName"/>) with a resilience handler that retries what is safe to repeat and
    /// honours <c>Retry-After</c>, and a timeout per attempt. Returns the client's builder, to add
    /// handlers of your own (they run inside the retries, once per attempt) or set its primary handler.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the service's address, the token provider and the retry settings.</param>
    public static IHttpClientBuilder AddCouponsClient(this IServiceCollection services, Action<CouponsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<CouponsClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true }, "CouponsClientOptions.BaseAddress must be an absolute URI")
            .Validate(o => o.MaxRetryAttempts >= 0, "CouponsClientOptions.MaxRetryAttempts must be at least 0")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero, "CouponsClientOptions.AttemptTimeout must be positive");

        var builder = services.AddHttpClient(HttpClientName, (provider, http) =>
                http.BaseAddress = CouponsClient.WithTrailingSlash(Options(provider).BaseAddress!))
            .AddTypedClient((http, provider) => new CouponsClient(http, Options(provider)));
        builder.AddResilienceHandler("coupons", (pipeline, context) =>
            CouponsRetry.Configure(pipeline, Options(context.ServiceProvider)));
        return builder;
    }

    private static CouponsClientOptions Options(IServiceProvider provider) => provider.GetRequiredService<IOptions<CouponsClientOptions>>().Value;
}
