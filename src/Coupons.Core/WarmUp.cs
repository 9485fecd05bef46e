namespace Coupons.Core;

/// <summary>
/// Which campaigns a node warms its caches for before their sale (issue 17): those a claim may
/// succeed on within the lead time, so that the first claims of a flash crowd find the campaign's
/// terms, buckets and shared code already in the node's memory.
/// </summary>
public static class WarmUpRules
{
    /// <summary>
    /// Whether a claim on the campaign may succeed at some moment from <paramref name="nowMs"/> to
    /// <paramref name="nowMs"/> + <paramref name="leadMs"/>: not ended, its claim window (cut short
    /// by an absolute validity's end) not over, and open or opening within the lead. A paused
    /// campaign counts: it may be resumed at any moment.
    /// </summary>
    public static bool IsDue(CampaignStatus status, CampaignDefinition terms, long nowMs, long leadMs)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentOutOfRangeException.ThrowIfNegative(leadMs);
        return status != CampaignStatus.Ended && !IsOver(terms, nowMs) && nowMs >= DueAtMs(terms, leadMs);
    }

    /// <summary>Whether no claim on the campaign can succeed from <paramref name="nowMs"/> on: its claim window or its absolute validity has ended (neither ever changes).</summary>
    public static bool IsOver(CampaignDefinition terms, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return (terms.ClaimEndsAtMs is { } end && nowMs >= end) || (terms.Validity.ToMs is { } validTo && nowMs >= validTo);
    }

    /// <summary>From when the campaign is due (Unix ms): the lead time before its claim window opens; at once when it has no start.</summary>
    public static long DueAtMs(CampaignDefinition terms, long leadMs)
    {
        ArgumentNullException.ThrowIfNull(terms);
        return terms.ClaimStartsAtMs is { } start ? start - leadMs : long.MinValue;
    }
}

/// <summary>
/// A store whose nodes fill caches lazily (the Redis store: campaign terms and buckets, shared code
/// lookups, scripts on the servers), warmed ahead of a sale by the hosting's warm-up service. A
/// store that holds everything in memory from its start (the embedded one) has none.
/// </summary>
public interface ICacheWarmUp
{
    /// <summary>
    /// One pass: looks for campaigns due (<see cref="WarmUpRules.IsDue"/>) that this node has not
    /// warmed yet and loads what a claim on them needs, at most <paramref name="maxCampaigns"/> of
    /// them. Idempotent; cheap when nothing new is due.
    /// </summary>
    ValueTask<WarmUpPass> WarmAsync(long leadMs, int maxCampaigns, CancellationToken cancellationToken = default);

    /// <summary>Whether this node's caches hold what a claim on the campaign needs (asked of memory alone).</summary>
    bool IsWarm(Guid campaignId);
}

/// <summary>What a warm-up pass did: the campaigns it warmed, and whether it caught up (every campaign due now is warm).</summary>
public sealed record WarmUpPass(IReadOnlyList<Guid> Warmed, bool CaughtUp);
