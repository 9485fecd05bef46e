using Coupons.Bench.Scenarios;
using Coupons.Bench.Service;

namespace Coupons.Bench.Tests;

public class CodeFlashVerifierTests
{
    private static readonly string[] Codes = ["CODE0", "CODE1", "CODE2", "CODE3"];
    private static readonly string[] UserIds = ["u0", "u1", "u2", "u3"];

    private static CodeFlashAnswer Won(int user, Guid coupon, int? owner = null, int status = 201) => new(user, owner ?? user, new Answer(status, null, coupon));

    private static CodeFlashAnswer Refused(int user, string code, int? owner = null) => new(user, owner ?? user, new Answer(409, code, Guid.Empty));

    private static CampaignStats Stats(long stock, long issued) => new(stock, issued, stock - issued, 0, 0, new Dictionary<string, long>());

    private static CodeRow Available(int owner) => new(Codes[owner], "available", null, null);

    private static CodeRow Claimed(int owner, int user, Guid coupon) => new(Codes[owner], "claimed", UserIds[user], coupon);

    private static FlashVerdict Verify(long stock, CodeFlashAnswer[] answers, CampaignStats? stats = null, CodeRow[]? exported = null) =>
        CodeFlashVerifier.Verify(stock, 1, Codes, UserIds, answers, stats, exported);

    [Fact]
    public void A_sale_by_code_with_replays_and_other_users_codes_refused_passes()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        CodeFlashAnswer[] answers =
        [
            Won(0, a), Won(1, b), Refused(2, "sold_out"), Refused(3, "sold_out"),
            Won(0, a, status: 200), Refused(2, "code_already_claimed", owner: 1), Refused(3, "code_already_claimed", owner: 0),
        ];

        var verdict = Verify(2, answers, Stats(2, 2), [Claimed(0, 0, a), Claimed(1, 1, b), Available(2), Available(3)]);

