using Coupons.Core;

namespace Coupons.Api.Http;

/// <summary>The <c>Idempotency-Key</c> header's rule: 1 to 128 visible ASCII characters.</summary>
public static class IdempotencyKeys
{
    public static bool IsValid(string key) =>
        key.Length is > 0 and <= StoreLimits.MaxIdempotencyKeyLength && key.All(c => c is > ' ' and <= '~');
}
