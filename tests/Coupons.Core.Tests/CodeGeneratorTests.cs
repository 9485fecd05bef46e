using Coupons.Core.Codes;

namespace Coupons.Core.Tests;

public sealed class CodeGeneratorTests
{
    private const int Seed = 4242;

    [Fact]
    public void Every_accepted_byte_value_maps_to_each_symbol_equally_often()
    {
        var counts = new int[CouponCodes.Alphabet.Length];
        for (var value = 0; value <= byte.MaxValue; value++)
        {
            var symbol = CodeGenerator.SymbolValueOf((byte)value);
            if (value >= CodeGenerator.AcceptedBelow)
            {
                Assert.Equal(-1, symbol);
            }
            else
            {
                counts[symbol]++;
            }
        }

        // 248 accepted values, 8 for each of the 31 symbols: no symbol is more likely than another.
        Assert.All(counts, count => Assert.Equal(8, count));
    }

    [Fact]
    public void Generated_symbols_are_spread_evenly()
    {
        var generator = new CodeGenerator(new SeededRandomBytes(Seed));
        var counts = new int[CouponCodes.Alphabet.Length];
        const int codes = 31_000;
        for (var i = 0; i < codes; i++)
        {
            // The random part only: the check character is a function of it.
            foreach (var c in generator.Generate(null, CouponCodes.MaxLength).AsSpan(0, CouponCodes.MaxLength - 1))
            {
                counts[CouponCodes.ValueOf(c)]++;
            }
        }

        // Chi-square with 30 degrees of freedom; 59.7 is its 0.999 quantile. The seed is fixed, so this does not flake.
        var expected = codes * (CouponCodes.MaxLength - 1) / 31.0;
        var chiSquare = counts.Sum(count => (count - expected) * (count - expected) / expected);
        Assert.True(chiSquare < 59.7, $"chi-square {chiSquare:F1} over {string.Join(",", counts)}");
    }

    [Fact]
    public void Codes_are_well_formed_for_every_length_and_prefix()
    {
        var generator = new CodeGenerator(new SeededRandomBytes(Seed));
        foreach (var prefix in new[] { null, string.Empty, "S", "SUMMER", "ABCDEFGH" })
        {
            for (var length = CouponCodes.MinLength; length <= CouponCodes.MaxLength; length++)
            {
                var code = generator.Generate(prefix, length);
                Assert.Equal((prefix?.Length ?? 0) + length, code.Length);
                Assert.StartsWith(prefix ?? string.Empty, code, StringComparison.Ordinal);
                Assert.True(CouponCodes.IsWellFormed(code), code);
                Assert.True(CouponCodes.TryParse(code.ToLowerInvariant(), out var parsed) && parsed == code, code);
            }
        }

        Assert.Equal(12, generator.Generate().Length);
    }

    [Fact]
    public void The_same_seed_gives_the_same_codes_and_another_seed_others()
    {
        var first = new CodeGenerator(new SeededRandomBytes(Seed));
        var again = new CodeGenerator(new SeededRandomBytes(Seed));
        var other = new CodeGenerator(new SeededRandomBytes(Seed + 1));
        var a = Enumerable.Range(0, 1_000).Select(_ => first.Generate("XMAS")).ToList();
        Assert.Equal(a, Enumerable.Range(0, 1_000).Select(_ => again.Generate("XMAS")));
        Assert.NotEqual(a, Enumerable.Range(0, 1_000).Select(_ => other.Generate("XMAS")));
    }

    [Fact]
    public void A_hundred_thousand_default_codes_are_distinct()
    {
        var generator = new CodeGenerator(new SeededRandomBytes(Seed));
        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(codes.Add(generator.Generate()));
        }
    }

    [Fact]
    public void Bytes_that_would_bias_the_symbols_are_skipped()
    {
        // Every byte the source gives is 248..255 except each ninth, which is the value 33 (symbol 2 = '4').
        var generator = new CodeGenerator(new PatternBytes());
        var code = generator.Generate(null, CouponCodes.MinLength);
        Assert.Equal("4444444", code[..^1]);
    }

    [Theory]
    [InlineData("SALE", 12)]
    [InlineData("summer", 12)] // canonical prefixes only: callers normalize what the admin typed
    [InlineData("ABCDEFGHJ", 12)]
    [InlineData(null, 7)]
    [InlineData(null, 25)]
    public void A_bad_prefix_or_length_is_a_caller_bug(string? prefix, int length)
    {
        var generator = new CodeGenerator(new SeededRandomBytes(Seed));
        Assert.ThrowsAny<ArgumentException>(() => generator.Generate(prefix, length));
    }

    private sealed class PatternBytes : IRandomBytes
    {
        private int _position;

        public void Fill(Span<byte> destination)
        {
            for (var i = 0; i < destination.Length; i++, _position++)
            {
                destination[i] = _position % 9 == 8 ? (byte)33 : (byte)(248 + (_position % 8));
            }
        }
    }
}
