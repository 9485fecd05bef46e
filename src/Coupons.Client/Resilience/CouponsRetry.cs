using System.Net;
using Coupons.Client.Serialization;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Coupons.Client.Resilience;

/// <summary>
/// The retry the registration puts in front of the client: transient failures (no connection, an
/// attempt timing out, 408, 429, 5xx, and a 409 that says when to try again: <c>order_busy</c>
/// with its <c>Retry-After</c>) of requests that are safe to repeat (<see cref="RetrySafety"/>),
/// after the answer's <c>Retry-After</c> when it gives one (up to <see cref="CouponsClientOptions.MaxRetryAfter"/>:
/// a longer wait is handed to the caller), else after an exponential back-off with jitter.
/// </summary>
internal static class CouponsRetry
{
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, CouponsClientOptions options)
    {
        if (options.MaxRetryAttempts > 0)
        {
            pipeline.AddRetry(Strategy(options));
        }

        pipeline.AddTimeout(options.AttemptTimeout);
    }

    public static HttpRetryStrategyOptions Strategy(CouponsClientOptions options) => new()
    {
        MaxRetryAttempts = options.MaxRetryAttempts,
        Delay = options.RetryDelay,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        ShouldRetryAfterHeader = false,
        ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context, options)),
        DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } response ? ProblemReader.RetryAfterOf(response, options.TimeProvider) : null),
    };

    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context, CouponsClientOptions options)
    {
        // Successes are the common case: settled before anything else is looked at.
        if (!IsTransient(outcome) || context.GetRequestMessage() is not { } request || !RetrySafety.IsSafeToRetry(request))
        {
            return false;
        }

        return outcome.Result is not { } response
            || ProblemReader.RetryAfterOf(response, options.TimeProvider) is not { } wait
            || wait <= options.MaxRetryAfter;
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Result: { } response } => response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500
            || (response.StatusCode == HttpStatusCode.Conflict && response.Headers.RetryAfter is not null),
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        _ => false,
    };
}
