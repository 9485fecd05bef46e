using System.Text;
using Coupons.Bench.Scenarios;
using Coupons.Bench.Service;

namespace Coupons.Bench.Tests;

public class AnswerTests
{
    [Fact]
    public void A_problem_gives_its_code()
    {
        var answer = CouponsClient.Parse(409, Encoding.UTF8.GetBytes("""{"type":"x","title":"Sold out","status":409,"code":"sold_out","traceId":"t"}"""));

        Assert.Equal("sold_out", answer.Code);
        Assert.Equal("409 sold_out", answer.Label);
        Assert.False(answer.IsSuccess);
    }

    [Fact]
    public void A_coupon_gives_its_id_and_not_the_campaign_id()
    {
        var id = Guid.NewGuid();
        var answer = CouponsClient.Parse(201, Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","campaignId":"{{Guid.NewGuid()}}","status":"unused"}"""));

        Assert.Equal(id, answer.CouponId);
        Assert.Null(answer.Code);
        Assert.True(answer.IsSuccess);
    }

    [Fact]
    public void A_redemption_gives_the_id_of_its_coupon()
    {
        var id = Guid.NewGuid();
        var answer = CouponsClient.Parse(200, Encoding.UTF8.GetBytes($$$"""{"coupon":{"id":"{{{id}}}","lockedBy":{"id":"x"}},"discount":500,"payable":9500}"""));

        Assert.Equal(id, answer.CouponId);
    }

    [Theory]
    [InlineData(502, "", "no_body")]
    [InlineData(500, "not json", "unreadable_body")]
    [InlineData(404, "{}", "no_code")]
    public void Unusual_failures_still_get_a_label(int status, string body, string code)
    {
        Assert.Equal(code, CouponsClient.Parse(status, Encoding.UTF8.GetBytes(body)).Code);
    }

    [Theory]
    [InlineData("3:7", 3, 7)]
    [InlineData("1:0", 1, 0)]
    [InlineData("0:1", 0, 1)]
    public void Ratios_parse(string text, int claims, int redemptions)
    {
        Assert.Equal(new Ratio(claims, redemptions), Ratio.Parse(text));
    }

    [Theory]
    [InlineData("3")]
    [InlineData("0:0")]
    [InlineData("-1:2")]
    [InlineData("a:b")]
    [InlineData("3:7:1")]
    public void Bad_ratios_are_refused(string text)
    {
        Assert.Throws<FormatException>(() => Ratio.Parse(text));
    }
}
