using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Api.Tests.Protection;
using Coupons.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Coupons.Api.Tests.Client;

/// <summary>
/// The registered client's retries against the service with small rate limits: a 429 whose
/// <c>Retry-After</c> is short is waited out and retried; one past the client's bound is handed to
/// the caller with its wait.
/// </summary>
public sealed class ClientRetryTests(ProtectedApiFactory factory) : IClassFixture<ProtectedApiFactory>
{
    [Fact]
    public async Task A_429_is_retried_after_its_Retry_After()
    {
        // One device for every call, each call from a new user and address: only the device's limit
        // (3 per 3 s, a token a second, so Retry-After: 1) can refuse.
        var attempts = new AttemptLog(device: "device-" + Guid.NewGuid().ToString("N")[..8]);
        await using var services = Services(attempts);
        var client = services.GetRequiredService<CouponsClient>();

        // Calls until the limit has refused one (the machine may be slow enough for the bucket to refill between calls).
        for (var i = 0; i < 20 && !attempts.Any(HttpStatusCode.TooManyRequests); i++)
        {
            var page = await client.WithBearerToken(CouponsApiFactory.Token("retry-" + Guid.NewGuid().ToString("N"))).ListMyCouponsPageAsync();
            Assert.Empty(page.Items);
        }

        // The retry waits out Retry-After; a bucket refilled a moment late may refuse it again, and
        // then the next retry waits again: the call ends with the answer all the same.
        var (refused, retry, last) = attempts.RefusedThenRetried();
        Assert.Equal(HttpStatusCode.OK, last.Status);
        Assert.True(refused.RetryAfter >= TimeSpan.FromSeconds(1), $"Retry-After was {refused.RetryAfter}");
        var waited = Stopwatch.GetElapsedTime(refused.At, retry.SentAt);
        Assert.True(waited >= refused.RetryAfter - TimeSpan.FromMilliseconds(20), $"retried after {waited.TotalMilliseconds} ms, Retry-After {refused.RetryAfter}");
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_bound_is_handed_to_the_caller()
    {
        // One user for every call: after 4 calls the user's limit (4 per 10 minutes) asks for a wait of minutes.
        var attempts = new AttemptLog(device: null);
        await using var services = Services(attempts);
        var user = services.GetRequiredService<CouponsClient>().WithBearerToken(CouponsApiFactory.Token("patient-" + Guid.NewGuid().ToString("N")));
        for (var i = 0; i < ProtectedApiFactory.UserLimit; i++)
        {
            await user.ListMyCouponsPageAsync();
        }

        var stopwatch = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<CouponsApiException>(() => user.ListMyCouponsPageAsync());
        Assert.Equal((ProblemCode.RateLimited, HttpStatusCode.TooManyRequests, RateLimitKind.User), (refused.Code, refused.StatusCode, refused.Problem.Limit));
        Assert.True(refused.RetryAfter > TimeSpan.FromSeconds(30), $"Retry-After was {refused.RetryAfter}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.Equal(ProblemCode.RateLimited, refused.Problem.Code);
        Assert.Equal(1, attempts.Count(HttpStatusCode.TooManyRequests));
    }

    private ServiceProvider Services(AttemptLog attempts)
    {
        var services = new ServiceCollection();
        services.AddCouponsClient(options =>
            {
                options.BaseAddress = factory.Server.BaseAddress;
                options.MaxRetryAfter = TimeSpan.FromSeconds(30);
            })
            .ConfigurePrimaryHttpMessageHandler(() => factory.Server.CreateHandler())
            .AddHttpMessageHandler(() => new AttemptHandler(attempts))
            .AddHttpMessageHandler(() => new Contract.ContractCheckingHandler());
        return services.BuildServiceProvider();
    }

    private sealed record Attempt(HttpRequestMessage Request, HttpStatusCode Status, TimeSpan? RetryAfter, long SentAt, long At);

    /// <summary>Every attempt the retry handler let through, in order.</summary>
    private sealed class AttemptLog(string? device)
    {
        private readonly ConcurrentQueue<Attempt> _attempts = new();

        public string? Device { get; } = device;

        public void Add(Attempt attempt) => _attempts.Enqueue(attempt);

        public bool Any(HttpStatusCode status) => _attempts.Any(a => a.Status == status);

        public int Count(HttpStatusCode status) => _attempts.Count(a => a.Status == status);

        /// <summary>The first refused attempt, the next attempt of the same request, and its last.</summary>
        public (Attempt Refused, Attempt Retry, Attempt Last) RefusedThenRetried()
        {
            var all = _attempts.ToList();
            var refused = all.FindIndex(a => a.Status == HttpStatusCode.TooManyRequests);
            Assert.True(refused >= 0, "no attempt was refused: " + string.Join(", ", all.Select(a => a.Status)));
            var same = all.Skip(refused).Where(a => ReferenceEquals(a.Request, all[refused].Request)).ToList();
            Assert.True(same.Count > 1, "the refused request was not sent again");
            return (same[0], same[1], same[^1]);
        }
    }

    /// <summary>Inside the retries: sees each attempt, sends it from a new address and from the log's device.</summary>
    private sealed class AttemptHandler(AttemptLog log) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove("X-Forwarded-For");
            request.Headers.Add("X-Forwarded-For", ProtectedApiFactory.NewIp());
            if (log.Device is { } device && !request.Headers.Contains("X-Device-Id"))
            {
                request.Headers.Add("X-Device-Id", device);
            }

            var sentAt = Stopwatch.GetTimestamp();
            var response = await base.SendAsync(request, cancellationToken);
            log.Add(new Attempt(request, response.StatusCode, response.Headers.RetryAfter?.Delta, sentAt, Stopwatch.GetTimestamp()));
            return response;
        }
    }
}
