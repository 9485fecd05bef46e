namespace Coupons.Api.Dashboard;

/// <summary>
/// What the live dashboard shows at one moment (<c>GET /dashboard/data</c>, admins): this node's
/// answers so far by outcome (the page turns their growth into rates), its requests of the last
/// seconds, and the active campaigns' stock and counts from the store (every node's claims).
/// </summary>
public sealed record DashboardSnapshot(
    DateTimeOffset At,
    bool Ready,
    DashboardRequests Requests,
    IReadOnlyDictionary<string, long> Claims,
    IReadOnlyDictionary<string, long> Redemptions,
    IReadOnlyDictionary<string, long> Orders,
    IReadOnlyList<DashboardCampaign> Campaigns,
    bool MoreCampaigns);

/// <summary>
/// This node's requests under <c>/v1</c> in the last <paramref name="WindowSeconds"/> (<paramref name="P99Ms"/>
/// null when none came), those in flight now and those shed by admission control since the node started.
/// </summary>
public sealed record DashboardRequests(int WindowSeconds, long Count, double PerSecond, double? P99Ms)
{
    public int InFlight { get; init; }

    public long Shed { get; init; }
}

/// <summary>An active campaign's stock and coupons as its stats say (<paramref name="Rejected"/>: claims refused, every code together).</summary>
public sealed record DashboardCampaign(
    string Id,
    string Name,
    string Status,
    long TotalStock,
    long Issued,
    long RemainingStock,
    long Locked,
    long Used,
    long Rejected);
