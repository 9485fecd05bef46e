namespace Coupons.Core.Codes;

public enum CodeStatus : byte
{
    Available = 1,
    Claimed = 2,
}

/// <summary>A campaign's shared code as stores keep it: its lookup hash and its sealed form (<see cref="CodeProtector.ProtectToText"/>, owner <see cref="CodeHash.AsOwner"/>).</summary>
public sealed record SealedCode(CodeHash Hash, string Sealed);

/// <summary>A generated code as a generation step hands it to the store: its place in its job, its hash, its sealed form (owner: the campaign).</summary>
public sealed record NewCode(long Index, CodeHash Hash, byte[] Sealed);

/// <summary>Where a listing of a campaign's codes goes on from: codes are listed by job (oldest first), then index.</summary>
public readonly record struct CodeCursor(Guid JobId, long Index)
{
    public string ToText() => JobId.ToString("N") + "." + Index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out CodeCursor cursor)
    {
        cursor = default;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (dot != 32 || !Guid.TryParseExact(text.AsSpan(0, 32), "N", out var jobId)
            || !long.TryParse(text.AsSpan(33), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
        {
            return false;
        }

        cursor = new CodeCursor(jobId, index);
        return true;
    }
}

/// <summary>A generated code as stored: sealed, with who claimed it for which coupon once claimed.</summary>
public sealed record CodeEntry(Guid JobId, long Index, CodeHash Hash, byte[] Sealed, string? UserId, Guid? CouponId, long? ClaimedAtMs)
{
    public CodeStatus Status => CouponId is null ? CodeStatus.Available : CodeStatus.Claimed;

    public CodeCursor Cursor => new(JobId, Index);
}

/// <summary>One page of a campaign's codes; <see cref="NextAfter"/> is null on the last page. A filtered page may hold fewer than asked, as <see cref="Page{T}"/> does.</summary>
public sealed record CodePage(IReadOnlyList<CodeEntry> Items, CodeCursor? NextAfter);

/// <summary>What a generation step's codes came to: refused for the campaign, or stored except those whose hash another code has.</summary>
/// <param name="Clashes">Positions in the step's list of codes whose hash another code (generated or shared) already has; those were not stored.</param>
public readonly record struct AddCodesResult(Outcome Outcome, IReadOnlyList<int> Clashes);

/// <summary>
/// Codes in a store (<see cref="ICouponStore"/>'s own store implements it): generated codes by
/// campaign, claims by code, and the index of every coupon's own code. Stores see codes only as
/// lookup hashes and sealed forms, never plain. Durable once a call returns, as every store change.
/// </summary>
public interface ICodeStore
{
    /// <summary>
    /// Stores a generation step's codes for <paramref name="campaignId"/>: campaign_not_found →
    /// campaign_ended → ok. A code whose hash is already stored for the same campaign, job and
    /// index is kept as it is (a step redone after a crash writes the same codes: see
    /// <see cref="CodeDerivation"/>); a code whose hash another code has is not stored, and its
    /// position comes back in <see cref="AddCodesResult.Clashes"/>. Generating codes reserves no stock.
    /// </summary>
    ValueTask<AddCodesResult> AddCodesAsync(Guid campaignId, Guid jobId, IReadOnlyList<NewCode> codes, CancellationToken cancellationToken = default);

    /// <summary>A campaign's generated codes by job, then index, after <paramref name="after"/>; <paramref name="status"/> filters.</summary>
    ValueTask<CodePage> ListCodesAsync(Guid campaignId, CodeStatus? status, CodeCursor? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims by code (<see cref="CodeRules"/>): code_not_found → (a unique code) code_already_claimed
    /// or, claimed by the same user, its coupon again (<see cref="Outcome.Replayed"/>) → the campaign's
    /// claim outcomes (<see cref="ICouponStore.ClaimAsync"/>), made with
    /// <see cref="CodeRules.IdempotencyKeyOf"/>. A refused claim leaves a unique code available.
    /// </summary>
    ValueTask<CouponResult> ClaimByCodeAsync(CodeHash code, string userId, string? idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>The coupon whose own code (<see cref="CouponOwnCodes"/>) is indexed at <paramref name="key"/>: ok, or coupon_not_found.</summary>
    ValueTask<CouponResult> FindCouponByCodeAsync(CouponCodeKey key, CancellationToken cancellationToken = default);
}

/// <summary>Creating a campaign with a shared code another campaign (or a generated code) already has.</summary>
public sealed class CodeTakenException() : Exception("another campaign already has this code");
