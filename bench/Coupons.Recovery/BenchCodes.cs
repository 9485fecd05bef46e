using System.Security.Cryptography;
using Coupons.Core.Codes;

namespace Coupons.Recovery;

/// <summary>Code keys made for one run: stores here record own-code hashes but nobody looks them up across runs.</summary>
internal static class BenchCodes
{
    public static CouponOwnCodes Own { get; } = new(new CodeProtector(RandomNumberGenerator.GetBytes(CodeProtector.KeyBytes), [], RandomNumberGenerator.GetBytes(CodeProtector.KeyBytes)));
}
