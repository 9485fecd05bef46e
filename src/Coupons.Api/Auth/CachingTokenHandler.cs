using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Claims;
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
/// <para>
/// What is remembered is small: the token's claims in an identity of their own and its validity
/// (<see cref="RememberedToken"/>), about a kilobyte, where the library's validation result holds
/// the parsed token and its JSON as well, about four. The identity is shared by every request that
/// sends the token, so that a hit allocates nothing; nothing in this service changes an identity
/// after validation, and nothing may.
/// </para>
/// <para>
/// Bounded: when <see cref="Capacity"/> tokens are held the cache is emptied and fills again. A
/// signing key change must make a new handler (the validation parameters would change with it).
/// </para>
/// </remarks>
public sealed class CachingTokenHandler(int capacity, TimeProvider time) : JsonWebTokenHandler
{
    /// <summary>On <c>/metrics</c> (meter <c>Coupons</c>): tokens looked up, by result (<c>hit</c>, or <c>miss</c>: validated in full).</summary>
    private static readonly Counter<long> Lookups = new Meter("Coupons").CreateCounter<long>(
        "coupons.auth.token_cache.lookups", "{token}", "Bearer tokens looked up in the cache of validated tokens, by result (hit, miss: validated in full)");

    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");

    private readonly ConcurrentDictionary<string, RememberedToken> _validated = new(StringComparer.Ordinal);

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
                Lookups.Add(1, Hit);
                return known.Result;
            }

            _validated.TryRemove(token, out _);
        }

        Lookups.Add(1, Miss);

        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (token is not null && Capacity > 0 && result.IsValid && result.SecurityToken is { } validated && result.ClaimsIdentity is { } identity)
        {
            if (_validated.Count >= Capacity)
            {
                _validated.Clear();
            }

            _validated[token] = new RememberedToken(validated, identity, validated.ValidTo + validationParameters.ClockSkew);
        }

        return result;
    }
}

/// <summary>
/// What a validated token said, kept by <see cref="CachingTokenHandler"/>: a copy of its identity
/// (claims and settings) and its validity, and the valid result every hit returns.
/// </summary>
public sealed class RememberedToken : SecurityToken
{
    internal RememberedToken(SecurityToken validated, ClaimsIdentity identity, DateTime usableUntil)
    {
        Id = validated.Id;
        Issuer = validated.Issuer;
        ValidFrom = validated.ValidFrom;
        ValidTo = validated.ValidTo;
        UsableUntil = usableUntil;
        // A copy without the library's lazily parsed token behind it; its claims are copied too.
        var copy = new CaseSensitiveClaimsIdentity(identity.Claims, identity.AuthenticationType, identity.NameClaimType, identity.RoleClaimType);
        Result = new TokenValidationResult { IsValid = true, SecurityToken = this, ClaimsIdentity = copy };
    }

    public override string Id { get; }
    public override string Issuer { get; }
    public override DateTime ValidFrom { get; }
    public override DateTime ValidTo { get; }

    /// <summary>The token's expiry plus the clock skew validation allowed.</summary>
    public DateTime UsableUntil { get; }

    /// <summary>The valid result of every hit; shared, never changed.</summary>
    public TokenValidationResult Result { get; }

    /// <summary>Not kept: nothing after validation needs the key.</summary>
    public override SecurityKey? SecurityKey => null;

    public override SecurityKey? SigningKey
    {
        get => null;
        set => throw new NotSupportedException("a remembered token keeps no key");
    }
}
