using Coupons.Core;
using Coupons.Core.Codes;

namespace Coupons.Api.Codes;

/// <summary>A campaign's shared code between the API and the store: sealed on the way in, opened for admins on the way out.</summary>
public static class CampaignCodes
{
    /// <summary>The shared code as a store keeps it: its hash, and its sealed form bound to that hash.</summary>
    public static SealedCode Seal(CodeProtector protector, string canonicalCode)
    {
        ArgumentNullException.ThrowIfNull(protector);
        var hash = protector.HashOf(canonicalCode);
        return new SealedCode(hash, protector.ProtectToText(canonicalCode, hash.AsOwner()));
    }

    /// <summary>The campaign's shared code in the clear, for an admin's eyes; null when it has none.</summary>
    public static string? Open(CodeProtector protector, CampaignInfo campaign)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(campaign);
        return campaign.Definition.Code is { } code ? protector.UnprotectText(code.Sealed, code.Hash.AsOwner()) : null;
    }
}
