using System.Net;
using System.Text;
using Coupons.Api.Hosting;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Coupons.Api.Tests;

/// <summary>Admission control with room for two requests, reads for one (Coupons:Admission).</summary>
public sealed class NarrowAdmissionFactory : CouponsApiFactory
{
    protected override IEnumerable<(string Key, string Value)> Settings =>
        [("Coupons:Admission:MaxInFlight", "2"), ("Coupons:Admission:MaxReadsInFlight", "1")];
}

/// <summary>
/// As <see cref="NarrowAdmissionFactory"/> with room for one request, and admission control off; the
/// requests in the pipeline counted ahead of the service's own middleware (<see cref="EnteredRequests"/>),
/// since admission control, off, counts nothing.
/// </summary>
public sealed class AdmissionOffFactory : CouponsApiFactory
{
    public EnteredRequests Entered { get; } = new();

    protected override IEnumerable<(string Key, string Value)> Settings =>
        [("Coupons:Admission:Enabled", "false"), ("Coupons:Admission:MaxInFlight", "1"), ("Coupons:Admission:MaxReadsInFlight", "1")];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IStartupFilter>(Entered);
}

/// <summary>Counts the requests in the pipeline, from before the first of the service's middleware until they leave it.</summary>
public sealed class EnteredRequests : IStartupFilter
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, inner) =>
        {
            Interlocked.Increment(ref _count);
            try
            {
                await inner(context);
            }
            finally
            {
                Interlocked.Decrement(ref _count);
            }
        });
        next(app);
    };
}

/// <summary>
/// Load shedding: requests are held in flight by bodies that have not finished arriving (a campaign's
/// creation whose JSON is sent in two parts), so the node has exactly as many in flight as the test says.
/// </summary>
public sealed class AdmissionTests(NarrowAdmissionFactory factory) : ApiTestBase<NarrowAdmissionFactory>(factory), IClassFixture<NarrowAdmissionFactory>
{
    [Fact]
    public async Task Past_its_ceilings_a_request_is_shed_at_once_reads_first_and_health_never()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 100));
        var admission = Factory.Services.GetRequiredService<Admission>();

        var (_, user) = NewUser();
        var first = HeldRequest.Start(Admin);
        await WaitInFlightAsync(admission, 1);
        // One in flight: a read would be the second (its ceiling is one); a claim is let in.
        using (var read = await user.GetPathAsync($"/v1/campaigns/{campaignId}"))
        {
            await read.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "overloaded");
            Assert.Equal("1", read.Headers.GetValues("Retry-After").Single());
        }

        using (var claim = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))
        {
            await claim.AssertStatusAsync(HttpStatusCode.Created);
        }

        var second = HeldRequest.Start(Admin);
        await WaitInFlightAsync(admission, 2);
        // Two in flight: a write is shed too; health is not under the ceilings.
        using (var claim = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))
        {
            await claim.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "overloaded");
        }

        using (var ready = await Anonymous.GetPathAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // The held requests finish as they would have; then the node takes every kind again.
        await first.FinishAsync(HttpStatusCode.Created);
        await second.FinishAsync(HttpStatusCode.Created);
        Assert.Equal(0, admission.InFlight);
        using (var read = await user.GetPathAsync($"/v1/campaigns/{campaignId}"))
        {
            await read.AssertStatusAsync(HttpStatusCode.OK);
        }

        var (_, other) = NewUser();
        using var again = await other.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await again.AssertStatusAsync(HttpStatusCode.Created);
        // Nothing shed was half done: the stock counts the two claims let in.
        Assert.Equal(2, (await GetCampaignAsync(campaignId)).Long("issued"));
    }

    internal static async Task WaitInFlightAsync(Admission admission, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (admission.InFlight != count)
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}

public sealed class AdmissionOffTests(AdmissionOffFactory factory) : ApiTestBase<AdmissionOffFactory>(factory), IClassFixture<AdmissionOffFactory>
{
    [Fact]
    public async Task Off_nothing_is_shed()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 10));
        var (_, user) = NewUser();
        var held = HeldRequest.Start(Admin);
        // The held request is in the pipeline, past where admission control would have counted it.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (Factory.Entered.Count != 1)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        using (var claim = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))
        {
            await claim.AssertStatusAsync(HttpStatusCode.Created);
        }

        using (var read = await user.GetPathAsync($"/v1/campaigns/{campaignId}"))
        {
            await read.AssertStatusAsync(HttpStatusCode.OK);
        }

        await held.FinishAsync(HttpStatusCode.Created);
        Assert.Equal(0, Factory.Services.GetRequiredService<Admission>().InFlight);
        Assert.Equal(0, Factory.Entered.Count);
    }
}

/// <summary>A campaign's creation whose body stops half way until <see cref="FinishAsync"/>: a request in flight for as long as a test needs.</summary>
internal sealed class HeldRequest : HttpContent
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _first;
    private readonly byte[] _rest;
    private Task<HttpResponseMessage> _response = null!;

    private HeldRequest(string json)
    {
        var half = json.Length / 2;
        _first = Encoding.UTF8.GetBytes(json[..half]);
        _rest = Encoding.UTF8.GetBytes(json[half..]);
        Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
    }

    public static HeldRequest Start(HttpClient admin)
    {
        var body = """{"name":"Held","discount":{"type":"amount_off","amountOff":100},"totalStock":1,"perUserLimit":1,"validity":{"days":1}}""";
        var held = new HeldRequest(body);
        held._response = admin.PostAsync(new Uri("/v1/campaigns", UriKind.Relative), held);
        return held;
    }

    public async Task FinishAsync(HttpStatusCode expected)
    {
        _release.TrySetResult();
        using var response = await _response;
        Assert.Equal(expected, response.StatusCode);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
    {
        await stream.WriteAsync(_first);
        await stream.FlushAsync();
        await _release.Task;
        await stream.WriteAsync(_rest);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
