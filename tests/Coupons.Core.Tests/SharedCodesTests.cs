using Coupons.Core.Codes;

namespace Coupons.Core.Tests;

public sealed class SharedCodesTests
{
    [Theory]
    [InlineData("SUMMER-25", "SUMMER-25")]
    [InlineData("summer-25", "SUMMER-25")]
    [InlineData("  Welcome10 ", "WELCOME10")]
    [InlineData(null, "")]
    public void A_shared_code_compares_case_insensitively_and_ignores_surrounding_space(string? input, string canonical) =>
        Assert.Equal(canonical, SharedCodes.Normalize(input));

    [Fact]
    public void A_canonical_code_is_returned_as_it_is_and_its_dashes_count()
    {
        const string code = "SUMMER-25";
        Assert.Same(code, SharedCodes.Normalize(code));
        Assert.NotEqual(SharedCodes.Normalize("SUMMER25"), SharedCodes.Normalize("summer-25"));
    }

    [Theory]
    [InlineData("SALE", true)] // every letter and digit is allowed, look-alikes too: the admin chose them
    [InlineData("welcome-2025", true)]
    [InlineData("0O1IL", true)]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", true)] // 32
    [InlineData("ABC", false)] // 3
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", false)] // 33
    [InlineData("SUMMER SALE", false)]
    [InlineData("SUMMER_SALE", false)]
    [InlineData("ÉTÉ-2025", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void A_shared_code_is_4_to_32_of_letters_digits_and_dashes(string? input, bool valid)
    {
        Assert.Equal(valid, SharedCodes.IsValid(SharedCodes.Normalize(input)));
        Assert.Equal(valid, SharedCodes.Problem(input) is null);
    }

    [Theory]
    [InlineData("  SALE")]
    [InlineData("welcome-2025 ")]
    public void An_admin_gives_a_shared_code_without_surrounding_space_though_claims_forgive_it(string input)
    {
        Assert.True(SharedCodes.IsValid(SharedCodes.Normalize(input)));
        Assert.NotNull(SharedCodes.Problem(input));
    }
}
