using System.Text.Json;

namespace Coupons.Client.Serialization;

/// <summary>Reads a refusal's problem details and its <c>Retry-After</c>.</summary>
internal static class ProblemReader
{
    /// <summary>The answer's problem document; one made from its status when the body is not one.</summary>
    public static async Task<CouponsProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        CouponsProblem? problem = null;
        if (IsJson(response.Content.Headers.ContentType?.MediaType))
        {
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    problem = await JsonSerializer.DeserializeAsync(stream, CouponsJsonContext.Default.CouponsProblem, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (JsonException)
            {
                // Not a problem document after all: described from the status below.
            }
        }

        problem ??= new CouponsProblem { Title = response.ReasonPhrase };
        return problem with
        {
            Status = status,
            Code = problem.Code.Value is { Length: > 0 } ? problem.Code : ProblemCode.ForStatus(status),
        };
    }

    /// <summary>How long <c>Retry-After</c> asks to wait (seconds, or a date measured on <paramref name="time"/>); null without one.</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && (mediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase));
}
