using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Coupons.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Http;

/// <summary>
/// Reads request bodies strictly: a size limit, a depth limit, unknown and duplicate fields refused,
/// wrong types refused. Every failure is a 4xx problem, never an exception.
/// </summary>
public static class JsonBody
{
    /// <summary>Bodies of this API are small; anything larger is refused with 413.</summary>
    public const int MaxBytes = 64 * 1024;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = CouponsJsonContext.Default,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        MaxDepth = 8,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static ValueTask<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request)
        where T : class => ReadAsync<T>(request, MaxBytes);

    /// <summary>As <see cref="ReadAsync{T}(HttpRequest)"/>, for a body that may be left out: a request without one (no length, not chunked, or a length of 0) reads as <paramref name="none"/>.</summary>
    public static ValueTask<(T? Body, ProblemHttpResult? Problem)> ReadOptionalAsync<T>(HttpRequest request, T none)
        where T : class =>
        request.ContentLength == 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0)
            ? ValueTask.FromResult<(T?, ProblemHttpResult?)>((none, null))
            : ReadAsync<T>(request, MaxBytes);

    /// <summary>As <see cref="ReadAsync{T}(HttpRequest)"/>, for a route whose bodies may be larger (it raises the server's limit first).</summary>
    /// <remarks>
    /// A small body that came with its headers is complete at the first read of the request's pipe:
    /// it is parsed where it lies, with no copy and no further read. A body that comes in parts is
    /// copied out as it comes, so the pipe never holds more than one part (a body held unconsumed
    /// past Kestrel's request buffer would stop the connection's reads, and this one with it).
    /// </remarks>
    public static async ValueTask<(T? Body, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, int maxBytes)
        where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        var reader = request.BodyReader;
        byte[]? parts = null;
        var length = 0;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
                var buffer = read.Buffer;
                if (length + buffer.Length > maxBytes)
                {
                    reader.AdvanceTo(buffer.End);
                    return (null, TooLarge(maxBytes));
                }

                if (read.IsCompleted && parts is null)
                {
                    var whole = buffer.IsEmpty ? (null, Problems.Validation("body", "a JSON body is required")) : Parse<T>(buffer);
                    reader.AdvanceTo(buffer.End);
                    return whole;
                }

                parts = Append(parts, length, buffer);
                length += (int)buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (read.IsCompleted)
                {
                    return length == 0 ? (null, Problems.Validation("body", "a JSON body is required")) : Parse<T>(parts.AsSpan(0, length));
                }
            }
        }
        catch (BadHttpRequestException exception)
        {
            return (null, Problems.Unreadable(exception));
        }
        finally
        {
            if (parts is not null)
            {
                ArrayPool<byte>.Shared.Return(parts);
            }
        }
    }

    /// <summary><paramref name="buffer"/> copied after the first <paramref name="length"/> bytes of <paramref name="parts"/>, in a larger pooled array when needed.</summary>
    private static byte[] Append(byte[]? parts, int length, in ReadOnlySequence<byte> buffer)
    {
        var needed = length + (int)buffer.Length;
        if (parts is null || parts.Length < needed)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(4096, (parts?.Length ?? 0) * 2)));
            if (parts is not null)
            {
                parts.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(parts);
            }

            parts = larger;
        }

        buffer.CopyTo(parts.AsSpan(length));
        return parts;
    }

    private static (T? Body, ProblemHttpResult? Problem) Parse<T>(in ReadOnlySequence<byte> json)
        where T : class
    {
        if (json.IsSingleSegment)
        {
            return Parse<T>(json.FirstSpan);
        }

        var length = (int)json.Length;
        var copy = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            json.CopyTo(copy);
            return Parse<T>(copy.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static (T? Body, ProblemHttpResult? Problem) Parse<T>(ReadOnlySpan<byte> json)
        where T : class
    {
        try
        {
            var typeInfo = (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
            var body = JsonSerializer.Deserialize(json, typeInfo);
            return body is null ? (null, Problems.Validation("body", "must be a JSON object")) : (body, null);
        }
        catch (JsonException exception)
        {
            // Field names as the other validation errors give them: "discount.amountOff", not "$.discount.amountOff".
            var where = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "body" : exception.Path.TrimStart('$').TrimStart('.');
            return (null, Problems.Validation(where, Describe(exception)));
        }
    }

    /// <summary>
    /// A short reason in the contract's words. The exception's own message names .NET types and can
    /// echo parts of the input, so it is not passed on.
    /// </summary>
    private static string Describe(JsonException exception)
    {
        var message = exception.Message;
        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "is not a field of this request";
        }

        if (message.Contains("Duplicate", StringComparison.OrdinalIgnoreCase))
        {
            return "appears more than once";
        }

        if (message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return "is nested too deeply";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return "has the wrong type, or is a number out of range";
        }

        return exception.LineNumber is { } line
            ? $"is not valid JSON (line {line + 1}, byte {exception.BytePositionInLine + 1})"
            : "is not valid JSON";
    }

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "payload_too_large", "The request body is too large.", $"at most {maxBytes} bytes");
}
