using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Coupons.Api.Contracts;
using Coupons.Api.Dashboard;
using Coupons.Core;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Hosting;

/// <summary>
/// What the service did, on <c>/metrics</c> (meter <c>Coupons</c>): claims by outcome code and way
/// (a campaign's id or a code), a coupon's changes by operation and outcome code, orders' the same,
/// whether the store is ready, and the remaining stock of the campaigns this node claimed from most
/// lately (the hottest <see cref="MetricsOptions.StockCampaigns"/>, each kept a minute after its last
/// claim; <see cref="StockGauges"/> reads them).
/// Every outcome the store answered is counted, refusals too; requests refused before the store
/// (bad input, rate limits) are not (the request metrics and <c>coupons.protection.refused</c> have them).
/// </summary>
public sealed class BusinessMetrics
{
    private readonly Counter<long> _claims;
    private readonly Counter<long> _redemptions;
    private readonly Counter<long> _orders;
    private readonly OutcomeTally _claimTally = new();
    private readonly OutcomeTally _redemptionTally = new();
    private readonly OutcomeTally _orderTally = new();
    private readonly ConcurrentDictionary<Guid, long> _claimsByCampaign = new();
    private readonly Dictionary<Guid, int> _idle = [];
    private volatile IReadOnlyList<Measurement<long>> _remaining = [];
    private volatile IReadOnlyList<Measurement<long>> _total = [];

    public BusinessMetrics(IMeterFactory meters, ICouponStore store)
    {
        var meter = meters.Create("Coupons");
        _claims = meter.CreateCounter<long>("coupons.claims", "{claim}", "Claims the store answered, by outcome code and way (via: id, code)");
        _redemptions = meter.CreateCounter<long>("coupons.redemptions", "{request}", "Changes of a single coupon by an order the store answered, by operation (lock, redeem, release, refund) and outcome code");
        _orders = meter.CreateCounter<long>("coupons.orders", "{request}", "Operations on checkout orders the store answered, by operation (lock, redeem, release, refund) and outcome code");
        meter.CreateObservableGauge("coupons.store.ready", () => store.IsReady ? 1 : 0, null, "1 when the store takes requests (recovered, connected, writing to disk), else 0");
        meter.CreateObservableGauge("coupons.campaign.stock.remaining", () => _remaining, "{coupon}", "Coupons left to claim, for the campaigns this node claimed from most lately (campaign: its id)");
        meter.CreateObservableGauge("coupons.campaign.stock.total", () => _total, "{coupon}", "A campaign's whole stock, for the campaigns of coupons.campaign.stock.remaining");
    }

