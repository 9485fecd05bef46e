using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Coupons.Client;

namespace Coupons.Bench.Service;

/// <summary>What one request came back with: the status, the problem <c>code</c> if any, and the coupon id if any.</summary>
public readonly record struct Answer(int Status, string? Code, Guid CouponId)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>A short label for tallies: <c>201</c>, <c>409 sold_out</c>, <c>error HttpRequestException</c>.</summary>
    public string Label => Code is null ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Status} {Code}";

    public static Answer Failure(Exception exception) => new(0, exception.GetType().Name, Guid.Empty);

    /// <summary>The answer of a call made with <see cref="CouponsClient"/>: its status, and its problem's code (a known code's string is not copied).</summary>
    public static Answer Of<T>(in CouponsResult<T> result, Guid couponId) =>
        result.IsSuccess ? new(result.Status, null, couponId) : new(result.Status, result.Code.Value, Guid.Empty);
}

/// <summary>
/// The service as the scenarios call it: <see cref="CouponsClient"/> over one pool of keep-alive
/// HTTP/1.1 connections, with no handler between the client and the socket. No retries: every
/// arrival is sent once and measured as it was answered.
/// </summary>
public sealed class BenchClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly CouponsClient _client;

    public BenchClient(Uri baseAddress, int connections, TimeSpan timeout)
        : this(Handler(connections), baseAddress, timeout)
    {
    }

    /// <summary>Over <paramref name="handler"/> (tests give a stub).</summary>
    internal BenchClient(HttpMessageHandler handler, Uri baseAddress, TimeSpan timeout)
    {
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout };
        // Claims without a key stay without one: the load is what the scenario says it is.
        _client = new CouponsClient(_http, new CouponsClientOptions { GenerateIdempotencyKeys = false });
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>A client that calls with <paramref name="token"/>; made once per user, so a request builds no header value.</summary>
    public CouponsClient As(string token) => _client.WithBearerToken(token);

    public CouponsClient[] As(string[] tokens) => Array.ConvertAll(tokens, As);

    /// <summary>A campaign of 5.00 off for a load test; returns its id.</summary>
    /// <param name="admin">The client calling as an admin.</param>
    /// <param name="name">The campaign's name.</param>
    /// <param name="stock">Its stock.</param>
    /// <param name="perUserLimit">Coupons per user.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="code">A shared code to claim it with too, if any.</param>
    public static async Task<Guid> CreateCampaignAsync(CouponsClient admin, string name, long stock, int perUserLimit, CancellationToken cancellationToken, string? code = null, string? stacking = null)
    {
        var campaign = new NewCampaign(name, new AmountOffDiscount(500), stock, Validity.ForDays(30)) { PerUserLimit = perUserLimit, Code = code, Stacking = stacking };
        return (await admin.CreateCampaignAsync(campaign, cancellationToken)).Id;
    }

    public static async Task<CampaignStats> StatsAsync(CouponsClient admin, Guid campaignId, CancellationToken cancellationToken) =>
        CampaignStats.From(await admin.GetStatsAsync(campaignId, cancellationToken));

    /// <summary>Any request, for the baseline: the method and headers a claim sends, to a path outside the contract.</summary>
    public async Task<Answer> SendAsync(HttpMethod method, string path, string? authorization, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            await response.Content.CopyToAsync(Stream.Null, cancellationToken);
            var status = (int)response.StatusCode;
            return new Answer(status, status >= 300 ? "error" : null, Guid.Empty);
        }
        catch (Exception exception) when (Answers.IsFailure(exception, cancellationToken))
        {
            return Answers.FailureOf(exception);
        }
    }

    public void Dispose() => _http.Dispose();

    private static SocketsHttpHandler Handler(int connections) => new()
    {
        MaxConnectionsPerServer = connections,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };
}

/// <summary>The load's calls as <see cref="Answer"/>s: a refusal is an answer, and so is a request that failed or timed out.</summary>
public static class Answers
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Answer> ClaimAnswerAsync(this CouponsClient user, Guid campaignId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            var result = await user.TryClaimAsync(campaignId, idempotencyKey, cancellationToken);
            return Answer.Of(result, result.Value?.Coupon.Id ?? Guid.Empty);
        }
        catch (Exception exception) when (IsFailure(exception, cancellationToken))
        {
            return FailureOf(exception);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Answer> LockAnswerAsync(this CouponsClient caller, Guid couponId, string orderId, long orderAmount, CancellationToken cancellationToken)
    {
        try
        {
            var result = await caller.TryLockAsync(couponId, orderId, orderAmount, cancellationToken);
            return Answer.Of(result, result.Value?.Coupon.Id ?? Guid.Empty);
        }
        catch (Exception exception) when (IsFailure(exception, cancellationToken))
        {
            return FailureOf(exception);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Answer> RedeemAnswerAsync(this CouponsClient caller, Guid couponId, string orderId, long orderAmount, CancellationToken cancellationToken)
    {
        try
        {
            var result = await caller.TryRedeemAsync(couponId, orderId, orderAmount, cancellationToken);
            return Answer.Of(result, result.Value?.Coupon.Id ?? Guid.Empty);
        }
        catch (Exception exception) when (IsFailure(exception, cancellationToken))
        {
            return FailureOf(exception);
        }
    }

    /// <summary>A failure of the request rather than of the run: no connection, a timeout, an answer that cannot be read.</summary>
    internal static bool IsFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is HttpRequestException or JsonException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    internal static Answer FailureOf(Exception exception) =>
        Answer.Failure(exception is TaskCanceledException ? new TimeoutException("the request timed out", exception) : exception);
}

/// <summary>The counters of <c>GET /v1/campaigns/{id}/stats</c> a verifier needs.</summary>
public sealed record CampaignStats(long TotalStock, long Issued, long RemainingStock, long Locked, long Used, IReadOnlyDictionary<string, long> Rejected)
{
    public static CampaignStats From(Coupons.Client.CampaignStats stats) =>
        new(stats.TotalStock, stats.Issued, stats.RemainingStock, stats.Locked, stats.Used, stats.Rejected.ToDictionary(pair => pair.Key.Value, pair => pair.Value));
}
