using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Coupons.Client.Serialization;

/// <summary>Reads a refusal's problem details and its <c>Retry-After</c>.</summary>
internal static class ProblemReader
{
    /// <summary>The answer's problem document; one made from its status when the body is not one.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<CouponsProblem> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        CouponsProblem? problem = null;
        if (IsJson(response.Content.Headers.ContentType?.MediaType))
        {
            try
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                problem = body.Length == 0 ? null : JsonSerializer.Deserialize(body, CouponsJsonContext.Default.CouponsProblem);
            }
            catch (JsonException)
            {
                // Not a problem document after all: described from the status below.
            }
        }

        problem ??= new CouponsProblem { Title = response.ReasonPhrase };
        // The service's problems carry both; a copy is made only for one that does not.
        return problem.Status == status && problem.Code.Value is { Length: > 0 }
            ? problem
            : problem with { Status = status, Code = problem.Code.Value is { Length: > 0 } ? problem.Code : ProblemCode.ForStatus(status) };
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
