using Coupons.Core.Codes;

namespace Coupons.Core.Tests;

/// <summary>
/// The code alphabet and its check character. The error-detection claims are checked exhaustively:
/// every substitution at every position, and every ordered pair of distinct symbols swapped at every
/// pair of neighbouring positions, for every length a code can have.
/// </summary>
public sealed class CouponCodesTests
{
    private const int Seed = 20_250_614;

    public static TheoryData<int> CodeLengths()
    {
        var lengths = new TheoryData<int>();
        for (var length = CouponCodes.MinCodeLength; length <= CouponCodes.MaxCodeLength; length++)
        {
            lengths.Add(length);
        }

        return lengths;
    }

    [Fact]
    public void The_alphabet_has_31_distinct_symbols_and_no_look_alikes()
    {
        Assert.Equal(31, CouponCodes.Alphabet.Length);
        Assert.Equal(31, CouponCodes.Alphabet.Distinct().Count());
        foreach (var lookAlike in "0O1IL")
        {
            Assert.DoesNotContain(lookAlike, CouponCodes.Alphabet);
        }

        Assert.All(CouponCodes.Alphabet, c => Assert.True(c is (>= '2' and <= '9') or (>= 'A' and <= 'Z')));
        for (var value = 0; value < CouponCodes.Alphabet.Length; value++)
        {
            Assert.Equal(value, CouponCodes.ValueOf(CouponCodes.Alphabet[value]));
        }

        Assert.Equal(-1, CouponCodes.ValueOf('a'));
        Assert.Equal(-1, CouponCodes.ValueOf('é'));
    }

    [Fact]
    public void The_check_character_is_the_documented_weighted_sum()
    {
        // Worked out apart from the implementation: weights 2..12 from the right over K7QMX4TR9HW.
        Assert.Equal('Q', CouponCodes.CheckCharacter("K7QMX4TR9HW"));
        Assert.Equal('Z', CouponCodes.CheckCharacter("SUMMERK7QMX4TR9HW"));
        Assert.True(CouponCodes.IsWellFormed("K7QMX4TR9HWQ"));
        Assert.Equal('2', CouponCodes.CheckCharacter("2222222"));
        Assert.True(CouponCodes.IsWellFormed("22222222"));
    }

