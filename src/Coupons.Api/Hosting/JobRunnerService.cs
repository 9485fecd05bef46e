using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Core.Jobs;

namespace Coupons.Api.Hosting;

/// <summary>
/// Runs jobs on this node in the background: takes a runnable job whose lease is free, runs it step
/// by step, and looks again. Idle, it looks twice a second. Jobs a node left when it died are taken
/// over once their lease expires.
/// </summary>
/// <remarks>
/// The code keys are resolved when the first job runs, not when the service starts: keys kept in a
/// data folder that cannot be used leave the node alive and not ready (as the store does), and the
/// runner tries again each time it looks.
/// </remarks>
internal sealed partial class JobRunnerService(IJobStore jobs, ICouponStore coupons, IServiceProvider services, JobMetrics metrics, TimeProvider time, ILogger<JobRunnerService> logger) : BackgroundService
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
                    await Task.Delay(Idle, time, stoppingToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A job step failed; the job goes on from its last committed step")]
    private static partial void LogStepFailed(ILogger logger, Exception exception);
}
