namespace Coupons.Client.Resilience;

/// <summary>
/// Which of the contract's requests may be sent again when the first answer was lost or was a
/// transient failure: those whose repeat cannot do a second thing.
/// </summary>
/// <remarks>
/// Reads (GET, and a code's lookup); the four order changes (<c>lock</c>, <c>redeem</c>, <c>release</c>, <c>refund</c>:
/// idempotent per order); a coupon's <c>revoke</c> (a revoked coupon revoked again is a replay); a campaign's <c>pause</c>, <c>resume</c>, <c>end</c> (they set a status);
/// a job's <c>cancel</c> (a cancelled job cancelled again is a replay);
/// a claim sent with an <c>Idempotency-Key</c> (the same key gives the same coupon); a claim by code,
/// with or without a key (a generated code gives its claimer the same coupon again; a shared code
/// does so without a key, and with the same key); a code generation sent with an <c>Idempotency-Key</c>
/// (the same key gives the same job), and so an issuance (a JSON list, or a CSV stream the request
/// can send again: a seekable one); and adding a blocklist entry (it replaces the entry of the same
/// kind and value). Not: creating a campaign, adding stock, a claim or a code generation without a
/// key, an issuance without a key, and the deletes (a repeat of a delete that was done answers <c>not_found</c>).
/// </remarks>
public static class RetrySafety
{
    private static readonly string[] IdempotentChanges = ["/lock", "/redeem", "/release", "/refund", "/revoke", "/pause", "/resume", "/end", "/cancel", "v1/codes/claim", "v1/codes/lookup", "v1/checkout/quote"];

    /// <summary>Whether <paramref name="request"/> may be sent again.</summary>
    public static bool IsSafeToRetry(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head)
        {
            return true;
        }

        if (request.Method != HttpMethod.Post || request.RequestUri is not { } uri)
        {
            return false;
        }

        var path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString;
        foreach (var change in IdempotentChanges)
        {
            if (path.EndsWith(change, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return path.EndsWith("/claim", StringComparison.Ordinal) || path.EndsWith("/codes", StringComparison.Ordinal) || path.EndsWith("/issuances", StringComparison.Ordinal)
            ? request.Headers.Contains(CouponsClient.IdempotencyKeyHeader)
            : path.EndsWith("v1/blocklist", StringComparison.Ordinal);
    }
}
