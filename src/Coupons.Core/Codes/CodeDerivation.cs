using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Coupons.Core.Codes;

/// <summary>
/// Codes made from a context instead of drawn at random: the symbols come from
/// <see cref="CodeProtector.Derive"/>'s keyed bytes (each byte below 248, as that byte mod 31, as
/// <see cref="CodeGenerator"/> takes random ones: no bias), so the same context always gives the
/// same code and nobody without the key can tell one from random. A generation job's step redone
/// after a crash therefore writes the very codes it wrote before, and a coupon's own code needs no
/// storing (<see cref="CouponOwnCodes"/>).
/// </summary>
public static class CodeDerivation
{
    private const int ContextBytes = 1 + 16 + 8 + 4;

    /// <summary>
    /// The code at <paramref name="index"/> of generation job <paramref name="jobId"/>, derived for the
    /// <paramref name="attempt"/>th time (an attempt whose code another code already has is made
    /// again with the next one); <paramref name="prefix"/> canonical, <paramref name="length"/> as in
    /// <see cref="CouponCodes"/>. Returns the code's length.
    /// </summary>
    public static int ForJob(CodeProtector protector, Guid jobId, long index, int attempt, ReadOnlySpan<char> prefix, int length, Span<char> destination)
    {
        Span<byte> context = stackalloc byte[ContextBytes];
        context[0] = (byte)'j';
        jobId.TryWriteBytes(context[1..17], bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(context[17..25], index);
        BinaryPrimitives.WriteInt32BigEndian(context[25..29], attempt);
        return Derive(protector, context, prefix, length, destination);
    }

    /// <summary>
    /// <paramref name="prefix"/>, then <paramref name="length"/> − 1 symbols derived from
    /// <paramref name="context"/>, then the check character. Returns the code's length.
    /// </summary>
    public static int Derive(CodeProtector protector, ReadOnlySpan<byte> context, ReadOnlySpan<char> prefix, int length, Span<char> destination)
    {
        ArgumentNullException.ThrowIfNull(protector);
        if (!CouponCodes.IsValidPrefix(prefix))
        {
            throw new ArgumentException($"a prefix is at most {CouponCodes.MaxPrefixLength} symbols of CouponCodes.Alphabet", nameof(prefix));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(length, CouponCodes.MinLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, CouponCodes.MaxLength);
        var total = prefix.Length + length;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, total, nameof(destination));
        prefix.CopyTo(destination);
        WriteSymbols(protector, context, destination[prefix.Length..(total - 1)]);
        destination[total - 1] = CouponCodes.CheckCharacter(destination[..(total - 1)]);
        return total;
    }

    /// <summary>Fills <paramref name="symbols"/> from the keyed bytes of <paramref name="context"/> and a block counter.</summary>
    internal static void WriteSymbols(CodeProtector protector, ReadOnlySpan<byte> context, Span<char> symbols)
    {
        Span<byte> input = stackalloc byte[context.Length + 1];
        context.CopyTo(input);
        Span<byte> block = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var used = block.Length;
        byte counter = 0;
        for (var i = 0; i < symbols.Length;)
        {
            if (used == block.Length)
            {
                input[^1] = counter++;
                protector.Derive(input, block);
                used = 0;
            }

            var value = CodeGenerator.SymbolValueOf(block[used++]);
            if (value >= 0)
            {
                symbols[i++] = CouponCodes.Alphabet[value];
            }
        }
    }
}
