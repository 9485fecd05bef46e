using Coupons.Core;

namespace Coupons.Embedded;

/// <summary>The campaign operations: create, read, list, pause / resume / end, add stock, stats.</summary>
public sealed partial class EmbeddedCouponStore
{
    public async ValueTask<CampaignInfo> CreateCampaignAsync(CampaignDefinition definition, long totalStock, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        var errors = definition.Validate(totalStock);
        if (errors.Count > 0)
        {
            throw new ArgumentException($"invalid campaign definition: {string.Join(", ", errors.Keys)}", nameof(definition));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var now = NowMs();
        var campaign = new CampaignEntry(Guid.CreateVersion7(_time.GetUtcNow()), definition, now, CampaignStatus.Active, totalStock);
        var sequence = AppendNewCampaign(log, campaign, now);
        await log.WhenDurableAsync(sequence, cancellationToken).ConfigureAwait(false);
        // Nothing else can have changed it yet: its id was not known before the line above.
        return campaign.ToInfo();
    }

    public async ValueTask<CampaignInfo?> GetCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        var info = _campaigns.TryGetValue(campaignId, out var campaign) ? campaign.ToInfo() : null;
        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return info;
    }

    public async ValueTask<Page<CampaignInfo>> ListCampaignsAsync(CampaignFilter filter, Guid? after, int limit, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        var now = NowMs();
        var matching = _campaigns.Values.Where(c => (after is null || c.Id.CompareTo(after.Value) > 0) && filter.Matches(c.Status, c.Definition, now));
        var page = Paginate(matching, c => c.Id, limit, c => c.ToInfo());
        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return page;
    }

    public async ValueTask<CampaignResult> ChangeCampaignStatusAsync(Guid campaignId, CampaignCommand command, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        if (!_campaigns.TryGetValue(campaignId, out var campaign))
        {
            return new CampaignResult(Outcome.CampaignNotFound, null);
        }

        Outcome outcome;
        CampaignInfo info;
        lock (campaign.Gate)
        {
            outcome = CampaignRules.ChangeStatus(campaign.Status, command, out var target);
            if (outcome == Outcome.Ok)
            {
                // The status changes under the log's lock, with its record: a claim, which checks the
                // status under the same lock as it appends, is wholly before the change or wholly after.
                log.AppendIf(
                    LogRecord.ForCampaign(campaign.ToRow() with { Status = target }, WireNames.Actions.OfStatusChange(target), AuditText.CampaignState(campaign.Status, campaign.TotalStock), NowMs()),
                    static change => { change.Campaign.Status = change.Target; return true; },
                    (Campaign: campaign, Target: target));
            }

            info = campaign.ToInfo();
        }

        // The answer shows stock counts too, which claims change without this gate: wait for all seen.
        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return new CampaignResult(outcome, info);
    }

    public async ValueTask<CampaignResult> AddStockAsync(Guid campaignId, long add, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(add);
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        if (!_campaigns.TryGetValue(campaignId, out var campaign))
        {
            return new CampaignResult(Outcome.CampaignNotFound, null);
        }

        Outcome outcome;
        CampaignInfo info;
        lock (campaign.Gate)
        {
            outcome = CampaignRules.AddStock(campaign.Status, campaign.TotalStock, add, out var total);
            if (outcome == Outcome.Ok)
            {
                log.Append(LogRecord.ForCampaign(
                    campaign.ToRow() with { TotalStock = total }, WireNames.Actions.CampaignStockAdded, AuditText.CampaignState(campaign.Status, campaign.TotalStock), NowMs()));
                campaign.AddStock(add);
            }

            info = campaign.ToInfo();
        }

        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return new CampaignResult(outcome, info);
    }

    public async ValueTask<CampaignStats?> GetStatsAsync(Guid campaignId, CancellationToken cancellationToken = default)
    {
        var log = OpenLogOrThrow();
        cancellationToken.ThrowIfCancellationRequested();
        var stats = _campaigns.TryGetValue(campaignId, out var campaign) ? campaign.ToStats() : null;
        await log.WhenSeenIsDurableAsync(cancellationToken).ConfigureAwait(false);
        return stats;
    }
}
