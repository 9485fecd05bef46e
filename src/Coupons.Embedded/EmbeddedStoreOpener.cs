using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coupons.Embedded;

/// <summary>Rebuilds the embedded store's state from disk after the server starts listening, so liveness answers while it recovers.</summary>
internal sealed partial class EmbeddedStoreOpener(EmbeddedCouponStore store, IOptions<EmbeddedStoreOptions> options, ILogger<EmbeddedStoreOpener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        try
        {
            store.Open();
            LogRecovered(logger, store.CouponCount, store.RecoveryTime.TotalMilliseconds, store.RecoverySteps, Path.GetFullPath(options.Value.DataDir));
        }
        catch (Exception exception)
        {
            LogRecoveryFailed(logger, exception, Path.GetFullPath(options.Value.DataDir));
        }
    }, stoppingToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded store ready: {Coupons} coupons recovered in {ElapsedMs:F0} ms ({Steps}) from {DataDir}")]
    private static partial void LogRecovered(ILogger logger, int coupons, double elapsedMs, string? steps, string dataDir);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Embedded store could not recover from {DataDir}; the service stays not ready")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception, string dataDir);
}
