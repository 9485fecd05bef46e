using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Coupons.Api.Auth;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Tests.Crash;

/// <summary>What came back for one request: a status and body, or no answer at all.</summary>
internal readonly record struct Reply(int Status, JsonElement Body, string? Failure)
{
    /// <summary>No HTTP answer: the connection failed or the request timed out.</summary>
    public bool NoAnswer => Status == 0;

    public bool IsSuccess => Status is >= 200 and < 300;

    /// <summary>An answer that says nothing about whether the change happened (shedding, rate limits, storage trouble).</summary>
    public bool IsUncertain => NoAnswer || Status is 429 or >= 500;

    public string Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var code) ? code.GetString() ?? "" : "";

    public string? Text(string name) => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public override string ToString() => NoAnswer ? $"no answer ({Failure})" : $"{Status} {Body}";
}

/// <summary>HTTP to one server process, with tokens made from the fixed test key.</summary>
internal sealed class CrashClient : IDisposable
{
    public const string ServiceUser = "crash-order-system";
    public const string AdminUser = "crash-admin";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly SymmetricSecurityKey _key;
    private readonly ConcurrentDictionary<(string Subject, string? Role), string> _tokens = new();

    public CrashClient(Uri baseAddress, string signingKey)
    {
        _base = baseAddress;
        _key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey));
        // Answers are held against the OpenAPI document here too, through kills and recoveries.
        var sockets = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = 64,
        };
        _http = new HttpClient(new Contract.ContractCheckingHandler { InnerHandler = sockets })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    public HttpClient Http => _http;

    public string Token(string subject, string? role = null) =>
        _tokens.GetOrAdd((subject, role), k => TokenIssuer.Issue(_key, k.Subject, k.Role, TimeSpan.FromHours(1), DateTimeOffset.UtcNow));

    public Task<Reply> SendAsync(HttpMethod method, string path, string token, object? body, CancellationToken cancellationToken, string? idempotencyKey = null) =>
        SendCoreAsync(method, path, token, body, idempotencyKey, cancellationToken);

    /// <summary>For checks after a restart: retries answers that say "try later" a bounded number of times.</summary>
    public async Task<Reply> SendCheckedAsync(HttpMethod method, string path, string token, object? body, CancellationToken cancellationToken, string? idempotencyKey = null)
    {
        var reply = default(Reply);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            reply = await SendCoreAsync(method, path, token, body, idempotencyKey, cancellationToken);
            if (!reply.IsUncertain)
            {
                return reply;
            }

            await Task.Delay(50 * (attempt + 1) > 500 ? 500 : 50 * (attempt + 1), cancellationToken);
        }

        return reply;
    }

    /// <summary>Reads the job until <paramref name="until"/> holds for it (answers that say "try later" read again), and returns it.</summary>
    public async Task<JsonElement> WaitForJobAsync(string token, string jobId, Func<JsonElement, bool> until, CancellationToken cancellationToken)
    {
        while (true)
        {
            var reply = await SendCheckedAsync(HttpMethod.Get, $"/v1/jobs/{jobId}", token, null, cancellationToken);
            if (reply.IsSuccess && until(reply.Body))
            {
                return reply.Body;
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Whether the job has finished: succeeded, failed or cancelled.</summary>
    public static bool IsFinished(JsonElement job) => job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled";

    /// <summary>A request to this server as <paramref name="token"/>, for what <see cref="SendAsync"/> does not send: CSV bodies, streamed answers.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, new Uri(_base, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public void Dispose() => _http.Dispose();

    private async Task<Reply> SendCoreAsync(HttpMethod method, string path, string token, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var json = default(JsonElement);
            if (text.Length > 0)
            {
                try
                {
                    using var document = JsonDocument.Parse(text);
                    json = document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    using var document = JsonDocument.Parse(JsonSerializer.Serialize(text));
                    json = document.RootElement.Clone();
                }
            }

            return new Reply((int)response.StatusCode, json, null);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            // Cut off (the server was killed), timed out or called off: the change may or may not have happened.
            return new Reply(0, default, exception.GetType().Name + ": " + exception.Message);
        }
    }
}