    [Theory]
    [MemberData(nameof(CodeLengths))]
    public void Every_single_substitution_at_every_position_is_refused(int length)
    {
        var random = new Random(Seed + length);
        for (var sample = 0; sample < 20; sample++)
        {
            var code = RandomCode(random, length);
            Assert.True(CouponCodes.IsWellFormed(code), code);
            for (var position = 0; position < length; position++)
            {
                foreach (var other in CouponCodes.Alphabet)
                {
                    if (other == code[position])
                    {
                        continue;
                    }

                    var typo = code.ToCharArray();
                    typo[position] = other;
                    Assert.False(CouponCodes.IsWellFormed(typo), $"{code} with {other} at {position}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(CodeLengths))]
    public void Every_adjacent_transposition_of_every_pair_of_symbols_is_refused(int length)
    {
        var random = new Random(Seed - length);
        foreach (var a in CouponCodes.Alphabet)
        {
            foreach (var b in CouponCodes.Alphabet)
            {
                if (a == b)
                {
                    continue;
                }

                for (var position = 0; position < length - 1; position++)
                {
                    var code = CodeWith(random, length, position, a, b);
                    Assert.True(CouponCodes.IsWellFormed(code), new string(code));
                    (code[position], code[position + 1]) = (code[position + 1], code[position]);
                    Assert.False(CouponCodes.IsWellFormed(code), $"{new string(code)}: {a}{b} swapped at {position}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(CodeLengths))]
    public void A_swap_of_two_symbols_fewer_than_30_places_apart_is_refused(int length)
    {
        var random = new Random(Seed * 3 + length);
        var code = RandomCode(random, length);
        for (var i = 0; i < length; i++)
        {
            for (var j = i + 1; j < length && j - i < 30; j++)
            {
                if (code[i] == code[j])
                {
                    continue;
                }

                var swapped = code.ToCharArray();
                (swapped[i], swapped[j]) = (swapped[j], swapped[i]);
                Assert.False(CouponCodes.IsWellFormed(swapped), $"{code}: {i} and {j} swapped");
            }
        }
    }

    [Theory]
    [InlineData("K7QMX4TR9HWQ", "K7QMX4TR9HWQ")]
    [InlineData("k7qm-x4tr-9hwq", "K7QMX4TR9HWQ")]
    [InlineData("  K7QM X4TR 9HWQ \t", "K7QMX4TR9HWQ")]
    [InlineData("summer-k7qmx4tr9hwz", "SUMMERK7QMX4TR9HWZ")]
    [InlineData("k7qm_x4tr", "K7QM_X4TR")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Normalize_trims_upper_cases_and_drops_group_separators(string? input, string expected) =>
        Assert.Equal(expected, CouponCodes.Normalize(input));

    [Fact]
    public void Normalize_returns_a_canonical_code_as_it_is_and_refuses_overlong_input()
    {
        const string canonical = "K7QMX4TR9HWQ";
        Assert.Same(canonical, CouponCodes.Normalize(canonical));
        Assert.Equal(string.Empty, CouponCodes.Normalize(new string('A', CouponCodes.MaxInputLength + 1)));

        Span<char> small = stackalloc char[4];
        Assert.False(CouponCodes.TryNormalize("k7qm-x4tr", small, out _));
        Span<char> room = stackalloc char[CouponCodes.MaxCodeLength];
        Assert.True(CouponCodes.TryNormalize(" k7qm-x4tr-9hwq ", room, out var written));
        Assert.Equal(canonical, new string(room[..written]));
    }

    [Theory]
    [InlineData("k7qm-x4tr-9hwq", true)]
    [InlineData("K7QMX4TR9HWQ", true)]
    [InlineData("K7QMX4TR9HWR", false)] // wrong check character
    [InlineData("K7QMX4TR9HW", false)] // check character missing
    [InlineData("K7QMX4TR9H0Q", false)] // 0 is not a symbol
    [InlineData("K7QMX4TR9HOQ", false)] // nor O
    [InlineData("K7QMX1TR9HWQ", false)] // nor 1
    [InlineData("K7QMXITR9HWQ", false)] // nor I
    [InlineData("K7QMXLTR9HWQ", false)] // nor L
    [InlineData("2222222", false)] // shorter than any code
    [InlineData("K7QMX4TR9HWQ K7QMX4TR9HWQ K7QMX4TR9HWQ", false)] // longer than any code
    [InlineData("K7QMX4TR9HWQ\u00e9", false)]
    [InlineData(null, false)]
    public void TryParse_accepts_what_was_issued_however_it_is_typed_and_refuses_typos(string? input, bool expected)
    {
        Assert.Equal(expected, CouponCodes.TryParse(input, out var code));
        Assert.Equal(expected ? "K7QMX4TR9HWQ" : string.Empty, code);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("SUMMER", true)]
    [InlineData("summer", true)]
    [InlineData("XMAS25", true)]
    [InlineData("ABCDEFGH", true)]
    [InlineData("ABCDEFGHJ", false)] // 9 characters
    [InlineData("SALE", false)] // L is not a symbol
    [InlineData("WELCOME", false)]
    [InlineData("SUM-", false)]
    [InlineData("=A", false)] // what a spreadsheet reads as a formula never starts a code (the CSV export)
    [InlineData("+A", false)]
    [InlineData("-A", false)]
    [InlineData("@A", false)]
    public void A_generation_prefix_is_up_to_8_symbols_in_any_case(string? prefix, bool valid)
    {
        var errors = CouponCodes.ValidateGeneration(1, prefix, CouponCodes.DefaultLength);
        Assert.Equal(valid, !errors.ContainsKey("prefix"));
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("summer", "SUMMER")]
    [InlineData("XMAS", "XMAS")]
    [InlineData("su m", "SU M")]
    public void A_prefix_is_made_canonical_by_upper_casing_only(string? typed, string canonical) =>
        Assert.Equal(canonical, CouponCodes.NormalizePrefix(typed));

    [Theory]
    [InlineData(0, 12, "count")]
    [InlineData(1_000_001, 12, "count")]
    [InlineData(1, 7, "length")]
    [InlineData(1, 25, "length")]
    public void A_generation_request_out_of_range_names_its_field(long count, int length, string field)
    {
        var errors = CouponCodes.ValidateGeneration(count, null, length);
        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void The_bounds_of_a_generation_request_are_accepted()
    {
        Assert.Empty(CouponCodes.ValidateGeneration(1, "SUMMER", CouponCodes.MinLength));
        Assert.Empty(CouponCodes.ValidateGeneration(CouponCodes.MaxCount, "ABCDEFGH", CouponCodes.MaxLength));
    }

    /// <summary>A well-formed code of <paramref name="length"/> random symbols.</summary>
    private static string RandomCode(Random random, int length)
    {
        var body = new char[length - 1];
        for (var i = 0; i < body.Length; i++)
        {
            body[i] = CouponCodes.Alphabet[random.Next(CouponCodes.Alphabet.Length)];
        }

        return new string(body) + CouponCodes.CheckCharacter(body);
    }

    /// <summary>
    /// A well-formed code with <paramref name="a"/> at <paramref name="position"/> and
    /// <paramref name="b"/> after it. When <paramref name="b"/> is the check character, the first
    /// symbol is chosen to make it so: its weight is never 0 mod 31, so each of its 31 values gives
    /// a different check character.
    /// </summary>
    private static char[] CodeWith(Random random, int length, int position, char a, char b)
    {
        var code = RandomCode(random, length).ToCharArray();
        code[position] = a;
        if (position + 1 < length - 1)
        {
            code[position + 1] = b;
            code[^1] = CouponCodes.CheckCharacter(code.AsSpan(0, length - 1));
            return code;
        }

        foreach (var first in CouponCodes.Alphabet)
        {
            code[0] = first;
            if (CouponCodes.CheckCharacter(code.AsSpan(0, length - 1)) == b)
            {
                code[^1] = b;
                return code;
            }
        }

        throw new InvalidOperationException($"no first symbol gives the check character {b}");
    }
}
