using Coupons.Core;

namespace Coupons.Api.Http;

/// <summary>The <c>Idempotency-Key</c> header's rule: 1 to 128 visible ASCII characters.</summary>
public static class IdempotencyKeys
{
    public static bool IsValid(string key) =>
        key.Length is > 0 and <= StoreLimits.MaxIdempotencyKeyLength && key.All(c => c is > ' ' and <= '~');

    /// <summary>The 400 answer for a header that breaks the rule; null when there is none or it keeps it.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Problem(string? key) =>
        key is not null && !IsValid(key)
            ? Problems.Validation("Idempotency-Key", $"must be 1 to {StoreLimits.MaxIdempotencyKeyLength} visible ASCII characters")
            : null;
}
