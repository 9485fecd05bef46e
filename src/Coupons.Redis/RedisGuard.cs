using System.Globalization;
using Coupons.Core;
using Coupons.Redis.Layout;
using Polly;
using Polly.CircuitBreaker;

namespace Coupons.Redis;

/// <summary>
/// What stands between a request and a Redis that hangs or fails. Each call a request makes of the
/// store is bounded by <see cref="RedisStoreOptions.Timeout"/> and, past it, fails as
/// <see cref="StorageUnavailableException"/> (503 <c>storage_unavailable</c>) instead of waiting on;
/// the protections' calls (<see cref="RunDegradableAsync{T}"/>) wait half as long and are skipped.
/// A circuit breaker (Polly) opens when at least half of the calls of the last
/// <see cref="SamplingWindow"/> failed so (and at least <see cref="MinimumCalls"/> were made); while
/// open every call is refused at once; after <see cref="RedisStoreOptions.BreakFor"/> one call goes
/// through (half-open) and closes it again when Redis answers.
/// </summary>
/// <remarks>
/// A call that timed out is not taken back: what was sent runs if Redis comes back, and a script runs
/// whole or not at all. A claim repeated with its idempotency key, or an order's operation repeated,
/// finds what the first one did; an order left under a plan is finished or undone by the sweeper.
/// Background work (sweeps, a generation job's steps) is not bounded: it waits for Redis.
/// Timeouts and the breaker run on the real clock, whatever clock the store's rules read.
/// </remarks>
internal sealed class RedisGuard
{
    public const int MinimumCalls = 10;

    /// <summary>
    /// Short (Polly's least), so that the successes before Redis stopped leave the window soon and the
    /// breaker opens within about this much of the first failures, not after them.
    /// </summary>
    public static readonly TimeSpan SamplingWindow = TimeSpan.FromMilliseconds(500);

    private readonly TimeSpan _timeout;
    private readonly ResiliencePipeline _breaker;

    public RedisGuard(RedisStoreOptions options)
    {
        _timeout = options.Timeout;
        _breaker = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = MinimumCalls,
                SamplingDuration = SamplingWindow,
                BreakDuration = options.BreakFor,
                ShouldHandle = new PredicateBuilder().Handle<StorageUnavailableException>(),
                OnOpened = _ =>
                {
                    ScriptMetrics.BreakerOpened();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Runs <paramref name="action"/> for a request: bounded, behind the breaker, its Redis failures as <see cref="StorageUnavailableException"/>.</summary>
    public ValueTask<T> RunAsync<T>(Func<Task<T>> action) => RunAsync(action, _timeout);

    /// <summary>
    /// As <see cref="RunAsync{T}(Func{Task{T}})"/> for what a request can go on without (its rate-limit
    /// buckets, fraud signals): bounded by half the timeout, so that these are given up first and a
    /// request that then goes to the store still ends within about one and a half timeouts.
    /// </summary>
    public ValueTask<T> RunDegradableAsync<T>(Func<Task<T>> action) => RunAsync(action, _timeout / 2);

    private async ValueTask<T> RunAsync<T>(Func<Task<T>> action, TimeSpan timeout)
    {
        try
        {
            return await _breaker.ExecuteAsync(static (state, _) => BoundedAsync(state.action, state.timeout), (action, timeout), CancellationToken.None).ConfigureAwait(false);
        }
        catch (BrokenCircuitException exception)
        {
            throw new StorageUnavailableException("Redis has been failing: calls are refused at once until one gets through again", exception);
        }
    }

    private static async ValueTask<T> BoundedAsync<T>(Func<Task<T>> action, TimeSpan timeout)
    {
        try
        {
            // The client's own failures (unreachable, its timeout) as every Redis call translates them.
            return await RedisFailures.TranslateAsync(() => action().WaitAsync(timeout)).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new StorageUnavailableException(
                string.Create(CultureInfo.InvariantCulture, $"Redis did not answer within {timeout.TotalMilliseconds:0} ms"), exception);
        }
    }
}
