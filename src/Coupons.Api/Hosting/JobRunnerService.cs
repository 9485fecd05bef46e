using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Core.Jobs;

namespace Coupons.Api.Hosting;

/// <summary>
/// Runs jobs on this node in the background: takes a runnable job whose lease is free, runs it step
/// by step, and looks again. Idle, it looks twice a second, and at once when a job is made on this
/// node (<see cref="JobWakeup"/>). Jobs a node left when it died are taken
/// over once their lease expires.
/// </summary>
/// <remarks>
/// The code keys are resolved when the first job runs, not when the service starts: keys kept in a
/// data folder that cannot be used leave the node alive and not ready (as the store does), and the
/// runner tries again each time it looks.
/// </remarks>
internal sealed partial class JobRunnerService(IJobStore jobs, ICouponStore coupons, IServiceProvider services, JobMetrics metrics, JobWakeup wakeup, TimeProvider time, ILogger<JobRunnerService> logger) : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
        JobRunner? runner = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var woken = wakeup.Next;
                if (coupons.IsReady)
                {
                    runner ??= new JobRunner(
                        jobs,
                        [new IssuanceHandler(coupons, jobs), new CodeGenerationHandler(services.GetRequiredService<ICodeStore>(), services.GetRequiredService<CodeProtector>())],
                        owner,
                        committed: metrics.Committed);
                }

                if (runner is null || !await runner.RunOnceAsync(stoppingToken).ConfigureAwait(false))
                {
                    await IdleAsync(woken, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is StorageUnavailableException or OverloadedException or IOException or Microsoft.Data.Sqlite.SqliteException or StackExchange.Redis.RedisException)
            {
                // The step is not committed: this node or another takes the job again from its last step.
                LogStepFailed(logger, exception);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits until the next look: <see cref="Idle"/>, or less when a job is made here meanwhile.</summary>
    private async Task IdleAsync(Task woken, CancellationToken stoppingToken)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(Idle, time, idle.Token);
        await Task.WhenAny(delay, woken).ConfigureAwait(false);
        await idle.CancelAsync().ConfigureAwait(false);
        await delay.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A job step failed; the job goes on from its last committed step")]
    private static partial void LogStepFailed(ILogger logger, Exception exception);
}
