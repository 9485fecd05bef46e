using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Coupons.Client;

namespace Coupons.Benchmarks.Client;

/// <summary>
/// What <see cref="CouponsClient"/> costs per call on the caller's side (building the request,
/// reading the answer or the problem), over a handler that answers at once with bytes prepared up
/// front: no socket, no server. The load tool calls this way, so this is its own cost per request
/// besides the connection's.
/// </summary>
[MemoryDiagnoser]
public class ClientBenchmarks
{
    private static readonly Guid CampaignId = Guid.Parse("0193b5a4-7c1e-7d2a-9f00-6a1b2c3d4e5f");
    private static readonly Guid CouponId = Guid.Parse("0193b5a4-7c1e-7d2a-9f00-000000000001");

    private HttpClient _created = null!;
    private HttpClient _soldOut = null!;
    private HttpClient _locked = null!;
    private CouponsClient _claimer = null!;
    private CouponsClient _refused = null!;
    private CouponsClient _locker = null!;

    [GlobalSetup]
    public void Setup()
    {
        var coupon = $$"""
            {"id":"{{CouponId}}","campaignId":"{{CampaignId}}","userId":"user-123456","status":"unused","claimedAt":"2026-11-26T10:11:12.345+00:00",
             "validFrom":"2026-11-26T10:11:12.345+00:00","validTo":"2026-12-26T10:11:12.345+00:00","discount":{"type":"amount_off","amountOff":500},"minOrderAmount":0}
            """;
        var problem = """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.10","title":"The campaign's stock is gone.","status":409,"code":"sold_out","traceId":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}""";
        var redemption = $$"""{"coupon":{{coupon.Replace("\"unused\"", "\"locked\"", StringComparison.Ordinal)}},"discount":500,"payable":9500}""";
        var token = new string('t', 240); // about a real token's length
        (_created, _claimer) = Over(HttpStatusCode.Created, coupon, "application/json", token);
        (_soldOut, _refused) = Over(HttpStatusCode.Conflict, problem, "application/problem+json", token);
        (_locked, _locker) = Over(HttpStatusCode.OK, redemption, "application/json", token);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _created.Dispose();
        _soldOut.Dispose();
        _locked.Dispose();
    }

    [Benchmark]
    public async Task<Guid> Claim_Created() => (await _claimer.TryClaimAsync(CampaignId)).Value!.Coupon.Id;

    [Benchmark]
    public async Task<ProblemCode> Claim_SoldOut() => (await _refused.TryClaimAsync(CampaignId)).Code;

    [Benchmark]
    public async Task<long> Lock() => (await _locker.TryLockAsync(CouponId, "order-42", 10_000)).Value!.Payable;

    private static (HttpClient Http, CouponsClient Client) Over(HttpStatusCode status, string body, string mediaType, string token)
    {
        var http = new HttpClient(new Answering(status, Encoding.UTF8.GetBytes(body), mediaType)) { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var client = new CouponsClient(http, new CouponsClientOptions { GenerateIdempotencyKeys = false }).WithBearerToken(token);
        return (http, client);
    }

    /// <summary>Answers every request with the same status and body.</summary>
    private sealed class Answering(HttpStatusCode status, byte[] body, string mediaType) : HttpMessageHandler
    {
        private readonly MediaTypeHeaderValue _type = new(mediaType);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new ByteArrayContent(body) { Headers = { ContentType = _type } } });
    }
}
