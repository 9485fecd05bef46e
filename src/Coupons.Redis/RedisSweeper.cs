using Coupons.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Coupons.Redis;

/// <summary>
/// Sweeps the Redis store every <c>Coupons:Redis:SweepInterval</c> (<see cref="RedisCouponStore.SweepAsync"/>).
/// Every node sweeps; each change is versioned, so nothing is counted twice. A sweep that fails,
/// for whatever reason, is logged and the next one tries again: a background loop that threw
/// would stop the whole node (the host's default), and the requests it serves with it.
/// </summary>
internal sealed class RedisSweeper(RedisCouponStore store, IOptions<RedisStoreOptions> options, TimeProvider time, ILogger<RedisSweeper> logger) : BackgroundService
{
    private static readonly Action<ILogger, Exception?> LogSweepFailed = LoggerMessage.Define(
        LogLevel.Warning, new EventId(1, "SweepFailed"), "Sweeping the Redis store failed; the next sweep tries again");

    private static readonly Action<ILogger, Exception?> LogSweepBroke = LoggerMessage.Define(
        LogLevel.Error, new EventId(2, "SweepBroke"), "Sweeping the Redis store failed unexpectedly; the next sweep tries again");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!store.IsReady)
            {
                continue;
            }

            try
            {
                await store.SweepAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is StorageUnavailableException or OverloadedException)
            {
                LogSweepFailed(logger, exception);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepBroke(logger, exception);
            }
        }
    }
}
