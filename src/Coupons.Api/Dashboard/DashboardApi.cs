using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Hosting;
using Coupons.Core;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Coupons.Api.Dashboard;

/// <summary>
/// The live dashboard: <c>GET /dashboard</c> serves a page (and its scripts, styles and the vendored
/// uPlot charts under <c>/dashboard/</c>, built into the assembly, so it works offline and from a
/// read-only file system) that asks for an admin token and then polls <c>GET /dashboard/data</c>
/// (admins only) every second. The page itself holds no data; without an admin token it shows none.
/// Neither route is part of the versioned API (they are left out of the OpenAPI document).
/// </summary>
internal static class DashboardApi
{
    public const string PagePath = "/dashboard";

    /// <summary>At most this many active campaigns are shown, in the store's listing order.</summary>
    public const int MaxCampaigns = 20;

    // Scripts and styles from this origin only, nothing inline, no frames, no form posts, no <base>.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private static readonly EmbeddedFileProvider Files = new(typeof(DashboardApi).Assembly, "Coupons.Api.Dashboard.Page");

    public static IServiceCollection AddDashboard(this IServiceCollection services) =>
        services.AddSingleton<RequestLatency>();

    /// <summary>Times <c>/v1</c> requests while a dashboard watches, and serves the page's static files.</summary>
    public static void UseDashboard(this WebApplication app)
    {
        var latency = app.Services.GetRequiredService<RequestLatency>();
        app.Use((context, next) => latency.Watching && context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal)
            ? TimedAsync(latency, context, next)
            : next(context));
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            RequestPath = PagePath,
            OnPrepareResponse = file => Secure(file.Context.Response, TimeSpan.FromHours(1)),
        });
    }

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet(PagePath, (HttpContext context) =>
        {
            Secure(context.Response, cacheFor: null);
            return Results.Stream(Files.GetFileInfo("index.html").CreateReadStream(), "text/html; charset=utf-8");
        }).ExcludeFromDescription();

        app.MapGet(PagePath + "/data", async (HttpContext context, ICouponStore store, BusinessMetrics metrics, RequestLatency latency, Admission admission, TimeProvider time, CancellationToken ct) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(await SnapshotAsync(store, metrics, latency, admission, time, ct).ConfigureAwait(false));
        }).RequireAuthorization(AuthExtensions.Admin).ExcludeFromDescription();
    }

    private static async Task TimedAsync(RequestLatency latency, HttpContext context, RequestDelegate next)
    {
        var started = latency.Start();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            latency.Record(started);
        }
    }

    private static void Secure(HttpResponse response, TimeSpan? cacheFor)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers[HeaderNames.XFrameOptions] = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = cacheFor is { } age ? $"private, max-age={(int)age.TotalSeconds}" : "no-store";
    }

    private static async Task<DashboardSnapshot> SnapshotAsync(
        ICouponStore store, BusinessMetrics metrics, RequestLatency latency, Admission admission, TimeProvider time, CancellationToken ct)
    {
        var campaigns = new List<DashboardCampaign>();
        var more = false;
        if (store.IsReady)
        {
            var page = await store.ListCampaignsAsync(CampaignFilter.WithStatus(CampaignStatus.Active), after: null, MaxCampaigns, ct).ConfigureAwait(false);
            more = page.NextAfter is not null;
            var stats = await Task.WhenAll(page.Items.Select(c => store.GetStatsAsync(c.Id, ct).AsTask())).ConfigureAwait(false);
            for (var i = 0; i < page.Items.Count; i++)
            {
                if (stats[i] is { } s)
                {
                    var campaign = page.Items[i];
                    campaigns.Add(new DashboardCampaign(
                        Ids.Format(campaign.Id), campaign.Definition.Name, WireNames.Of(campaign.Status),
                        s.TotalStock, s.Issued, s.RemainingStock, s.Locked, s.Used, s.Rejected.Values.Sum()));
                }
            }
        }

        return new DashboardSnapshot(
            time.GetUtcNow(), store.IsReady, latency.Read() with { InFlight = admission.InFlight, Shed = admission.ShedSoFar },
            metrics.ClaimsSoFar(), metrics.RedemptionsSoFar(), metrics.OrdersSoFar(), campaigns, more);
    }
}
