using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Coupons.Bench.Service;

/// <summary>A generated code as the campaign's CSV export gives it.</summary>
public sealed record CodeRow(string Code, string Status, string? UserId, Guid? CouponId);

/// <summary>
/// The code routes, sent as raw requests over the same connections as every other call: the
/// hand-written client on this branch does not have them yet. Answers are read as the client reads
/// a claim's: the whole body, then the coupon id or the problem's code.
/// </summary>
public sealed partial class BenchClient
{
    private static readonly Uri ClaimByCodePath = new("v1/codes/claim", UriKind.Relative);
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    /// <summary>The body of a claim by <paramref name="code"/>, made once and sent as often as needed.</summary>
    public static byte[] CodeBody(string code) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["code"] = code });

    /// <summary>
    /// <c>POST /v1/codes/claim</c> with <paramref name="body"/> (see <see cref="CodeBody"/>), as the caller
    /// <paramref name="authorization"/> (<c>Bearer …</c>): the coupon's id, or the refusal's code.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Answer> ClaimByCodeAsync(string authorization, byte[] body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, ClaimByCodePath) { Content = new ByteArrayContent(body) { Headers = { ContentType = JsonType } } };
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            if (idempotencyKey is not null)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return status is >= 200 and < 300
                ? new Answer(status, null, Guid.TryParse(TopLevelString(answer, "id"), out var id) ? id : Guid.Empty)
                : new Answer(status, TopLevelString(answer, "code") ?? "no_code", Guid.Empty);
        }
        catch (Exception exception) when (Answers.IsFailure(exception, cancellationToken))
        {
            return Answers.FailureOf(exception);
        }
    }

    /// <summary>Creates a campaign of 5.00 off that can also be claimed with the shared <paramref name="code"/>; returns its id.</summary>
    public async Task<Guid> CreateCampaignWithCodeAsync(string authorization, string name, long stock, int perUserLimit, string code, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["name"] = name,
            ["discount"] = new Dictionary<string, object> { ["type"] = "amount_off", ["amountOff"] = 500 },
            ["totalStock"] = stock,
            ["validity"] = new Dictionary<string, object> { ["days"] = 30 },
            ["perUserLimit"] = perUserLimit,
            ["code"] = code,
        });
        var answer = await SendForBodyAsync(HttpMethod.Post, "v1/campaigns", authorization, body, null, cancellationToken);
        return Guid.Parse(TopLevelString(answer, "id")!, CultureInfo.InvariantCulture);
    }

    /// <summary>Starts a job generating <paramref name="count"/> unique codes for a campaign; returns the job's id.</summary>
    public async Task<Guid> GenerateCodesAsync(string authorization, Guid campaignId, long count, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes($"{{\"count\":{count.ToString(CultureInfo.InvariantCulture)}}}");
        var answer = await SendForBodyAsync(HttpMethod.Post, $"v1/campaigns/{campaignId:D}/codes", authorization, body, null, cancellationToken);
        return Guid.Parse(TopLevelString(answer, "id")!, CultureInfo.InvariantCulture);
    }

    /// <summary>Polls a job until it has succeeded; throws when it failed, was cancelled or took longer than <paramref name="timeout"/>.</summary>
    public async Task WaitForJobAsync(string authorization, Guid jobId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var answer = await SendForBodyAsync(HttpMethod.Get, $"v1/jobs/{jobId:D}", authorization, null, null, cancellationToken);
            switch (TopLevelString(answer, "status"))
            {
                case "succeeded":
                    return;
                case "failed" or "cancelled":
                    throw new InvalidOperationException($"job {jobId} ended without success: {Encoding.UTF8.GetString(answer)}");
            }

            try
            {
                await Task.Delay(100, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"job {jobId} did not succeed within {timeout.TotalSeconds:0} s");
            }
        }
    }

    /// <summary>Every generated code of a campaign, from its CSV export (<c>Accept: text/csv</c>), held in memory.</summary>
    public async Task<IReadOnlyList<CodeRow>> ExportCodesAsync(string authorization, Guid campaignId, CancellationToken cancellationToken)
    {
        var answer = await SendForBodyAsync(HttpMethod.Get, $"v1/campaigns/{campaignId:D}/codes", authorization, null, "text/csv", cancellationToken);
        return CodeCsv.Parse(Encoding.UTF8.GetString(answer));
    }

    private async Task<byte[]> SendForBodyAsync(HttpMethod method, string path, string authorization, byte[]? body, string? accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = JsonType } };
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} /{path} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer)}", null, response.StatusCode);
        }

        return answer;
    }

    /// <summary>The string value of a top-level property of a JSON object; null when it has none (or the body is not an object).</summary>
    internal static string? TopLevelString(ReadOnlySpan<byte> json, string name)
    {
        if (json.IsEmpty)
        {
            return null;
        }

        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match && reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString();
            }

            reader.Skip();
        }

        return null;
    }
}

/// <summary>Reads the codes' CSV export: a header line <c>code,status,userId,couponId,claimedAt</c>, then a code a line.</summary>
public static class CodeCsv
{
    public const string Header = "code,status,userId,couponId,claimedAt";

    public static IReadOnlyList<CodeRow> Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || lines[0].TrimEnd('\r') != Header)
        {
            throw new FormatException($"the codes' CSV does not start with '{Header}'");
        }

        var rows = new List<CodeRow>(lines.Length - 1);
        foreach (var line in lines.AsSpan(1))
        {
            var fields = Fields(line.TrimEnd('\r'));
            if (fields.Count != 5)
            {
                throw new FormatException($"a line of the codes' CSV has {fields.Count} fields, not 5");
            }

            rows.Add(new CodeRow(fields[0], fields[1], fields[2].Length == 0 ? null : fields[2],
                Guid.TryParse(fields[3], CultureInfo.InvariantCulture, out var coupon) ? coupon : null));
        }

        return rows;
    }

    /// <summary>A line's fields: RFC 4180 quoting (a user id may hold a comma or a quote).</summary>
    private static List<string> Fields(string line)
    {
        var fields = new List<string>(5);
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"')
            {
                field.Append('"');
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}
