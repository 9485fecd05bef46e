using System.Collections.Concurrent;
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
/// What is remembered is small and never changes: the token's claims as plain strings and its
/// validity (<see cref="RememberedToken"/>), about a fifth of a kilobyte, where the library's
/// validation result holds the parsed token and its JSON, about four. Each hit builds a fresh
/// identity from them, a few hundred bytes that die with the request. Keeping the library's results
/// instead made a cache of ten thousand tokens some forty megabytes of small objects that every
/// collection had to promote and scan: gen0 pauses of 5 to 20 ms instead of 2.
/// </para>
/// <para>
/// Bounded: when <see cref="Capacity"/> tokens are held the cache is emptied and fills again. A
/// signing key change must make a new handler (the validation parameters would change with it).
/// </para>
/// </remarks>
public sealed class CachingTokenHandler(int capacity, TimeProvider time) : JsonWebTokenHandler
{
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
                return known.ToResult();
            }

            _validated.TryRemove(token, out _);
        }

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
/// What a validated token said, kept by <see cref="CachingTokenHandler"/>: its claims as strings,
/// the identity's settings, and its validity. Immutable; the security token of every result built
/// from it.
/// </summary>
public sealed class RememberedToken : SecurityToken
{
    private readonly (string Type, string Value, string ValueType, string Issuer)[] _claims;
    private readonly string? _authenticationType;
    private readonly string _nameType;
    private readonly string _roleType;

    internal RememberedToken(SecurityToken validated, ClaimsIdentity identity, DateTime usableUntil)
    {
        Id = validated.Id;
        Issuer = validated.Issuer;
        ValidFrom = validated.ValidFrom;
        ValidTo = validated.ValidTo;
        UsableUntil = usableUntil;
        _claims = [.. identity.Claims.Select(c => (c.Type, c.Value, c.ValueType, c.Issuer))];
        _authenticationType = identity.AuthenticationType;
        _nameType = identity.NameClaimType;
        _roleType = identity.RoleClaimType;
    }

    public override string Id { get; }
    public override string Issuer { get; }
    public override DateTime ValidFrom { get; }
    public override DateTime ValidTo { get; }

    /// <summary>The token's expiry plus the clock skew validation allowed.</summary>
    public DateTime UsableUntil { get; }

    /// <summary>Not kept: nothing after validation needs the key.</summary>
    public override SecurityKey? SecurityKey => null;

    public override SecurityKey? SigningKey
    {
        get => null;
        set => throw new NotSupportedException("a remembered token keeps no key");
    }

    /// <summary>A valid result with an identity of its own, as the library would build for this token.</summary>
    public TokenValidationResult ToResult()
    {
        var claims = new Claim[_claims.Length];
        for (var i = 0; i < claims.Length; i++)
        {
            var (type, value, valueType, issuer) = _claims[i];
            claims[i] = new Claim(type, value, valueType, issuer);
        }

        return new TokenValidationResult
        {
            IsValid = true,
            SecurityToken = this,
            ClaimsIdentity = new CaseSensitiveClaimsIdentity(claims, _authenticationType, _nameType, _roleType),
        };
    }
}
