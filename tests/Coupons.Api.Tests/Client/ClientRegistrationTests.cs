using System.Net;
using System.Text;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Tests.Client;

/// <summary>
/// <c>AddCouponsClient</c>: the client resolves from the container and calls the service with the
/// token provider's token; the retry handler repeats only what is safe to repeat.
/// </summary>
public sealed class ClientRegistrationTests(CouponsApiFactory factory) : IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task The_registered_client_resolves_and_calls_with_the_providers_token()
    {
        var calls = 0;
        var services = new ServiceCollection();
        var builder = services.AddCouponsClient(options =>
        {
            options.BaseAddress = factory.Server.BaseAddress;
            options.TokenProvider = _ =>
            {
                Interlocked.Increment(ref calls);
                return ValueTask.FromResult<string?>(CouponsApiFactory.Token("admin-di", "admin"));
            };
        });
        builder.ConfigurePrimaryHttpMessageHandler(() => factory.Server.CreateHandler())
            .AddHttpMessageHandler(() => new Contract.ContractCheckingHandler());
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<CouponsClient>();
        var campaign = await client.CreateCampaignAsync(new NewCampaign("Registered", new AmountOffDiscount(100), 1, Validity.ForDays(1)));
        Assert.Equal(campaign.Id, (await client.GetCampaignAsync(campaign.Id)).Id);
        Assert.Equal(2, calls);
        Assert.Equal(CouponsClientServiceCollectionExtensions.HttpClientName, builder.Name);
    }

    [Fact]
    public void A_registration_without_an_address_fails_when_resolved()
    {
        var services = new ServiceCollection();
        services.AddCouponsClient(_ => { });
        using var provider = services.BuildServiceProvider();
        var failure = Assert.Throws<OptionsValidationException>(provider.GetRequiredService<CouponsClient>);
        Assert.Contains("BaseAddress", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Safe_calls_are_retried_after_a_503_and_unsafe_ones_are_not()
    {
        var stub = new StubHandler();
        await using var provider = StubbedServices(stub, generateKeys: true);
        var client = provider.GetRequiredService<CouponsClient>();
        var couponId = Guid.NewGuid();

        stub.Answer(Unavailable(), Ok(RedemptionJson(couponId)));
        Assert.Equal(9_500, (await client.LockAsync(couponId, "order-1", 10_000)).Payable);
        Assert.Equal(2, stub.Requests);

        stub.Answer(Unavailable(), Ok(CouponJson(couponId)));
        var claimed = await client.ClaimAsync(Guid.NewGuid());
        Assert.Equal((2, couponId), (stub.Requests, claimed.Coupon.Id));
        Assert.Equal(claimed.IdempotencyKey, stub.IdempotencyKeys.Distinct().Single());

        stub.Answer(Unavailable(), Ok(CampaignJson()));
        var refused = await Assert.ThrowsAsync<CouponsApiException>(() => client.AddStockAsync(Guid.NewGuid(), 10));
        Assert.Equal((1, ProblemCode.Overloaded, TimeSpan.Zero), (stub.Requests, refused.Code, refused.RetryAfter));
    }

    [Fact]
    public async Task A_claim_without_a_key_is_not_retried_when_the_client_makes_no_keys()
    {
        var stub = new StubHandler();
        await using var provider = StubbedServices(stub, generateKeys: false);
        stub.Answer(Unavailable(), Ok(CouponJson(Guid.NewGuid())));
        var result = await provider.GetRequiredService<CouponsClient>().TryClaimAsync(Guid.NewGuid());
        Assert.Equal((503, 1, 0), (result.Status, stub.Requests, stub.IdempotencyKeys.Count));
    }

    [Fact]
    public async Task A_claim_by_code_is_retried_without_a_key_of_the_clients_and_a_generation_with_one()
    {
        var stub = new StubHandler();
        await using var provider = StubbedServices(stub, generateKeys: true);
        var client = provider.GetRequiredService<CouponsClient>();

        // A shared code without a key gives the same coupon again, so the client adds none (one per
        // call would claim a new coupon each time) and a retry is still safe.
        var couponId = Guid.NewGuid();
        stub.Answer(Unavailable(), Created(CouponJson(couponId)));
        var claimed = await client.ClaimByCodeAsync("summer-25");
        Assert.Equal((2, 0, couponId, false, (string?)null), (stub.Requests, stub.IdempotencyKeys.Count, claimed.Coupon.Id, claimed.IsReplay, claimed.IdempotencyKey));

        stub.Answer(Unavailable(), Ok(CouponJson(couponId)));
        var found = await client.LookupCodeAsync("K7QM-X4TR-9HWQ");
        Assert.Equal((2, couponId), (stub.Requests, found.Id));

        var jobId = Guid.NewGuid();
        stub.Answer(Unavailable(), Ok(JobJson(jobId)));
        var job = await client.GenerateCodesAsync(Guid.NewGuid(), 1_000, prefix: "SUMMER");
        Assert.Equal((2, jobId, JobStatus.Queued), (stub.Requests, job.Id, job.Status));
        Assert.Single(stub.IdempotencyKeys.Distinct());
    }

    private static ServiceProvider StubbedServices(StubHandler stub, bool generateKeys)
    {
        var services = new ServiceCollection();
        services.AddCouponsClient(options =>
            {
                options.BaseAddress = new Uri("http://coupons.test/");
                options.RetryDelay = TimeSpan.FromMilliseconds(1);
                options.GenerateIdempotencyKeys = generateKeys;
            })
            .ConfigurePrimaryHttpMessageHandler(() => stub);
        return services.BuildServiceProvider();
    }

    private static HttpResponseMessage Unavailable()
    {
        var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            Content = new StringContent("""{"status":503,"title":"Shedding load.","code":"overloaded"}""", Encoding.UTF8, "application/problem+json"),
        };
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
        return response;
    }

    private static HttpResponseMessage Created(string json) =>
        new(HttpStatusCode.Created) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static string JobJson(Guid jobId) => $$"""
        {"id":"{{jobId}}","kind":"codes","status":"queued","campaignId":"{{Guid.NewGuid()}}","total":1000,"done":0,"results":{},
         "createdAt":"2026-01-01T00:00:00Z","finishedAt":null}
        """;

    private static HttpResponseMessage Ok(string json) =>
        new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    internal static string CouponJson(Guid couponId) => $$"""
        {"id":"{{couponId}}","campaignId":"{{Guid.NewGuid()}}","userId":"u","status":"unused","claimedAt":"2026-01-01T00:00:00Z",
         "validFrom":"2026-01-01T00:00:00Z","validTo":"2026-02-01T00:00:00Z","discount":{"type":"amount_off","amountOff":500},"minOrderAmount":0}
        """;

    private static string RedemptionJson(Guid couponId) => $$"""{"coupon":{{CouponJson(couponId)}},"discount":500,"payable":9500}""";

    private static string CampaignJson() => $$"""
        {"id":"{{Guid.NewGuid()}}","name":"c","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"issued":0,"remainingStock":10,
         "perUserLimit":1,"validity":{"days":1},"lockTtlSeconds":900,"status":"active","createdAt":"2026-01-01T00:00:00Z"}
        """;

    /// <summary>Answers each request with the next of the answers it was given; counts the requests and the keys they carried.</summary>
    private sealed class StubHandler : HttpMessageHandler
    {
        private readonly Queue<HttpResponseMessage> _answers = new();

        public int Requests { get; private set; }

        public List<string> IdempotencyKeys { get; } = [];

        public void Answer(params HttpResponseMessage[] answers)
        {
            Requests = 0;
            IdempotencyKeys.Clear();
            _answers.Clear();
            foreach (var answer in answers)
            {
                _answers.Enqueue(answer);
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            if (request.Headers.TryGetValues(CouponsClient.IdempotencyKeyHeader, out var keys))
            {
                IdempotencyKeys.AddRange(keys);
            }

            return Task.FromResult(_answers.Dequeue());
        }
    }
}
