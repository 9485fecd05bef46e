using Coupons.Core;
using Coupons.Core.Codes;

namespace Coupons.Core.Tests;

public sealed class DerivedCodesTests
{
    private static readonly byte[] KeyA = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] LookupKey = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] OtherLookupKey = Enumerable.Range(150, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void A_job_code_is_the_same_for_the_same_job_index_and_attempt_and_differs_otherwise()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var job = Guid.CreateVersion7();
        var first = JobCode(protector, job, 5, 0, "SAVE", 12);
        Assert.Equal(first, JobCode(protector, job, 5, 0, "SAVE", 12));
        Assert.StartsWith("SAVE", first, StringComparison.Ordinal);
        Assert.Equal(16, first.Length);
        Assert.True(CouponCodes.IsWellFormed(first));
        Assert.NotEqual(first, JobCode(protector, job, 5, 1, "SAVE", 12));
        Assert.NotEqual(first, JobCode(protector, job, 6, 0, "SAVE", 12));
        Assert.NotEqual(first, JobCode(protector, Guid.CreateVersion7(), 5, 0, "SAVE", 12));
    }

    [Fact]
    public void Derived_codes_depend_on_the_key_and_do_not_repeat()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        using var other = new CodeProtector(KeyA, [], OtherLookupKey);
        var job = Guid.CreateVersion7();
        Assert.NotEqual(JobCode(protector, job, 0, 0, "", 12), JobCode(other, job, 0, 0, "", 12));
        var codes = Enumerable.Range(0, 20_000).Select(i => JobCode(protector, job, i, 0, "", 8)).ToHashSet(StringComparer.Ordinal);
        // 8 symbols (7 derived: 2^34.7 values) for 20,000 codes: a repeat is a one-in-a-thousand event.
        Assert.InRange(codes.Count, 19_998, 20_000);
        Assert.All(codes, code => Assert.True(CouponCodes.IsWellFormed(code)));
    }

    [Fact]
    public void Derived_symbols_are_spread_over_the_whole_alphabet()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var job = Guid.CreateVersion7();
        var counts = new int[CouponCodes.Alphabet.Length];
        for (var i = 0; i < 3_000; i++)
        {
            foreach (var symbol in JobCode(protector, job, i, 0, "", 24)[..23])
            {
                counts[CouponCodes.ValueOf(symbol)]++;
            }
        }

        // 69,000 symbols, 2,226 expected each; a fair draw stays within ±15 % by a wide margin.
        Assert.All(counts, count => Assert.InRange(count, 1_890, 2_560));
    }

    [Fact]
    public void A_coupons_own_code_carries_its_route_and_parses_back_to_its_index_key()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var codes = new CouponOwnCodes(protector);
        for (var i = 0; i < 200; i++)
        {
            var coupon = Guid.CreateVersion7();
            var code = codes.CodeOf(coupon);
            Assert.Equal(CouponOwnCodes.Length, code.Length);
            Assert.Equal(code, codes.CodeOf(coupon));
            Assert.True(CouponOwnCodes.TryRead(code.ToLowerInvariant().Insert(8, "-").Insert(4, " "), out var parsed));
            Assert.Equal(code, parsed);
            var key = codes.KeyOf(coupon);
            Assert.Equal(key, codes.KeyOf(parsed));
            Assert.Equal(CouponOwnCodes.RouteOf(coupon), key.Route);
            Assert.InRange(key.Route, 0, CouponOwnCodes.Routes - 1);
        }
    }

    [Fact]
    public void Something_that_is_not_a_coupons_own_code_does_not_parse()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var code = new CouponOwnCodes(protector).CodeOf(Guid.CreateVersion7());
        var typo = code[..5] + (code[5] == 'A' ? 'B' : 'A') + code[6..];
        Assert.False(CouponOwnCodes.TryRead(typo, out _));
        Assert.False(CouponOwnCodes.TryRead(code[..^1], out _));
        Assert.False(CouponOwnCodes.TryRead(null, out _));
        // A well-formed code whose route is past the last one: ZZZ is 29,790.
        var body = "ZZZ" + code[3..^1];
        Assert.False(CouponOwnCodes.TryRead(body + CouponCodes.CheckCharacter(body), out _));
    }

    [Fact]
    public void Claim_by_code_decides_the_code_before_the_campaign()
    {
        Assert.Equal(Outcome.CodeNotFound, CodeRules.Decide(false, CodeKind.Unique, null, null, "alice").Outcome);
        var coupon = Guid.CreateVersion7();
        Assert.Equal(new CodeDecision(Outcome.Replayed, coupon), CodeRules.Decide(true, CodeKind.Unique, "alice", coupon, "alice"));
        Assert.Equal(Outcome.CodeAlreadyClaimed, CodeRules.Decide(true, CodeKind.Unique, "bob", coupon, "alice").Outcome);
        Assert.True(CodeRules.Decide(true, CodeKind.Unique, null, null, "alice").Claims);
        Assert.True(CodeRules.Decide(true, CodeKind.Shared, null, null, "alice").Claims);
        var hash = new CodeHash(42);
        Assert.Equal("mine", CodeRules.IdempotencyKeyOf(CodeKind.Shared, hash, "mine"));
        Assert.Equal(CodeRules.IdempotencyKeyOf(CodeKind.Unique, hash, "mine"), CodeRules.IdempotencyKeyOf(CodeKind.Shared, hash, null));
        Assert.StartsWith(" code ", CodeRules.IdempotencyKeyOf(CodeKind.Unique, hash, null), StringComparison.Ordinal);
    }

    [Fact]
    public void A_code_hash_round_trips_as_text_and_a_cursor_as_text()
    {
        var hash = new CodeHash(UInt128.MaxValue - 12345);
        Assert.Equal(CodeHash.TextLength, hash.ToText().Length);
        Assert.Equal(hash, CodeHash.ParseText(hash.ToText()));
        Assert.Equal(hash, CodeHash.Read(hash.ToBytes()));
        Assert.False(CodeHash.TryParseText("short", out _));
        var cursor = new CodeCursor(Guid.CreateVersion7(), 123_456);
        Assert.True(CodeCursor.TryParse(cursor.ToText(), out var parsed));
        Assert.Equal(cursor, parsed);
        Assert.False(CodeCursor.TryParse("nope", out _));
        Assert.False(CodeCursor.TryParse(cursor.ToText() + "x", out _));
        Assert.False(CodeCursor.TryParse(cursor.JobId.ToString("N") + ".-1", out _));
    }

    private static string JobCode(CodeProtector protector, Guid job, long index, int attempt, string prefix, int length)
    {
        Span<char> code = stackalloc char[CouponCodes.MaxCodeLength];
        return new string(code[..CodeDerivation.ForJob(protector, job, index, attempt, prefix, length, code)]);
    }
}
