using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Coupons.Bench.Service;

/// <summary>
/// Mints the HS256 tokens the service accepts (issuer and audience <c>coupons</c>), with the signing
/// key the service was given: a load test needs tens of thousands of users, too many to ask for.
/// </summary>
public sealed class Tokens(string signingKey, TimeProvider time)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(signingKey);
    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    public string Issue(string subject, string? role = null, TimeSpan? lifetime = null)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var expires = now + (long)(lifetime ?? TimeSpan.FromHours(6)).TotalSeconds;
        var roleClaim = role is null ? "" : $",\"role\":\"{role}\"";
        var claims = $"{{\"sub\":\"{subject}\",\"iss\":\"coupons\",\"aud\":\"coupons\",\"iat\":{now},\"nbf\":{now - 60},\"exp\":{expires}{roleClaim}}}";
        var unsigned = Header + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims));
        var signature = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(unsigned));
        return unsigned + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>Tokens for users <c>{prefix}0</c> … <c>{prefix}{count-1}</c>.</summary>
    public string[] Users(string prefix, int count)
    {
        var tokens = new string[count];
        for (var i = 0; i < count; i++)
        {
            tokens[i] = Issue(prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return tokens;
    }
}
