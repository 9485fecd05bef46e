using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Coupons.Core.Codes;

namespace Coupons.Api.Contracts;

/// <summary>A code as someone typed it: any case, with or without the dashes and spaces of a printed group.</summary>
public sealed record CodeRequest(
    [property: Required, StringLength(CouponCodes.MaxInputLength, MinimumLength = 1), Description("The code as typed: case, spaces and the dashes between groups do not matter (a shared code's own dashes do).")] string? Code) : IRequestBody;

/// <summary>Unique codes to generate for a campaign.</summary>
public sealed record GenerateCodesRequest(
    [property: Required, Range(1, CouponCodes.MaxCount), Description("How many codes, 1 to 1,000,000.")] long? Count,
    [property: StringLength(CouponCodes.MaxPrefixLength), RegularExpression("^[2-9A-HJKMNP-Za-hjkmnp-z]*$"), Description("Starts every code: up to 8 symbols of the codes' alphabet (2-9 and A-Z without I, L, O; case-insensitive).")] string? Prefix = null,
    [property: Range(CouponCodes.MinLength, CouponCodes.MaxLength), Description("Symbols after the prefix, the check character included: 8 to 24, 12 when left out.")] int? Length = null) : IRequestBody;

/// <summary>A campaign's generated code: available until a user claims it, then whose coupon it became.</summary>
public sealed record CodeResponse(
    string Code,
    string Status,
    string? UserId,
    string? CouponId,
    DateTimeOffset? ClaimedAt)
{
    public static IReadOnlyList<string> StatusNames => ["available", "claimed"];

    public static CodeResponse From(CodeEntry entry, string code) => new(
        code,
        StatusNames[(int)entry.Status - 1],
        entry.UserId,
        entry.CouponId is { } coupon ? Ids.Format(coupon) : null,
        entry.ClaimedAtMs is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null);
}