        Assert.True(verdict.Passed, string.Join("; ", verdict.Violations));
        Assert.Equal(2, verdict.ExpectedIssued);
        Assert.Equal(2, verdict.Refusals["code_already_claimed"]);
    }

    [Fact]
    public void Trying_another_users_claimed_code_is_no_demand()
    {
        // Users 2 and 3 only tried codes already given to others: the demand is users 0 and 1.
        CodeFlashAnswer[] answers = [Won(0, Guid.NewGuid()), Won(1, Guid.NewGuid()), Refused(2, "code_already_claimed", owner: 0), Refused(3, "code_already_claimed", owner: 1)];

        var verdict = Verify(10, answers, Stats(10, 2));

        Assert.True(verdict.Passed, string.Join("; ", verdict.Violations));
        Assert.Equal(2, verdict.ExpectedIssued);
    }

    [Fact]
    public void A_code_that_gives_coupons_to_two_users_fails()
    {
        CodeFlashAnswer[] answers = [Won(0, Guid.NewGuid()), Won(1, Guid.NewGuid(), owner: 0)];

        var verdict = Verify(5, answers);

        Assert.Contains(verdict.Violations, v => v.Contains("code CODE0 gave coupons to users 0 and 1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_code_that_gives_one_user_two_coupons_fails()
    {
        CodeFlashAnswer[] answers = [Won(0, Guid.NewGuid()), Won(0, Guid.NewGuid(), status: 200)];

        var verdict = Verify(5, answers);

        Assert.Contains(verdict.Violations, v => v.Contains("code CODE0 gave user 0 two coupons", StringComparison.Ordinal));
    }

    [Fact]
    public void A_replay_answered_201_again_fails()
    {
        var coupon = Guid.NewGuid();
        CodeFlashAnswer[] answers = [Won(0, coupon), Won(0, coupon)];

        var verdict = Verify(5, answers);

        Assert.Contains(verdict.Violations, v => v.Contains("a replay must be 200", StringComparison.Ordinal));
    }

    [Fact]
    public void A_replay_of_a_code_never_given_to_the_user_fails()
    {
        CodeFlashAnswer[] answers = [Won(1, Guid.NewGuid(), owner: 2, status: 200)];

        var verdict = Verify(5, answers);

        Assert.Contains(verdict.Violations, v => v.Contains("never gave them a coupon (201)", StringComparison.Ordinal));
    }

    [Fact]
    public void Another_users_claimed_code_refused_as_sold_out_fails()
    {
        CodeFlashAnswer[] answers = [Won(0, Guid.NewGuid()), Refused(1, "sold_out"), Refused(1, "sold_out", owner: 0)];

        var verdict = Verify(1, answers);

        Assert.Contains(verdict.Violations, v => v.Contains("answered 409 sold_out instead of 409 code_already_claimed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(404, "code_not_found")]
    [InlineData(429, "rate_limited")]
    [InlineData(409, "campaign_not_active")]
    public void Any_other_refusal_fails(int status, string code)
    {
        CodeFlashAnswer[] answers = [Won(0, Guid.NewGuid()), new(1, 1, new Answer(status, code, Guid.Empty))];

        var verdict = Verify(1, answers);

        Assert.Contains(verdict.Violations, v => v.Contains(code, StringComparison.Ordinal));
    }

    [Fact]
    public void A_user_above_the_limit_by_two_codes_fails()
    {
        // User 0 claims their own code and user 1's unclaimed one: two coupons on a limit of 1.
        CodeFlashAnswer[] answers = [Won(0, Guid.NewGuid()), Won(0, Guid.NewGuid(), owner: 1)];

        var verdict = Verify(5, answers);

        Assert.Contains(verdict.Violations, v => v.Contains("hold more than 1", StringComparison.Ordinal));
    }

    [Fact]
    public void An_export_that_names_another_user_or_coupon_fails()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        CodeFlashAnswer[] answers = [Won(0, a), Won(1, b)];

        var verdict = Verify(2, answers, Stats(2, 2), [Claimed(0, 2, a), Claimed(1, 1, Guid.NewGuid()), Available(2), Available(3)]);

        Assert.Contains(verdict.Violations, v => v.Contains("code CODE0: the export says claimed by u2", StringComparison.Ordinal));
        Assert.Contains(verdict.Violations, v => v.StartsWith("code CODE1: the export says claimed by u1 as coupon", StringComparison.Ordinal));
    }

    [Fact]
    public void An_export_with_a_claimed_code_no_client_was_given_fails()
    {
        var a = Guid.NewGuid();
        CodeFlashAnswer[] answers = [Won(0, a), Refused(1, "sold_out")];

        var verdict = Verify(2, answers, null, [Claimed(0, 0, a), Claimed(1, 1, Guid.NewGuid()), Available(2), Available(3)]);

        Assert.Contains(verdict.Violations, v => v.Contains("1 code(s) are claimed on the server but no client was given", StringComparison.Ordinal));
    }

    [Fact]
    public void An_export_missing_a_given_code_fails()
    {
        CodeFlashAnswer[] answers = [Won(0, Guid.NewGuid())];

        var verdict = Verify(1, answers, null, [Available(1), Available(2), Available(3)]);

        Assert.Contains(verdict.Violations, v => v.Contains("is not in the export", StringComparison.Ordinal));
        Assert.Contains(verdict.Violations, v => v.Contains("exported 3 codes, the campaign was given 4", StringComparison.Ordinal));
    }

    [Fact]
    public void The_codes_csv_reads_quoted_fields_and_empty_ones()
    {
        var coupon = Guid.NewGuid();
        var rows = CodeCsv.Parse($"{CodeCsv.Header}\nAAAA,available,,,\r\nBBBB,claimed,\"a,\"\"b\",{coupon},2026-11-30T07:00:00Z\n");

        Assert.Equal([new CodeRow("AAAA", "available", null, null), new CodeRow("BBBB", "claimed", "a,\"b", coupon)], rows);
        Assert.Throws<FormatException>(() => CodeCsv.Parse("code,status\nAAAA,available"));
    }
}
