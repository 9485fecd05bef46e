using System.Diagnostics;

namespace Coupons.Core.Codes;

/// <summary>
/// Makes codes (<see cref="CouponCodes"/>): the prefix, random symbols, the check character. Random
/// bytes are taken from the source a few kilobytes at a time, so a million codes cost a few hundred
/// calls to the generator, not millions. One instance per thread: it keeps a buffer.
/// </summary>
/// <remarks>
/// Each symbol comes from one random byte below 248 (8 × 31), as that byte mod 31: every symbol has
/// exactly 8 of the 248 accepted values, so none is more likely than another (no modulo bias). The
/// bytes 248..255 are thrown away (3 % of them).
/// </remarks>
public sealed class CodeGenerator(IRandomBytes random)
{
    /// <summary>Random bytes fetched per call to the source.</summary>
    public const int BufferBytes = 4096;

    /// <summary>The largest byte value that maps to a symbol without bias, plus one.</summary>
    internal const int AcceptedBelow = 248;

    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _next = BufferBytes;

    /// <summary>A new code: <paramref name="prefix"/> (canonical, see <see cref="CouponCodes.IsValidPrefix"/>) then <paramref name="length"/> symbols, the last the check character.</summary>
    public string Generate(string? prefix = null, int length = CouponCodes.DefaultLength)
    {
        prefix ??= string.Empty;
        Span<char> code = stackalloc char[CouponCodes.MaxCodeLength];
        var written = Generate(prefix, length, code);
        return new string(code[..written]);
    }

    /// <summary><see cref="Generate(string?, int)"/> into <paramref name="destination"/>, allocating nothing; returns the code's length.</summary>
    public int Generate(ReadOnlySpan<char> prefix, int length, Span<char> destination)
    {
        if (!CouponCodes.IsValidPrefix(prefix))
        {
            throw new ArgumentException($"a prefix is at most {CouponCodes.MaxPrefixLength} symbols of CouponCodes.Alphabet", nameof(prefix));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(length, CouponCodes.MinLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, CouponCodes.MaxLength);
        var total = prefix.Length + length;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, total, nameof(destination));

        prefix.CopyTo(destination);
        for (var i = prefix.Length; i < total - 1; i++)
        {
            destination[i] = CouponCodes.Alphabet[NextSymbolValue()];
        }

        destination[total - 1] = CouponCodes.CheckCharacter(destination[..(total - 1)]);
        Debug.Assert(CouponCodes.IsWellFormed(destination[..total]), "a generated code is well formed");
        return total;
    }

    /// <summary>The symbol value a random byte stands for, or -1 when the byte is thrown away.</summary>
    internal static int SymbolValueOf(byte randomByte) => randomByte < AcceptedBelow ? randomByte % CouponCodes.Alphabet.Length : -1;

    private int NextSymbolValue()
    {
        while (true)
        {
            if (_next == _buffer.Length)
            {
                random.Fill(_buffer);
                _next = 0;
            }

            var value = SymbolValueOf(_buffer[_next++]);
            if (value >= 0)
            {
                return value;
            }
        }
    }
}
