using System.Buffers.Binary;

namespace Coupons.Core.Codes;

/// <summary>Where a coupon's own code is indexed: its lookup hash, and the route (0..16383) its coupon id carries.</summary>
public readonly record struct CouponCodeKey(CodeHash Hash, int Route);

/// <summary>
/// Every issued coupon's own redemption code, the one a cashier types: 16 symbols of
/// <see cref="CouponCodes.Alphabet"/> — 3 for the coupon's route, 12 derived from its id under the
/// code keys (<see cref="CodeDerivation"/>), the check character.
/// </summary>
/// <remarks>
/// <para><b>Derived, not stored</b>: the code is a keyed function of the coupon id, so no store holds
/// it in any form; a store keeps only its lookup hash, pointing at the coupon, and the code is
/// computed again when its owner, the service or an admin reads the coupon. The derivation key comes
/// from the lookup key (<see cref="CodeProtector.Derive"/>), which cannot rotate either.</para>
/// <para><b>Route</b>: the lowest 14 bits of the coupon id. On Redis they are the hash slot of the
/// coupon's keys, so a claim writes the code's index entry in the slot it already writes, atomically,
/// and a lookup goes from the code straight to that slot. 12 derived symbols are 59 bits: two coupons
/// of one route sharing a code is about as likely as guessing one.</para>
/// </remarks>
public sealed class CouponOwnCodes(CodeProtector protector)
{
    public const int RouteSymbols = 3;
    public const int DerivedSymbols = 12;
    public const int Length = RouteSymbols + DerivedSymbols + 1;
    public const int Routes = 16_384;

    private const int Base = 31;

    public CodeProtector Protector { get; } = protector ?? throw new ArgumentNullException(nameof(protector));

    /// <summary>The route of a coupon: the lowest 14 bits of its id (big-endian), as the Redis store's coupon ids carry their slot.</summary>
    public static int RouteOf(Guid couponId)
    {
        Span<byte> bytes = stackalloc byte[16];
        couponId.TryWriteBytes(bytes, bigEndian: true, out _);
        return BinaryPrimitives.ReadUInt16BigEndian(bytes[14..]) & (Routes - 1);
    }

    /// <summary>The coupon's code, canonical (ungrouped, upper case).</summary>
    public string CodeOf(Guid couponId)
    {
        Span<char> code = stackalloc char[Length];
        Write(couponId, code);
        return new string(code);
    }

    /// <summary>Where the coupon's code is indexed: what a store writes when the coupon is claimed.</summary>
    public CouponCodeKey KeyOf(Guid couponId)
    {
        Span<char> code = stackalloc char[Length];
        Write(couponId, code);
        return new CouponCodeKey(Protector.HashOf(code), RouteOf(couponId));
    }

    /// <summary>Where the code <paramref name="code"/> (as <see cref="TryRead"/> gave it) is indexed.</summary>
    public CouponCodeKey KeyOf(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var route = ReadRoute(code) ?? throw new ArgumentException("not a coupon's own code", nameof(code));
        return new CouponCodeKey(Protector.HashOf(code), route);
    }

    /// <summary>What someone typed as a coupon's own code: canonical, well formed, of its length and with a route that exists.</summary>
    public static bool TryRead(string? input, out string code)
    {
        if (CouponCodes.TryParse(input, out code) && code.Length == Length && ReadRoute(code) is not null)
        {
            return true;
        }

        code = string.Empty;
        return false;
    }

    private void Write(Guid couponId, Span<char> code)
    {
        var route = RouteOf(couponId);
        code[0] = CouponCodes.Alphabet[route / (Base * Base)];
        code[1] = CouponCodes.Alphabet[route / Base % Base];
        code[2] = CouponCodes.Alphabet[route % Base];
        Span<byte> context = stackalloc byte[17];
        context[0] = (byte)'c';
        couponId.TryWriteBytes(context[1..], bigEndian: true, out _);
        CodeDerivation.WriteSymbols(Protector, context, code[RouteSymbols..(Length - 1)]);
        code[Length - 1] = CouponCodes.CheckCharacter(code[..(Length - 1)]);
    }

    private static int? ReadRoute(ReadOnlySpan<char> code)
    {
        var route = 0;
        for (var i = 0; i < RouteSymbols; i++)
        {
            var value = CouponCodes.ValueOf(code[i]);
            if (value < 0)
            {
                return null;
            }

            route = (route * Base) + value;
        }

        return route < Routes ? route : null;
    }
}
