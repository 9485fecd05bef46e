namespace Coupons.Core.Codes;

/// <summary>How a code a store found is decided, before the campaign's own claim rules.</summary>
public enum CodeKind : byte
{
    /// <summary>A campaign's shared code: everyone may claim with it, each under the campaign's per-user limit.</summary>
    Shared = 1,

    /// <summary>A generated code: one claim, by one user, ever.</summary>
    Unique = 2,
}

/// <summary>What decided a claim by code before the campaign's rules: refuse, replay, or go on to the campaign's claim.</summary>
public readonly record struct CodeDecision(Outcome Outcome, Guid? CouponId)
{
    /// <summary>Go on: claim from the campaign (<see cref="CodeRules.IdempotencyKeyOf"/>).</summary>
    public bool Claims => Outcome == Outcome.Ok;
}

/// <summary>
/// The rules of claiming by code (DESIGN.md, Codes), one home for every store. A store finds the
/// code by its hash, asks <see cref="Decide"/>, claims from the campaign with
/// <see cref="IdempotencyKeyOf"/>, and for a unique code records the claim with the coupon.
/// </summary>
public static class CodeRules
{
    /// <summary>
    /// code_not_found (no such code) → a unique code claimed by someone else: code_already_claimed;
    /// by the same user: <see cref="Outcome.Replayed"/> with its coupon → ok (claim from the campaign).
    /// </summary>
    public static CodeDecision Decide(bool found, CodeKind kind, string? claimedBy, Guid? couponId, string userId)
    {
        if (!found)
        {
            return new CodeDecision(Outcome.CodeNotFound, null);
        }

        if (kind == CodeKind.Unique && couponId is { } coupon)
        {
            return string.Equals(claimedBy, userId, StringComparison.Ordinal)
                ? new CodeDecision(Outcome.Replayed, coupon)
                : new CodeDecision(Outcome.CodeAlreadyClaimed, null);
        }

        return new CodeDecision(Outcome.Ok, null);
    }

    /// <summary>
    /// The idempotency key of a claim by code: a unique code always claims under its own key, so the
    /// same user claiming it again gets the same coupon; a shared code under the caller's key when
    /// given (a user allowed several coupons asks for each with its own key), else under the code's.
    /// A code's key starts with a space, which no caller's key has (they are visible ASCII), so the two never meet.
    /// </summary>
    public static string IdempotencyKeyOf(CodeKind kind, CodeHash code, string? callerKey) =>
        kind == CodeKind.Shared && callerKey is not null ? callerKey : " code " + code.ToText();
}
