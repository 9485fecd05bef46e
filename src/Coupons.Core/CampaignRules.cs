namespace Coupons.Core;

/// <summary>
/// The rules of a campaign's status and stock: pure functions, called by a store under whatever
/// orders the campaign's changes. Each checks its refusals in the order of its outcome values and
/// changes nothing when it refuses.
/// </summary>
/// <remarks>
/// The Redis store must decide these inside a script, atomically with the change: status.lua
/// re-states <see cref="ChangeStatus"/> and stock.lua re-states <see cref="AddStock"/>. The
/// conformance suite's campaign cases (<c>StoreConformance</c>) and the model test hold each store
/// to these functions.
/// </remarks>
public static class CampaignRules
{
    /// <summary>The status a command moves a campaign to.</summary>
    public static CampaignStatus TargetOf(CampaignCommand command) => command switch
    {
        CampaignCommand.Pause => CampaignStatus.Paused,
        CampaignCommand.Resume => CampaignStatus.Active,
        CampaignCommand.End => CampaignStatus.Ended,
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "unknown campaign command"),
    };

    /// <summary>
    /// Pause, resume or end: a command that changes nothing is <see cref="Outcome.Replayed"/> (so
    /// ending an ended campaign too); an ended campaign refuses the others (campaign_ended).
    /// </summary>
    public static Outcome ChangeStatus(CampaignStatus current, CampaignCommand command, out CampaignStatus next)
    {
        var target = TargetOf(command);
        next = current;
        if (current == target)
        {
            return Outcome.Replayed;
        }

        if (current == CampaignStatus.Ended)
        {
            return Outcome.CampaignEnded;
        }

        next = target;
        return Outcome.Ok;
    }

    /// <summary>
    /// Adds stock: campaign_ended → stock_cap_exceeded (the total would pass
    /// <see cref="CampaignDefinition.MaxStock"/>) → ok.
    /// </summary>
    public static Outcome AddStock(CampaignStatus status, long totalStock, long add, out long nextTotalStock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(add);
        nextTotalStock = totalStock;
        if (status == CampaignStatus.Ended)
        {
            return Outcome.CampaignEnded;
        }

        if (add > CampaignDefinition.MaxStock - totalStock)
        {
            return Outcome.StockCapExceeded;
        }

        nextTotalStock = totalStock + add;
        return Outcome.Ok;
    }
}
