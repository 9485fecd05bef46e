using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Coupons.Client.Serialization;

namespace Coupons.Client;

/// <summary>
/// The Coupons service's HTTP contract (v1) as typed calls. Thread-safe; make one per
/// <see cref="HttpClient"/> (or register it with <c>AddCouponsClient</c>) and share it.
/// </summary>
/// <remarks>
/// <para>Calls throw <see cref="CouponsApiException"/> when the service answers with a problem. The
/// calls whose refusals are part of an ordinary flow (claim, lock, redeem, release, refund) also come
/// as <c>Try…Async</c>, which give a <see cref="CouponsResult{T}"/> instead of throwing.</para>
/// <para>Retries are the <see cref="HttpClient"/>'s: the registration (<c>AddCouponsClient</c>) adds
/// a retry handler that repeats only what is safe to repeat and honours <c>Retry-After</c>. A client
/// made over a plain <see cref="HttpClient"/> sends each call once.</para>
/// </remarks>
public sealed partial class CouponsClient
{
    /// <summary>The header that makes a claim safe to repeat.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly HttpClient _http;
    private readonly CouponsClientOptions _options;
    private readonly Uri? _baseAddress;
    private readonly string? _authorization;

    /// <summary>A client over <paramref name="httpClient"/>, whose handlers (retries, logging) every call goes through.</summary>
    /// <param name="httpClient">The client to send with; its <see cref="HttpClient.BaseAddress"/>, or else the options', is the service's address.</param>
    /// <param name="options">Token provider and idempotency settings; defaults when null.</param>
    public CouponsClient(HttpClient httpClient, CouponsClientOptions? options = null)
        : this(httpClient, options ?? new CouponsClientOptions(), authorization: null)
    {
    }

    private CouponsClient(HttpClient httpClient, CouponsClientOptions options, string? authorization)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _http = httpClient;
        _options = options;
        _authorization = authorization;
        if (httpClient.BaseAddress is null)
        {
            _baseAddress = WithTrailingSlash(options.BaseAddress ?? throw new ArgumentException(
                "Give the service's address: the HttpClient's BaseAddress or CouponsClientOptions.BaseAddress.", nameof(httpClient)));
        }
    }

    /// <summary>
    /// A client sharing this one's <see cref="HttpClient"/> and options that calls with a fixed bearer
    /// token (the JWT alone), in place of the token provider: one per user of a load test, or per
    /// token of a service account.
    /// </summary>
    public CouponsClient WithBearerToken(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new CouponsClient(_http, _options, "Bearer " + token);
    }

    /// <summary>Sends a request and reads its answer: the value (none for 204) or the problem.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<CouponsResult<T>> SendAsync<T>(
        HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T>? answer, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, RequestUri(path)) { Content = content };
        await AuthorizeAsync(request, cancellationToken).ConfigureAwait(false);
        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, idempotencyKey);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode)
        {
            var problem = await ProblemReader.ReadAsync(response, cancellationToken).ConfigureAwait(false);
            return new CouponsResult<T>(problem, ProblemReader.RetryAfterOf(response, _options.TimeProvider));
        }

        if (answer is null || status == 204)
        {
            return new CouponsResult<T>(status, default!);
        }

        // Answers are small: read whole, then parsed in one synchronous pass (cheaper than the
        // resumable parsing a stream needs).
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var value = JsonSerializer.Deserialize(body, answer);
        return new CouponsResult<T>(status, value ?? throw new JsonException($"the service answered {status} with null for {typeof(T).Name}"));
    }

    private ValueTask<CouponsResult<T>> GetAsync<T>(string path, JsonTypeInfo<T> answer, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, answer, null, cancellationToken);

    private ValueTask<CouponsResult<T>> PostAsync<TBody, T>(string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<T> answer, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, Json(body, bodyType), answer, null, cancellationToken);

    /// <summary>
    /// A JSON body, serialized up front so that it has a length (no chunked encoding) and can be
    /// sent again by a retry.
    /// </summary>
    private static ByteArrayContent Json<TBody>(TBody body, JsonTypeInfo<TBody> type) =>
        new(JsonSerializer.SerializeToUtf8Bytes(body, type)) { Headers = { ContentType = JsonType } };

    private Uri RequestUri(string path) =>
        _baseAddress is null ? new Uri(path, UriKind.Relative) : new Uri(_baseAddress, path);

    /// <summary>The address with its path ending in a slash, so that the contract's relative paths go below it.</summary>
    internal static Uri WithTrailingSlash(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new Uri(address.AbsoluteUri.TrimEnd('/') + "/");

    private async ValueTask AuthorizeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }
        else if (_options.TokenProvider is { } provider && await provider(cancellationToken).ConfigureAwait(false) is { Length: > 0 } token)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }
    }

    /// <summary>Every item of a listing, page after page, following <c>nextCursor</c>.</summary>
    private static async IAsyncEnumerable<T> AllAsync<T>(
        Func<string?, CancellationToken, Task<Page<T>>> page, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var current = await page(cursor, cancellationToken).ConfigureAwait(false);
            foreach (var item in current.Items)
            {
                yield return item;
            }

            cursor = current.NextCursor;
        }
        while (cursor is not null);
    }
}
