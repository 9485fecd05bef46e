using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Coupons.Bench.Service;

/// <summary>What one request came back with: the status, the problem <c>code</c> if any, and the coupon id if any.</summary>
public readonly record struct Answer(int Status, string? Code, Guid CouponId)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>A short label for tallies: <c>201</c>, <c>409 sold_out</c>, <c>error HttpRequestException</c>.</summary>
    public string Label => Code is null ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Status} {Code}";

    public static Answer Failure(Exception exception) => new(0, exception.GetType().Name, Guid.Empty);
}

/// <summary>
/// The HTTP calls the scenarios make, over one pool of keep-alive HTTP/1.1 connections. Answers are
/// parsed only as far as a load test needs: status, problem code, coupon id.
/// </summary>
public sealed class CouponsClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;

    public CouponsClient(Uri baseAddress, int connections, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout };
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Creates a campaign from a JSON body; returns its id.</summary>
    public async Task<Guid> CreateCampaignAsync(string adminToken, string body, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, "/v1/campaigns", adminToken, body);
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"creating a campaign failed: {(int)response.StatusCode} {text}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("id").GetGuid();
    }

    public async Task<CampaignStats> StatsAsync(string adminToken, Guid campaignId, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"/v1/campaigns/{campaignId}/stats", adminToken, null);
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"reading stats failed: {(int)response.StatusCode} {text}");
        }

        return CampaignStats.Parse(text);
    }

    public Task<Answer> ClaimAsync(Guid campaignId, string userToken, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var request = Request(HttpMethod.Post, $"/v1/campaigns/{campaignId}/claim", userToken, null);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        }

        return SendAsync(request, cancellationToken);
    }

    public Task<Answer> LockAsync(Guid couponId, string token, string orderId, long orderAmount, CancellationToken cancellationToken) =>
        SendAsync(Request(HttpMethod.Post, $"/v1/coupons/{couponId}/lock", token, OrderBody(orderId, orderAmount)), cancellationToken);

    public Task<Answer> RedeemAsync(Guid couponId, string token, string orderId, long orderAmount, CancellationToken cancellationToken) =>
        SendAsync(Request(HttpMethod.Post, $"/v1/coupons/{couponId}/redeem", token, OrderBody(orderId, orderAmount)), cancellationToken);

    /// <summary>Any request, for the baseline: the same method and headers a claim sends.</summary>
    public Task<Answer> SendAsync(HttpMethod method, string path, string? token, CancellationToken cancellationToken) =>
        SendAsync(Request(method, path, token, null), cancellationToken);

    public async Task<string> GetTextAsync(string path, CancellationToken cancellationToken) =>
        await _http.GetStringAsync(new Uri(path, UriKind.Relative), cancellationToken);

    public void Dispose() => _http.Dispose();

    private static string OrderBody(string orderId, long orderAmount) =>
        $"{{\"orderId\":\"{orderId}\",\"orderAmount\":{orderAmount}}}";

    private static HttpRequestMessage Request(HttpMethod method, string path, string? token, string? body)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = Json } };
        }

        return request;
    }

    private async Task<Answer> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using (request)
            using (var response = await _http.SendAsync(request, cancellationToken))
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                return Parse((int)response.StatusCode, body);
            }
        }
        catch (HttpRequestException exception)
        {
            return Answer.Failure(exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            return Answer.Failure(new TimeoutException("the request timed out", exception));
        }
    }

    /// <summary>Reads <c>code</c> from a problem, or <c>id</c> (a coupon) or <c>coupon.id</c> from a success.</summary>
    internal static Answer Parse(int status, ReadOnlySpan<byte> body)
    {
        string? code = null;
        var couponId = Guid.Empty;
        if (body.IsEmpty)
        {
            return new Answer(status, status >= 300 ? "no_body" : null, couponId);
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            var depth = 0;
            var inCoupon = false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        depth++;
                        break;
                    case JsonTokenType.EndObject:
                        depth--;
                        inCoupon = inCoupon && depth > 1;
                        break;
                    case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("code"u8):
                        reader.Read();
                        code = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                        break;
                    case JsonTokenType.PropertyName when depth == 1 && reader.ValueTextEquals("coupon"u8):
                        inCoupon = true;
                        break;
                    case JsonTokenType.PropertyName when reader.ValueTextEquals("id"u8) && (depth == 1 || (depth == 2 && inCoupon)):
                        reader.Read();
                        if (reader.TokenType == JsonTokenType.String && reader.TryGetGuid(out var id))
                        {
                            couponId = id;
                        }

                        break;
                    default:
                        break;
                }
            }
        }
        catch (JsonException)
        {
            code ??= "unreadable_body";
        }

        if (status >= 300 && code is null)
        {
            code = "no_code";
        }

        return new Answer(status, status < 300 ? null : code, couponId);
    }
}

/// <summary>The counters of <c>GET /v1/campaigns/{id}/stats</c> a verifier needs.</summary>
public sealed record CampaignStats(long TotalStock, long Issued, long RemainingStock, long Locked, long Used, IReadOnlyDictionary<string, long> Rejected)
{
    public static CampaignStats Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var rejected = new Dictionary<string, long>();
        if (root.TryGetProperty("rejected", out var rejections))
        {
            foreach (var property in rejections.EnumerateObject())
            {
                rejected[property.Name] = property.Value.GetInt64();
            }
        }

        return new CampaignStats(
            root.GetProperty("totalStock").GetInt64(), root.GetProperty("issued").GetInt64(), root.GetProperty("remainingStock").GetInt64(),
            root.GetProperty("locked").GetInt64(), root.GetProperty("used").GetInt64(), rejected);
    }
}