    public void Claimed(Guid? campaignId, Outcome outcome, string via)
    {
        _claims.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToCode()), new KeyValuePair<string, object?>("via", via));
        _claimTally.Add(outcome);
        if (campaignId is { } id && outcome != Outcome.CampaignNotFound)
        {
            _claimsByCampaign.AddOrUpdate(id, 1, static (_, count) => count + 1);
        }
    }

    public void CouponChanged(string operation, Outcome outcome)
    {
        _redemptions.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome.ToCode()));
        _redemptionTally.Add(outcome);
    }

    public void OrderChanged(string operation, Outcome outcome)
    {
        _orders.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome.ToCode()));
        _orderTally.Add(outcome);
    }

    /// <summary>Claims answered since this node started, by outcome code (the live dashboard's rates come from their growth).</summary>
    internal IReadOnlyDictionary<string, long> ClaimsSoFar() => _claimTally.Read();

    /// <summary>Single coupons' changes answered since this node started, by outcome code.</summary>
    internal IReadOnlyDictionary<string, long> RedemptionsSoFar() => _redemptionTally.Read();

    /// <summary>Orders' operations answered since this node started, by outcome code.</summary>
    internal IReadOnlyDictionary<string, long> OrdersSoFar() => _orderTally.Read();

    /// <summary>
    /// The campaigns to show: those claimed from since the last call, most claimed first, then those
    /// shown before and claimed from within the last <paramref name="keepIdle"/> calls; at most
    /// <paramref name="count"/>. The counts start again at each call.
    /// </summary>
    internal IReadOnlyList<Guid> TakeHottest(int count, int keepIdle)
    {
        var counts = new Dictionary<Guid, long>();
        foreach (var id in _claimsByCampaign.Keys)
        {
            if (_claimsByCampaign.TryRemove(id, out var claims))
            {
                counts[id] = claims;
            }
        }

        foreach (var id in _idle.Keys.ToList())
        {
            _idle[id] = counts.ContainsKey(id) ? 0 : _idle[id] + 1;
        }

        foreach (var id in counts.Keys)
        {
            _idle.TryAdd(id, 0);
        }

        var shown = _idle.Where(e => e.Value <= keepIdle)
            .OrderBy(e => e.Value).ThenByDescending(e => counts.GetValueOrDefault(e.Key)).Take(count).Select(e => e.Key).ToList();
        foreach (var id in _idle.Keys.Except(shown).ToList())
        {
            _idle.Remove(id);
        }

        return shown;
    }

    /// <summary>Publishes the stock of the campaigns read, in place of the last.</summary>
    internal void ShowStock(IReadOnlyList<CampaignInfo> campaigns)
    {
        var tags = campaigns.Select(c => new KeyValuePair<string, object?>("campaign", Ids.Format(c.Id))).ToList();
        _remaining = [.. campaigns.Select((c, i) => new Measurement<long>(c.RemainingStock, tags[i]))];
        _total = [.. campaigns.Select((c, i) => new Measurement<long>(c.TotalStock, tags[i]))];
    }
}

/// <summary>Settings of what <c>/metrics</c> shows, bound from <c>Coupons:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Coupons:Metrics";

    /// <summary>
    /// Whether <c>/metrics</c> is served and the meters are listened to. Off, the instruments record
    /// into nothing (no listener), which is what the metrics' cost is measured against (bench/metrics.sh).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>What registration reads before the settings are bound; a value that is not a bool reads as true here and fails the check at start.</summary>
    public static bool AreEnabled(IConfiguration configuration) => !bool.TryParse(configuration[Section + ":" + nameof(Enabled)], out var enabled) || enabled;

    /// <summary>How many campaigns' stock is shown: those this node claimed from most since the last reading.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 1000, ErrorMessage = "Coupons:Metrics:StockCampaigns must be between 0 and 1000")]
    public int StockCampaigns { get; set; } = 20;

    /// <summary>How often the shown campaigns' stock is read again (and the hottest chosen again).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Coupons:Metrics:StockInterval must be between 1 s and an hour")]
    public TimeSpan StockInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Reads the stock of the hottest campaigns every <see cref="MetricsOptions.StockInterval"/> for
/// <see cref="BusinessMetrics"/>. A campaign stays shown while claims come and for a minute after the
/// last (its series then ends); the most claimed go first when more than the limit want showing.
/// </summary>
internal sealed class StockGauges(BusinessMetrics metrics, ICouponStore store, IOptions<MetricsOptions> options, ILogger<StockGauges> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.StockInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var read = new List<CampaignInfo>();
                var keepIdle = (int)Math.Ceiling(TimeSpan.FromMinutes(1) / settings.StockInterval);
                foreach (var id in metrics.TakeHottest(settings.StockCampaigns, keepIdle))
                {
                    if (store.IsReady && await store.GetCampaignAsync(id, stoppingToken).ConfigureAwait(false) is { } campaign)
                    {
                        read.Add(campaign);
                    }
                }

                metrics.ShowStock(read);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The next reading tries again; the gauges keep the last one meanwhile.
                logger.LogWarning(exception, "Reading the stock of the hottest campaigns for /metrics failed");
            }
        }
    }
}
