using Coupons.Bench.Scenarios;
using Coupons.Bench.Service;

namespace Coupons.Bench.Tests;

public class FlashVerifierTests
{
    private static FlashAnswer Won(int user, Guid coupon, string key = "a") => new(user, key, new Answer(201, null, coupon));

    private static FlashAnswer Refused(int user, string code, string key = "a") => new(user, key, new Answer(409, code, Guid.Empty));

    private static CampaignStats Stats(long stock, long issued) => new(stock, issued, stock - issued, 0, 0, new Dictionary<string, long>());

    [Fact]
    public void A_sale_that_sells_exactly_its_stock_passes()
    {
        var coupons = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToArray();
        FlashAnswer[] answers =
        [
            Won(0, coupons[0]), Won(1, coupons[1]), Won(2, coupons[2]), Refused(3, "sold_out"), Refused(4, "sold_out"),
            Won(0, coupons[0]), Refused(1, "limit_reached", "b"),
        ];

        var verdict = FlashVerifier.Verify(3, 1, answers, Stats(3, 3));

        Assert.True(verdict.Passed, string.Join("; ", verdict.Violations));
        Assert.Equal(3, verdict.ExpectedIssued);
        Assert.Equal(3, verdict.Acknowledged);
        Assert.Equal(2, verdict.Refusals["sold_out"]);
        Assert.Equal(1, verdict.Refusals["limit_reached"]);
    }

    [Fact]
    public void Demand_below_stock_expects_every_user_served()
    {
        FlashAnswer[] answers = [Won(0, Guid.NewGuid()), Won(1, Guid.NewGuid())];

        var verdict = FlashVerifier.Verify(10, 1, answers, Stats(10, 2));

        Assert.True(verdict.Passed, string.Join("; ", verdict.Violations));
        Assert.Equal(2, verdict.ExpectedIssued);
    }

    [Fact]
    public void Selling_fewer_than_the_stock_to_a_larger_demand_fails()
    {
        FlashAnswer[] answers = [Won(0, Guid.NewGuid()), Refused(1, "sold_out"), Refused(2, "sold_out")];

        var verdict = FlashVerifier.Verify(2, 1, answers, Stats(2, 1));

        Assert.False(verdict.Passed);
        Assert.Contains(verdict.Violations, v => v.Contains("expected exactly", StringComparison.Ordinal));
    }

    [Fact]
    public void A_coupon_acknowledged_to_two_users_fails()
    {
        var coupon = Guid.NewGuid();
        FlashAnswer[] answers = [Won(0, coupon), Won(1, coupon)];

        var verdict = FlashVerifier.Verify(5, 1, answers, null);

        Assert.Contains(verdict.Violations, v => v.Contains("acknowledged to users 0 and 1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_user_above_the_limit_fails()
    {
        FlashAnswer[] answers = [Won(0, Guid.NewGuid(), "a"), Won(0, Guid.NewGuid(), "b")];

        var verdict = FlashVerifier.Verify(5, 1, answers, null);

        Assert.Contains(verdict.Violations, v => v.Contains("hold more than 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_coupons_for_one_idempotency_key_fail_even_within_the_limit()
    {
        FlashAnswer[] answers = [Won(0, Guid.NewGuid(), "a"), Won(0, Guid.NewGuid(), "a")];

        var verdict = FlashVerifier.Verify(5, 2, answers, null);

        Assert.Contains(verdict.Violations, v => v.Contains("one idempotency key", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(503, "overloaded")]
    [InlineData(409, "campaign_not_active")]
    [InlineData(500, "no_code")]
    [InlineData(0, "HttpRequestException")]
    public void Any_other_answer_fails(int status, string code)
    {
        FlashAnswer[] answers = [Won(0, Guid.NewGuid()), new(1, "a", new Answer(status, code, Guid.Empty))];

        var verdict = FlashVerifier.Verify(1, 1, answers, null);

        Assert.Contains(verdict.Violations, v => v.Contains(code, StringComparison.Ordinal));
    }

    [Fact]
    public void A_server_count_that_differs_from_the_acknowledged_fails()
    {
        FlashAnswer[] answers = [Won(0, Guid.NewGuid()), Refused(1, "sold_out")];

        var verdict = FlashVerifier.Verify(1, 1, answers, Stats(1, 2) with { RemainingStock = -1 });

        Assert.Contains(verdict.Violations, v => v.Contains("the server counts 2 issued", StringComparison.Ordinal));
    }
}
