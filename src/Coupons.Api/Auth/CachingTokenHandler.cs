using System.Collections.Concurrent;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Auth;

/// <summary>
/// The JWT handler, remembering tokens it has validated: a client sends the same token with every
/// request, and validating one (parsing, HMAC, building the identity) cost about a tenth of a claim's
/// CPU and most of its allocations. A token is looked up by its whole text, signature included, so
/// only the very token that was validated can hit; a hit is answered only until the token expires
/// (with the same clock skew validation allows). Invalid tokens are never remembered.
/// </summary>
/// <remarks>
/// Bounded: when <see cref="Capacity"/> tokens are held the cache is emptied and fills again. The
/// identity of a remembered token is shared by the requests that send it; nothing in this service
/// changes an identity after validation. A signing key change must make a new handler (the
/// validation parameters would change with it).
/// </remarks>
public sealed class CachingTokenHandler(int capacity, TimeProvider time) : JsonWebTokenHandler
{
    private readonly ConcurrentDictionary<string, Validated> _validated = new(StringComparer.Ordinal);

    public int Capacity { get; } = capacity;

    /// <summary>Tokens held now.</summary>
    public int Count => _validated.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        var now = time.GetUtcNow().UtcDateTime;
        if (token is not null && _validated.TryGetValue(token, out var known))
        {
            if (now < known.UsableUntil)
            {
                return known.Result;
            }

            _validated.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (token is not null && Capacity > 0 && result.IsValid && result.SecurityToken is { } validated)
        {
            if (_validated.Count >= Capacity)
            {
                _validated.Clear();
            }

            _validated[token] = new Validated(result, validated.ValidTo + validationParameters.ClockSkew);
        }

        return result;
    }

    private sealed record Validated(TokenValidationResult Result, DateTime UsableUntil);
}
