using System.Globalization;
using Coupons.Core.Codes;

namespace Coupons.Redis.Layout;

/// <summary>
/// A code's record in its partition's index (<see cref="RedisKeys.Codes"/>), written once and never
/// changed: a shared code names its campaign and when it was taken (<c>s|campaign|at</c>), a
/// generated one its campaign, job, index and sealed form (<c>u|campaign|job|index|sealed</c>, as
/// addcodes.lua writes it). Only hashes and sealed forms: never a plain code.
/// </summary>
public readonly record struct CodeRecord(CodeKind Kind, Guid CampaignId, Guid JobId, long Index, string? Sealed, long TakenAtMs)
{
    public static string Shared(Guid campaignId, long takenAtMs) =>
        "s|" + RedisKeys.Id(campaignId) + "|" + takenAtMs.ToString(CultureInfo.InvariantCulture);

    /// <summary>A generated code's record, as addcodes.lua writes it (the sealed form in base64).</summary>
    public static string Generated(Guid campaignId, Guid jobId, long index, string sealedBase64) =>
        "u|" + RedisKeys.Id(campaignId) + "|" + RedisKeys.Id(jobId) + "|" + index.ToString(CultureInfo.InvariantCulture) + "|" + sealedBase64;

    public static CodeRecord Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('|');
        return parts[0] switch
        {
            "s" => new CodeRecord(CodeKind.Shared, RedisKeys.ParseId(parts[1]), Guid.Empty, 0, null, long.Parse(parts[2], CultureInfo.InvariantCulture)),
            "u" => new CodeRecord(CodeKind.Unique, RedisKeys.ParseId(parts[1]), RedisKeys.ParseId(parts[2]), long.Parse(parts[3], CultureInfo.InvariantCulture), parts[4], 0),
            _ => throw new FormatException("not a code record"),
        };
    }
}

/// <summary>
/// A generated code's claim (<see cref="RedisKeys.CodeClaims"/>): reserved for a user while their
/// claim is made (<c>r|at|user</c>), then claimed with the coupon (<c>c|at|coupon|user</c>). The
/// user comes last, so any character may be in it.
/// </summary>
public readonly record struct CodeClaim(bool Claimed, long AtMs, Guid? CouponId, string UserId)
{
    /// <summary>A claimed code's claim, as completecode.lua writes it.</summary>
    public static string ClaimedText(long atMs, Guid couponId, string userId) =>
        "c|" + atMs.ToString(CultureInfo.InvariantCulture) + "|" + RedisKeys.Id(couponId) + "|" + userId;

    public static CodeClaim Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var second = text.IndexOf('|', 2);
        var at = long.Parse(text.AsSpan(2, second - 2), CultureInfo.InvariantCulture);
        if (text[0] == 'r')
        {
            return new CodeClaim(false, at, null, text[(second + 1)..]);
        }

        return new CodeClaim(true, at, RedisKeys.ParseId(text.Substring(second + 1, 32)), text[(second + 34)..]);
    }
}

/// <summary>The events of codes in a code partition's stream, and their fields.</summary>
public static class CodeEvents
{
    /// <summary>Part of a generation step's codes, listed (listcodes.lua): hashes concatenated, indexes and sealed forms comma-separated.</summary>
    public const string Added = "codes";

    /// <summary>
    /// How many codes one <see cref="Added"/> event holds at most: about 50 KB, so that no field, read
    /// as text, is a large object for .NET's collector (85,000 bytes and over).
    /// </summary>
    public const int MaxCodesPerEvent = 500;

    /// <summary>A generated code claimed (completecode.lua), with its whole row.</summary>
    public const string Claimed = "code-claimed";

    public const string Code = "code";
    public const string Job = "job";
    public const string Index = "index";
    public const string Sealed = "sealed";
    public const string Hashes = "hashes";
    public const string Indexes = "indexes";
    public const string User = "user";
    public const string Coupon = "coupon";
    public const string ClaimedAt = "claimedAt";

    /// <summary>The own code's hash a claim's event carries (claim.lua), for the coupon's row.</summary>
    public const string OwnCode = "ownCode";

    /// <summary>The codes of an <see cref="Added"/> event.</summary>
    public static IEnumerable<(string Hash, long Index, string Sealed)> AddedCodes(StoredFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var hashes = fields.Text(Hashes);
        var indexes = fields.Text(Indexes).Split(',');
        var sealedForms = fields.Text(Sealed).Split(',');
        for (var i = 0; i < indexes.Length; i++)
        {
            yield return (hashes.Substring(i * CodeHash.TextLength, CodeHash.TextLength), long.Parse(indexes[i], CultureInfo.InvariantCulture), sealedForms[i]);
        }
    }
}
