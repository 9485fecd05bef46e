using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Coupons.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Hosting;

/// <summary>Warming each node's caches before a sale (issue 17), bound from <c>Coupons:WarmUp</c>.</summary>
public sealed class WarmUpOptions
{
    public const string Section = "Coupons:WarmUp";

    /// <summary>Whether the node warms its caches ahead of sales and waits for its first pass before it says ready.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long before its claim window opens a campaign is warmed (campaigns open now are warmed at once).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Coupons:WarmUp:LeadTime must be between 0 and 7 days")]
    public TimeSpan LeadTime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the node looks for campaigns that became due (at once again while a pass left some).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Coupons:WarmUp:Interval must be between 1 s and an hour")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many campaigns one pass warms, at most; the rest are the next pass's, which follows at once.</summary>
    [Range(1, 10_000, ErrorMessage = "Coupons:WarmUp:MaxCampaigns must be between 1 and 10,000")]
    public int MaxCampaigns { get; set; } = 100;

    /// <summary>How long a starting node's readiness waits for its first complete pass, at most; past it the node says ready anyway.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Coupons:WarmUp:ReadyWithin must be between 0 and an hour")]
    public TimeSpan ReadyWithin { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Whether the node's first warm-up pass is done, for <c>/health/ready</c>: not until every
/// campaign due at start is warm, or <see cref="WarmUpOptions.ReadyWithin"/> has passed since the
/// start (then said once in the log), so that a broken warm-up never keeps a node out.
/// </summary>
internal sealed partial class WarmUpReadiness(TimeProvider time, IOptions<WarmUpOptions> options, ILogger<WarmUpReadiness> logger)
{
    private readonly long _startedAt = time.GetTimestamp();
    private volatile bool _done;
    private int _gaveUp;

    public bool IsReady
    {
        get
        {
            if (_done)
            {
                return true;
            }

            if (time.GetElapsedTime(_startedAt) < options.Value.ReadyWithin)
            {
                return false;
            }

            if (Interlocked.Exchange(ref _gaveUp, 1) == 0)
            {
                LogGaveUp(logger, options.Value.ReadyWithin);
            }

            return true;
        }
    }

    /// <summary>Whether the first pass is done (the wait given up on does not count).</summary>
    public bool IsDone => _done;

    public void Done() => _done = true;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The first warm-up pass has not finished within {ReadyWithin} (Coupons:WarmUp:ReadyWithin): the node says ready anyway; claims fill the caches as they come")]
    private static partial void LogGaveUp(ILogger logger, TimeSpan readyWithin);
}

internal sealed class WarmUpReadyCheck(WarmUpReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the node is warming its caches for campaigns open or about to open"));
}

/// <summary>
/// Warms this node's caches every <see cref="WarmUpOptions.Interval"/> for the campaigns whose
/// claim window opens within <see cref="WarmUpOptions.LeadTime"/> or is open
/// (<see cref="ICacheWarmUp"/>, on a store that has such caches), logging a line a campaign warmed
/// (its id) and counting them on <c>/metrics</c> (<c>coupons.warmup.campaigns</c>). Its first
/// complete pass makes the node ready (<see cref="WarmUpReadiness"/>); on a store without such
/// caches, or with the warm-up off, the node is ready at once.
/// </summary>
internal sealed partial class WarmUpService : BackgroundService
{
    private readonly ICouponStore _store;
    private readonly ICacheWarmUp? _warmUp;
    private readonly WarmUpReadiness _readiness;
    private readonly WarmUpOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WarmUpService> _logger;
    private readonly Counter<long> _warmed;

    public WarmUpService(
        ICouponStore store, IServiceProvider services, WarmUpReadiness readiness, IOptions<WarmUpOptions> options, IMeterFactory meters, TimeProvider time, ILogger<WarmUpService> logger)
    {
        _store = store;
        _options = options.Value;
        _warmUp = _options.Enabled ? services.GetService<ICacheWarmUp>() : null;
        _readiness = readiness;
        _time = time;
        _logger = logger;
        _warmed = meters.Create("Coupons").CreateCounter<long>(
            "coupons.warmup.campaigns", "{campaign}", "Campaigns whose claim window opens within Coupons:WarmUp:LeadTime or is open, loaded into this node's caches");
        if (_warmUp is null)
        {
            readiness.Done();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_warmUp is null)
        {
            return;
        }

        var leadMs = (long)_options.LeadTime.TotalMilliseconds;
        while (!stoppingToken.IsCancellationRequested)
        {
            var again = false;
            try
            {
                again = _store.IsReady && !await PassAsync(_warmUp, leadMs, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is StorageUnavailableException or OverloadedException or StackExchange.Redis.RedisException)
            {
                // The next pass tries again; claims meanwhile fill the caches themselves.
                LogPassFailed(_logger, exception);
            }

            if (!again)
            {
                await Task.Delay(_options.Interval, _time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>One pass; true when it caught up (the first such makes the node ready).</summary>
    private async Task<bool> PassAsync(ICacheWarmUp warmUp, long leadMs, CancellationToken stoppingToken)
    {
        var pass = await warmUp.WarmAsync(leadMs, _options.MaxCampaigns, stoppingToken).ConfigureAwait(false);
        foreach (var campaignId in pass.Warmed)
        {
            LogWarmed(_logger, campaignId);
        }

        _warmed.Add(pass.Warmed.Count);
        if (pass.CaughtUp && !_readiness.IsDone)
        {
            _readiness.Done();
            LogFirstPassDone(_logger);
        }

        return pass.CaughtUp;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed this node's caches for campaign {CampaignId}")]
    private static partial void LogWarmed(ILogger logger, Guid campaignId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The first warm-up pass is done: every campaign open or opening within the lead time is warm")]
    private static partial void LogFirstPassDone(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A warm-up pass failed; the next tries again")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
