using System.Collections.Concurrent;
using System.Globalization;
using Coupons.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Protection;

/// <summary>
/// Guessing codes: failed claims by code (code_not_found, code_already_claimed) are counted per
/// account and per address in the signal store's sliding windows (this process, or Redis for every
/// node); past <see cref="CodeAttemptSettings"/>, claims by code from that account or address are
/// refused (429, <c>limit: code_attempts</c>) until the window has passed, and each failure also
/// feeds the fraud signal <c>code_guessing</c>. A claim that succeeds is not counted, so a shopper
/// who mistypes once is not held up.
/// </summary>
/// <remarks>
/// The refusal is remembered by the node that counted the failure that crossed the limit; another
/// node learns it at the next failure it counts there, so across n nodes an account gets at most
/// n − 1 attempts past its limit. Exempt roles and switched-off protections count nothing.
/// </remarks>
public sealed class CodeGuessing(ISignalStore store, FraudSignals fraud, ProtectionMetrics metrics, TimeProvider time, IOptions<ProtectionOptions> options)
{
    public const string Limit = "code_attempts";

    private const string Signal = "code_attempts";
    private const int MostRemembered = 100_000;

    private readonly ProtectionOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, long> _refusedUntil = new(StringComparer.Ordinal);
    private readonly string _node = Guid.NewGuid().ToString("N")[..8];
    private long _sequence;

    /// <summary>The 429 answer when the caller's account or address is past its failed attempts; null to go on.</summary>
    public ProblemHttpResult? Refusal(HttpContext context)
    {
        if (Counted(context) is not { } facts)
        {
            return null;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = Math.Max(Until(UserKey(facts), now), Until(IpKey(facts), now));
        if (until <= now)
        {
            return null;
        }

        metrics.Refused(Limit);
        var seconds = Math.Max(1, (long)Math.Ceiling((until - now) / 1000.0));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests.",
            detail: $"Too many failed code attempts; retry after {seconds} s.",
            extensions: new Dictionary<string, object?> { ["code"] = ProblemCodes.RateLimited, ["limit"] = Limit });
    }

    /// <summary>Counts a failed attempt of the caller's account and address; returns once counted.</summary>
    public async Task FailedAsync(HttpContext context)
    {
        if (Counted(context) is not { } facts)
        {
            return;
        }

        var settings = _options.CodeAttempts;
        var member = _node + ":" + Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture);
        await CountAsync(UserKey(facts), settings.PerUser, member, settings.Window).ConfigureAwait(false);
        await CountAsync(IpKey(facts), settings.PerIp, member, settings.Window).ConfigureAwait(false);
        await fraud.ObserveCodeFailureAsync(facts).ConfigureAwait(false);
    }

    private ClientFacts? Counted(HttpContext context) =>
        _options.Enabled && ClientFacts.Of(context) is { Exempt: false } facts ? facts : null;

    private static string? UserKey(ClientFacts facts) => facts.User is { } user ? "user:" + user : null;

    private static string? IpKey(ClientFacts facts) => facts.IpText is { } ip ? "ip:" + ip : null;

    private long Until(string? key, long now)
    {
        if (key is null || !_refusedUntil.TryGetValue(key, out var until))
        {
            return 0;
        }

        if (until <= now)
        {
            _refusedUntil.TryRemove(new KeyValuePair<string, long>(key, until));
        }

        return until;
    }

    private async Task CountAsync(string? key, int limit, string member, TimeSpan window)
    {
        if (key is null || limit <= 0)
        {
            return;
        }

        var count = await store.ObserveAsync(Signal, key, member, window, Math.Clamp(limit * 2, 16, 4096)).ConfigureAwait(false);
        if (count >= limit)
        {
            if (_refusedUntil.Count >= MostRemembered)
            {
                _refusedUntil.Clear();
            }

            _refusedUntil[key] = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)window.TotalMilliseconds;
        }
    }
}
