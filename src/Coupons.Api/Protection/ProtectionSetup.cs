using System.Net;
using Coupons.Api.Hosting;
using Coupons.Api.Http;
using Coupons.Embedded;
using Coupons.Redis;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Coupons.Api.Protection;

/// <summary>Marks the endpoint whose requests the per-campaign admission cap counts (claims).</summary>
public sealed class CampaignAdmission
{
    public static readonly CampaignAdmission Instance = new();

    private CampaignAdmission()
    {
    }
}

/// <summary>
/// Reads who a request comes from (<see cref="ClientFacts"/>), refuses a malformed
/// <c>X-Device-Id</c> (400) and anything the blocklist names (403 <c>blocked</c>). Runs after
/// authentication and before the rate limits, on the API's routes (<c>/v1</c>) only.
/// </summary>
internal sealed class ProtectionMiddleware(RequestDelegate next, Blocklist blocklist, FraudSignals fraud, ProtectionMetrics metrics, TimeProvider time, IOptions<ProtectionOptions> options)
{
    private readonly HashSet<CallerRole> _exempt = ProtectionOptions.Roles(options.Value.ExemptRoles);

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
        {
            return next(context);
        }

        string? device = null;
        // An empty header is no header: some clients and proxies send one for "not set".
        if (context.Request.Headers.TryGetValue(ClientFacts.DeviceHeader, out var values) && !StringValues.IsNullOrEmpty(values))
        {
            if (values.Count != 1 || values[0] is not { } value || !ClientFacts.IsValidDeviceId(value))
            {
                return Problems.Validation(ClientFacts.DeviceHeader, $"must be one value of 1 to {ClientFacts.MaxDeviceIdLength} visible ASCII characters").ExecuteAsync(context);
            }

            device = value;
        }

        var caller = Caller.Find(context);
        var role = caller?.Role ?? CallerRole.Unknown;
        var facts = new ClientFacts
        {
            Ip = ClientFacts.Normalize(context.Connection.RemoteIpAddress),
            Device = device,
            User = role == CallerRole.User ? caller!.Value.UserId : null,
            Role = role,
            Exempt = _exempt.Contains(role),
            ClaimCampaign = context.GetEndpoint()?.Metadata.GetMetadata<CampaignAdmission>() is not null
                && context.Request.RouteValues.TryGetValue("id", out var id) && Guid.TryParse(id as string, out var campaignId) ? campaignId : null,
        };
        context.Features.Set(facts);
        if (!facts.Exempt && blocklist.Current.Match(facts, time.GetUtcNow()) is { } entry)
        {
            metrics.Refused("blocked_" + entry.Kind);
            return Problems.Create(StatusCodes.Status403Forbidden, "blocked", "Blocked.", $"This {Describe(entry.Kind)} is blocked.").ExecuteAsync(context);
        }

        if (!facts.Exempt && facts.ClaimCampaign is not null && facts.User is not null)
        {
            // Every claim attempt counts, those the limits refuse next included.
            fraud.ObserveClaim(facts);
        }

        return next(context);
    }

    private static string Describe(string kind) => kind switch
    {
        BlockEntry.Ip => "address",
        _ => kind,
    };
}

public static class ProtectionSetup
{
    /// <summary>Rate limits, the blocklist and trusted proxies, kept where the store keeps its state.</summary>
    public static IServiceCollection AddCouponsProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProtectionOptions>()
            .Bind(configuration.GetSection(ProtectionOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ProtectionMetrics>();
        var redis = StoreChoice.ForRegistration(configuration) == StoreKind.Redis;
        if (redis)
        {
            services.AddSingleton<IBlocklistStore>(sp => new RedisBlocklistStore(new RedisBlocklist(
                sp.GetRequiredService<RedisCouponStore>().Connection, sp.GetRequiredService<IOptions<RedisStoreOptions>>().Value.KeyPrefix)));
            // Counted through the store's guard: a hung Redis fails a count (503), never holds a request.
            services.AddSingleton<ISignalStore>(sp => new RedisSignalStore(sp.GetRequiredService<RedisCouponStore>().Signals()));
        }
        else
        {
            var dataDir = EmbeddedStoreOptions.DataDirOf(configuration);
            services.AddSingleton<IBlocklistStore>(_ => new FileBlocklistStore(dataDir));
            services.AddSingleton<ISignalStore>(sp => new LocalSignalStore(sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<Blocklist>();
        services.AddSingleton<FraudSignals>();
        services.AddSingleton<CodeGuessing>();
        services.AddHostedService<BlocklistRefresher>();
        services.AddCouponsRateLimits(shared: redis);

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProtectionOptions>>((options, protection) =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            // Checked with the other settings: each parses.
            foreach (var proxy in protection.Value.TrustedProxies.Select(ProtectionOptions.NetworkOf).OfType<System.Net.IPNetwork>())
            {
                options.KnownIPNetworks.Add(proxy);
            }

            // Walk back through every trusted proxy in the chain; the first address that is not one is the client.
            options.ForwardLimit = null;
        });
        return services;
    }

    /// <summary>Trusted proxies first (when any are configured), then blocklist and rate limits after authentication.</summary>
    public static WebApplication UseForwardedClients(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ProtectionOptions>>().Value.TrustedProxies.Length > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    public static WebApplication UseCouponsProtection(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<ProtectionOptions>>().Value.Enabled)
        {
            return app;
        }

        app.UseMiddleware<ProtectionMiddleware>();
        app.UseRateLimiter();
        return app;
    }
}
