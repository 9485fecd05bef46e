using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Coupons.Api.Http;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Hosting;

/// <summary>Load shedding, bound from <c>Coupons:Admission</c>.</summary>
public sealed class AdmissionOptions
{
    public const string Section = "Coupons:Admission";

    /// <summary>Whether requests past the limits are shed; off, every request is let in (and waits its turn).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Requests under <c>/v1</c> this node works on at once; past it a request is answered 503
    /// <c>overloaded</c> at once. By Little's law the wait it bounds is this over the node's rate:
    /// 1,024 at 10,000 claims/s is about 100 ms. The default sheds only a heavy overload; a node
    /// whose capacity is measured can be given a tighter bound (256 at 10,000/s is 26 ms).
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Coupons:Admission:MaxInFlight must be between 1 and 1,000,000")]
    public int MaxInFlight { get; set; } = 1024;

    /// <summary>
    /// Reads (GET and HEAD: listings, stats, the audit log, a coupon) are let in only while fewer than
    /// this many requests of any kind are in flight, so that past capacity they are shed first and
    /// claims and redemptions last.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "Coupons:Admission:MaxReadsInFlight must be between 1 and 1,000,000")]
    public int MaxReadsInFlight { get; set; } = 512;
}

/// <summary>
/// Admission control in front of everything else a request under <c>/v1</c> meets (authentication,
/// protections, the store): a count of the requests in flight on this node and two ceilings
/// (<see cref="AdmissionOptions"/>). A request over its ceiling costs a problem written at once, not
/// a place in a queue, so the requests let in keep their latency through a spike. Health, metrics,
/// the OpenAPI document and the dashboard are never shed.
/// </summary>
internal sealed class Admission
{
    private readonly int _maxInFlight;
    private readonly int _maxReadsInFlight;
    private readonly Counter<long> _shed;
    private int _inFlight;
    private long _shedSoFar;

    public Admission(IOptions<AdmissionOptions> options, IMeterFactory meters)
    {
        _maxInFlight = options.Value.MaxInFlight;
        _maxReadsInFlight = Math.Min(options.Value.MaxReadsInFlight, _maxInFlight);
        var meter = meters.Create("Coupons");
        _shed = meter.CreateCounter<long>("coupons.admission.shed", "{request}", "Requests answered 503 overloaded by admission control, by kind (read, write)");
        meter.CreateObservableGauge("coupons.admission.in_flight", () => Volatile.Read(ref _inFlight), "{request}", "Requests under /v1 this node is working on");
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Requests shed since the node started (the live dashboard's shed/s comes from its growth).</summary>
    public long ShedSoFar => Volatile.Read(ref _shedSoFar);

    /// <summary>Lets a request in, or says it is over its ceiling (and counts it shed).</summary>
    public bool TryEnter(bool read)
    {
        if (Interlocked.Increment(ref _inFlight) <= (read ? _maxReadsInFlight : _maxInFlight))
        {
            return true;
        }

        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _shedSoFar);
        _shed.Add(1, new KeyValuePair<string, object?>("kind", read ? "read" : "write"));
        return false;
    }

    public void Leave() => Interlocked.Decrement(ref _inFlight);
}

internal static class AdmissionSetup
{
    public static IServiceCollection AddAdmission(this IServiceCollection services)
    {
        services.AddOptions<AdmissionOptions>().BindConfiguration(AdmissionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services.AddSingleton<Admission>();
    }

    /// <summary>Sheds requests under <c>/v1</c> past the ceilings, unless <c>Coupons:Admission:Enabled</c> is false.</summary>
    public static void UseAdmission(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<AdmissionOptions>>().Value.Enabled)
        {
            return;
        }

        var admission = app.Services.GetRequiredService<Admission>();
        app.Use((context, next) =>
        {
            var request = context.Request;
            if (!request.Path.StartsWithSegments("/v1", StringComparison.Ordinal))
            {
                return next(context);
            }

            return admission.TryEnter(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                ? AdmittedAsync(admission, context, next)
                : ShedAsync(context);
        });
    }

    private static async Task AdmittedAsync(Admission admission, HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            admission.Leave();
        }
    }

    private static Task ShedAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemCodes.Overloaded, "The service is shedding load; try again shortly.", "too many requests in flight on this node")
            .ExecuteAsync(context);
    }
}
