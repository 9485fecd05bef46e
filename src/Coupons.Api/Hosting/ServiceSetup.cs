using System.Security.Authentication;
using Coupons.Api.Apis;
using Coupons.Api.Auth;
using Coupons.Api.Codes;
using Coupons.Api.Contracts;
using Coupons.Api.Dashboard;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Api.Protection;
using Coupons.Core;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Coupons.Api.Hosting;

public static partial class ServiceSetup
{
    /// <summary>The service's builder: configuration from appsettings.json, appsettings.{Environment}.json, the environment and <paramref name="args"/>.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        // Settings are read once at start. Reloading appsettings.json on change would watch the whole
        // content root, where the embedded store's data lives by default, and wake on every commit.
        return WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
    }

    /// <summary>Everything the service needs, from configuration.</summary>
    public static WebApplicationBuilder AddCouponsService(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = JsonBody.MaxBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            // HTTPS endpoints (Kestrel:Endpoints:*:Certificate from configuration) speak TLS 1.2 and 1.3 only.
            kestrel.ConfigureHttpsDefaults(https => https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13);
        });
        // Sent on HTTPS answers only; local host names (localhost, 127.0.0.1, [::1]) are left out, so a
        // browser does not pin them to HTTPS.
        services.AddOptions<TlsOptions>().Bind(configuration.GetSection(TlsOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHsts(_ => { });
        services.AddOptions<HstsOptions>().Configure<IOptions<TlsOptions>>((options, tls) =>
        {
            options.MaxAge = tls.Value.HstsMaxAge;
            options.IncludeSubDomains = true;
        });
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, CouponsJsonContext.Default);
            // Numbers are numbers, as JsonBody reads them; this also keeps "or a string" out of the OpenAPI schemas.
            options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd("code", Problems.CodeForStatus(status));
        });
        services.AddExceptionHandler<ExceptionToProblem>();
        services.AddCouponsAuth(configuration);
        services.AddCodeProtection(configuration);
        services.AddCouponsStore(configuration);
        services.AddCouponsProtection(configuration);
        services.AddCouponsOpenApi(configuration);
        services.AddDashboard();
        services.AddAdmission();
        services.AddCouponsTracing(configuration);
        // Request duration and connection metrics only: ASP.NET Core's other meters (authentication,
        // authorization, routing, …) record on every request and cost over a third of the throughput
        // of an authenticated read on a 2-core machine, for little a dashboard needs.
        if (MetricsOptions.AreEnabled(configuration))
        {
            services.AddOpenTelemetry().WithMetrics(metrics => metrics
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Coupons")
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        }

        return builder;
    }

    /// <summary>GET /metrics, unless <c>Coupons:Metrics:Enabled</c> is false.</summary>
    private static void MapMetrics(WebApplication app)
    {
        if (MetricsOptions.AreEnabled(app.Configuration))
        {
            app.MapPrometheusScrapingEndpoint();
        }
    }

    /// <summary>
    /// The middleware and every route of the HTTP contract, once every setting is checked
    /// (<see cref="SettingsCheck"/>: a bad one throws <see cref="InvalidSettingsException"/> before
    /// any key file is created or anything connects).
    /// </summary>
    public static WebApplication MapCouponsService(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        SettingsCheck.ThrowIfInvalid(app.Services, app.Configuration);
        // First: a request shed past capacity costs as little as it can.
        app.UseAdmission();
        app.UseForwardedClients();
        app.UseHsts();
        app.UseDashboard();
        app.UseExceptionHandler();
        // Problem details whatever the client's Accept header says: the contract promises JSON errors.
        app.UseStatusCodePages(context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            return Problems.Create(status, Problems.CodeForStatus(status), ReasonPhrases.GetReasonPhrase(status)).ExecuteAsync(context.HttpContext);
        });
        app.UseAuthentication();
        app.UseCouponsProtection();
        // Every change this request makes is audited with its caller.
        app.Use(async (context, next) =>
        {
            AuditScope.Set(ActorOf(context));
            await next(context).ConfigureAwait(false);
        });
        app.UseAuthorization();

        app.MapCampaignsApi();
        app.MapCouponsApi();
        app.MapCodesApi();
        app.MapCheckoutApi();
        app.MapOrdersApi();
        app.MapBlocklistApi();
        app.MapFraudApi();
        app.MapAuditApi();
        app.MapJobsApi();
        app.MapIssuancesApi();
        app.MapCampaignCodesApi();
        app.MapDashboard();

        // GET only, as documented (HealthPaths): another method is answered 405.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }).WithMetadata(new HttpMethodMetadata([HttpMethods.Get]));
        app.MapOpenApi();
        MapMetrics(app);

        LogSigningKey(app);
        app.LogCodeKeys();

        return app;
    }

    private static void LogSigningKey(WebApplication app)
    {
        var key = app.Services.GetRequiredService<SigningKey>();
        if (key.Created)
        {
            LogKeyCreated(app.Logger, key.Source);
        }
        else
        {
            LogKeySource(app.Logger, key.Key.KeyId, key.Source);
        }

        if (key.ValidationKeys.Count > 0)
        {
            LogValidationKeys(app.Logger, string.Join(", ", key.ValidationKeys.Select(k => k.KeyId)));
        }
    }

    private static AuditActor ActorOf(HttpContext context)
    {
        // The protections read the address already when they are on; the caller is read once per request.
        var facts = ClientFacts.Of(context);
        var ip = facts is not null ? facts.IpText : ClientFacts.Normalize(context.Connection.RemoteIpAddress)?.ToString();
        return Caller.Find(context) is not { } caller
            ? new AuditActor("anonymous", "anonymous", ip)
            : new AuditActor(
                caller.UserId,
                caller.Role switch { CallerRole.User => "user", CallerRole.Service => "service", CallerRole.Admin => "admin", _ => "unknown" },
                ip);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No Coupons:Auth:SigningKey configured: created a development signing key in {Path}. Make tokens with: dotnet run --project src/Coupons.Api -- token --sub <user> [--role admin|service]")]
    private static partial void LogKeyCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Token signing key {KeyId} from {Source}")]
    private static partial void LogKeySource(ILogger logger, string keyId, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Also accepting tokens signed with keys {KeyIds} (Coupons:Auth:ValidationKeys)")]
    private static partial void LogValidationKeys(ILogger logger, string keyIds);
}
