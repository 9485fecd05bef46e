using System.Buffers;

namespace Coupons.Core.Codes;

/// <summary>
/// Unique coupon codes: the ones a generation job makes and the redemption code of every issued
/// coupon. A code is an optional prefix, random symbols and one check character, all from
/// <see cref="Alphabet"/>; its canonical form (what is stored, hashed and answered) is upper-case
/// with no separators.
/// </summary>
/// <remarks>
/// <para><b>Alphabet</b>: 2–9 and A–Z without I, L and O: 31 symbols, none of which reads as another
/// (0/O, 1/I/L are the pairs people confuse). U stays: 31 is prime, which is what lets the check
/// character catch every single substitution and adjacent transposition with no extra symbol
/// (below), and it keeps prefixes such as <c>SUMMER</c> possible.</para>
/// <para><b>Check character</b>: ISBN-10's weighted sum, modulo the prime 31 instead of 11. Counted
/// from the right, the check character has weight 1, the symbol before it 2, and so on (weights
/// cycle through 1..30, so they are never 0 mod 31); the code is well formed when
/// Σ weight × value ≡ 0 (mod 31). Changing one symbol by d ≠ 0 changes the sum by weight × d, and
/// swapping neighbours a ≠ b changes it by (w₁ − w₂)(a − b); both are non-zero mod a prime, so
/// every single substitution and every adjacent transposition is refused, and so is any swap of two
/// symbols fewer than 30 places apart. Luhn mod N was not taken: it misses the transposition of the
/// first and last symbols and needs an even N.</para>
/// <para><b>Length</b>: a generation's <c>length</c> (8..24, default 12) counts the symbols after the
/// prefix, the check character included, as Voucherify counts a code's length without its prefix:
/// <c>length</c> 12 gives 11 random symbols (31¹¹ ≈ 2⁵⁴) and one check character. A whole code is
/// therefore 8 to 32 characters.</para>
/// <para><b>Typing</b>: <see cref="Normalize(string?)"/> trims, upper-cases and drops <c>-</c> and
/// spaces anywhere, so a code printed in groups (<c>K7QM-X4TR-9HWB</c>) or typed in lower case
/// is the same code. The service always answers codes ungrouped.</para>
/// </remarks>
public static class CouponCodes
{
    /// <summary>The symbols of a code, in the order of their values 0..30.</summary>
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public const int MinLength = 8;
    public const int MaxLength = 24;
    public const int DefaultLength = 12;
    public const int MaxPrefixLength = 8;

    /// <summary>The shortest whole code: no prefix, <see cref="MinLength"/> symbols.</summary>
    public const int MinCodeLength = MinLength;

    /// <summary>The longest whole code: the longest prefix and <see cref="MaxLength"/> symbols.</summary>
    public const int MaxCodeLength = MaxPrefixLength + MaxLength;

    /// <summary>The most codes one generation call makes.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>Input longer than this is not looked at: no code, grouped or not, is anywhere near it.</summary>
    public const int MaxInputLength = 128;

    private const int Radix = 31;
    private const int WeightCycle = 30;

    /// <summary>Each ASCII character's value, or -1 for a character outside the alphabet.</summary>
    private static readonly sbyte[] Values = BuildValues();

    private static readonly SearchValues<char> Symbols = SearchValues.Create(Alphabet);

    /// <summary>The value 0..30 of <paramref name="symbol"/>, or -1 when it is not in <see cref="Alphabet"/> (lower case is not).</summary>
    public static int ValueOf(char symbol) => symbol < Values.Length ? Values[symbol] : -1;

    /// <summary>Whether every character of <paramref name="text"/> is a symbol of <see cref="Alphabet"/>.</summary>
    public static bool IsInAlphabet(ReadOnlySpan<char> text) => text.IndexOfAnyExcept(Symbols) < 0;

    /// <summary>
    /// The canonical form of what someone typed: trimmed, upper-case, without <c>-</c> and spaces.
    /// Nothing else changes, so a character outside the alphabet stays and <see cref="IsWellFormed"/>
    /// refuses it. Empty when the input is null or longer than <see cref="MaxInputLength"/>.
    /// </summary>
    public static string Normalize(string? input)
    {
        if (input is null || input.Length > MaxInputLength)
        {
            return string.Empty;
        }

        Span<char> buffer = stackalloc char[MaxInputLength];
        var written = NormalizeInto(input, buffer);
        return buffer[..written].SequenceEqual(input) ? input : new string(buffer[..written]);
    }

