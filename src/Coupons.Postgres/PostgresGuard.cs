using System.Diagnostics.Metrics;
using System.Globalization;
using Coupons.Core;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;

namespace Coupons.Postgres;

/// <summary>
/// What stands between a request and a PostgreSQL that hangs or fails, as RedisGuard does for Redis:
/// each call is bounded by <see cref="PostgresOptions.Timeout"/> and, past it, fails as
/// <see cref="StorageUnavailableException"/> (503 <c>storage_unavailable</c>) instead of waiting on.
/// A circuit breaker (Polly) opens when at least half of the calls of the last
/// <see cref="SamplingWindow"/> failed so (at least <see cref="MinimumCalls"/> of them); while open
/// every call is refused at once; after <see cref="PostgresOptions.BreakFor"/> one call goes through
/// (half-open) and closes it again when PostgreSQL answers.
/// </summary>
/// <remarks>
/// Only requests' reads come here (the audit log's queries), and they are few, so the breaker counts
/// over seconds and from two calls (Polly's least) rather than over RedisGuard's half second. A call
/// that runs out of time is cancelled (Npgsql then cancels the query, or breaks its connection) but
/// not waited for. The persister does not come here: it waits for PostgreSQL and retries.
/// </remarks>
internal sealed class PostgresGuard
{
    public const int MinimumCalls = 2;

    public static readonly TimeSpan SamplingWindow = TimeSpan.FromSeconds(5);

    private static readonly Meter Meter = new("Coupons");

    private static readonly Counter<long> Openings = Meter.CreateCounter<long>(
        "coupons.postgres.breaker.openings", "{opening}", "Times the PostgreSQL circuit breaker of requests' calls (the audit log's queries) opened: refused at once until one gets through");

    private readonly TimeSpan _timeout;
    private readonly ResiliencePipeline _breaker;

    public PostgresGuard(PostgresOptions options)
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
                    Openings.Add(1);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>
    /// Runs <paramref name="action"/> for a request: bounded, behind the breaker, PostgreSQL's failures
    /// as <see cref="StorageUnavailableException"/>. The token <paramref name="action"/> gets is
    /// cancelled when the request is, or when the bound has passed.
    /// </summary>
    public async ValueTask<T> RunAsync<T>(Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await _breaker.ExecuteAsync(
                static (state, token) => BoundedAsync(state.action, state.timeout, token),
                (action, timeout: _timeout),
                cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException exception)
        {
            throw new StorageUnavailableException("PostgreSQL has been failing: calls are refused at once until one gets through again", exception);
        }
    }

    private static async ValueTask<T> BoundedAsync<T>(Func<CancellationToken, Task<T>> action, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var call = action(bound.Token);
        try
        {
            return await call.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            // Npgsql cancels the query (or breaks the connection) in the background; nobody awaits it.
            await bound.CancelAsync().ConfigureAwait(false);
            _ = call.ContinueWith(static c => _ = c.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw new StorageUnavailableException(
                string.Create(CultureInfo.InvariantCulture, $"PostgreSQL did not answer within {timeout.TotalMilliseconds:0} ms"), exception);
        }
        catch (NpgsqlException exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StorageUnavailableException("PostgreSQL cannot be reached: " + exception.Message, exception);
        }
    }

    /// <summary>
    /// A request's connection string with Npgsql's own connect and command timeouts no longer than
    /// the bound (in whole seconds, at least one), so a call given up on also ends on the server's side.
    /// </summary>
    public static string Bounded(string connectionString, TimeSpan timeout)
    {
        var seconds = (int)Math.Max(1, Math.Ceiling(timeout.TotalSeconds));
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Timeout = builder.Timeout is > 0 and var connect && connect < seconds ? connect : seconds;
        builder.CommandTimeout = builder.CommandTimeout is > 0 and var command && command < seconds ? command : seconds;
        return builder.ConnectionString;
    }
}