    /// <summary>
    /// <see cref="Normalize(string?)"/> into <paramref name="destination"/>, allocating nothing; false
    /// when the input is longer than <see cref="MaxInputLength"/> or the result does not fit.
    /// </summary>
    public static bool TryNormalize(ReadOnlySpan<char> input, Span<char> destination, out int written)
    {
        written = 0;
        if (input.Length > MaxInputLength)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[MaxInputLength];
        var length = NormalizeInto(input, buffer);
        if (length > destination.Length)
        {
            return false;
        }

        buffer[..length].CopyTo(destination);
        written = length;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="code"/> (canonical: see <see cref="Normalize(string?)"/>) can be a code:
    /// <see cref="MinCodeLength"/> to <see cref="MaxCodeLength"/> symbols of the alphabet whose last is
    /// the right check character. A mistyped code is refused here, before any lookup.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<char> code)
    {
        if (code.Length is < MinCodeLength or > MaxCodeLength)
        {
            return false;
        }

        var sum = WeightedSum(code);
        return sum >= 0 && sum % Radix == 0;
    }

    /// <summary>
    /// What someone typed as a canonical, well-formed code: <see cref="Normalize(string?)"/> then
    /// <see cref="IsWellFormed"/>. False for anything that cannot be a code.
    /// </summary>
    public static bool TryParse(string? input, out string code)
    {
        code = Normalize(input);
        if (IsWellFormed(code))
        {
            return true;
        }

        code = string.Empty;
        return false;
    }

    /// <summary>The check character that makes <paramref name="body"/> (symbols of the alphabet, prefix included) a well-formed code.</summary>
    public static char CheckCharacter(ReadOnlySpan<char> body)
    {
        // The body's symbols sit one place further from the end than they will in the code.
        var sum = WeightedSum(body, firstWeightIndex: 1);
        if (sum < 0)
        {
            throw new ArgumentException("a code's body is made of the symbols of CouponCodes.Alphabet only", nameof(body));
        }

        return Alphabet[(Radix - (sum % Radix)) % Radix];
    }

    /// <summary>
    /// A prefix as an admin typed it, made canonical: ASCII letters upper-cased, nothing else changed
    /// (so <see cref="IsValidPrefix"/> still refuses a space or a dash). Empty for null.
    /// </summary>
    public static string NormalizePrefix(string? prefix) =>
        prefix is null ? string.Empty : prefix.AsSpan().ContainsAnyInRange('a', 'z') ? prefix.ToUpperInvariant() : prefix;

    /// <summary>Whether <paramref name="prefix"/> (canonical, upper-case) may start generated codes: at most <see cref="MaxPrefixLength"/> symbols of the alphabet.</summary>
    public static bool IsValidPrefix(ReadOnlySpan<char> prefix) => prefix.Length <= MaxPrefixLength && IsInAlphabet(prefix);

    /// <summary>
    /// The problems of a generation request, by field (empty when it is valid), as
    /// <see cref="CampaignDefinition.Validate"/> gives them. <paramref name="prefix"/> is taken as typed:
    /// lower case is accepted (codes are compared case-insensitively) and <see cref="NormalizePrefix"/>
    /// makes it canonical.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ValidateGeneration(long count, string? prefix, int length)
    {
        var errors = new Dictionary<string, string>();
        if (count is < 1 or > MaxCount)
        {
            errors["count"] = $"must be between 1 and {MaxCount}";
        }

        if (!IsValidPrefix(NormalizePrefix(prefix)))
        {
            errors["prefix"] = $"must be at most {MaxPrefixLength} characters of 2-9 and A-Z without I, L and O";
        }

        if (length is < MinLength or > MaxLength)
        {
            errors["length"] = $"must be between {MinLength} and {MaxLength}";
        }

        return errors;
    }

    /// <summary>Σ weight × value over <paramref name="symbols"/>, weights counted from the right; -1 when a symbol is outside the alphabet.</summary>
    private static int WeightedSum(ReadOnlySpan<char> symbols, int firstWeightIndex = 0)
    {
        var sum = 0;
        var weightIndex = firstWeightIndex;
        for (var i = symbols.Length - 1; i >= 0; i--)
        {
            var value = ValueOf(symbols[i]);
            if (value < 0)
            {
                return -1;
            }

            // At most 32 symbols × 30 × 30: no overflow, one reduction at the end.
            sum += ((weightIndex % WeightCycle) + 1) * value;
            weightIndex++;
        }

        return sum;
    }

    private static int NormalizeInto(ReadOnlySpan<char> input, Span<char> destination)
    {
        var written = 0;
        foreach (var c in input.Trim())
        {
            if (c is '-' or ' ')
            {
                continue;
            }

            destination[written++] = c is >= 'a' and <= 'z' ? (char)(c - ('a' - 'A')) : c;
        }

        return written;
    }

    private static sbyte[] BuildValues()
    {
        var values = new sbyte[128];
        Array.Fill(values, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            values[Alphabet[i]] = (sbyte)i;
        }

        return values;
    }
}
