using System.Net;
using System.Text;
using Coupons.Bench.Scenarios;
using Coupons.Bench.Service;

namespace Coupons.Bench.Tests;

public class AnswerTests
{
    private static readonly Guid CampaignId = Guid.NewGuid();

    [Fact]
    public async Task A_problem_gives_its_code()
    {
        var answer = await ClaimAnsweredWithAsync(HttpStatusCode.Conflict, """{"type":"x","title":"Sold out","status":409,"code":"sold_out","traceId":"t"}""", "application/problem+json");

        Assert.Equal("sold_out", answer.Code);
        Assert.Equal("409 sold_out", answer.Label);
        Assert.False(answer.IsSuccess);
    }

    [Fact]
    public async Task A_coupon_gives_its_id_and_not_the_campaign_id()
    {
        var id = Guid.NewGuid();
        var answer = await ClaimAnsweredWithAsync(HttpStatusCode.Created, Coupon(id));

        Assert.Equal((id, null, true, "201"), (answer.CouponId, answer.Code, answer.IsSuccess, answer.Label));
    }

    [Fact]
    public async Task A_redemption_gives_the_id_of_its_coupon()
    {
        var id = Guid.NewGuid();
        using var client = Client(HttpStatusCode.OK, $$"""{"coupon":{{Coupon(id)}},"discount":500,"payable":9500}""");
        var answer = await client.As("t").LockAnswerAsync(id, "order-1", 10_000, CancellationToken.None);

        Assert.Equal((id, 200), (answer.CouponId, answer.Status));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadGateway, "", "internal_error")]
    [InlineData(HttpStatusCode.InternalServerError, "not json", "internal_error")]
    [InlineData(HttpStatusCode.NotFound, "{}", "not_found")]
    public async Task Unusual_failures_still_get_a_label(HttpStatusCode status, string body, string code)
    {
        Assert.Equal(code, (await ClaimAnsweredWithAsync(status, body)).Code);
    }

    [Fact]
    public async Task A_success_that_cannot_be_read_is_a_failure()
    {
        Assert.Equal("JsonException", (await ClaimAnsweredWithAsync(HttpStatusCode.Created, "{\"id\":")).Code);
    }

    private static async Task<Answer> ClaimAnsweredWithAsync(HttpStatusCode status, string body, string mediaType = "application/json")
    {
        using var client = Client(status, body, mediaType);
        return await client.As("t").ClaimAnswerAsync(CampaignId, null, CancellationToken.None);
    }

    private static BenchClient Client(HttpStatusCode status, string body, string mediaType = "application/json") =>
        new(new Stub(status, body, mediaType), new Uri("http://127.0.0.1:9"), TimeSpan.FromSeconds(5));

    private static string Coupon(Guid id) => $$"""
        {"id":"{{id}}","campaignId":"{{CampaignId}}","userId":"u","status":"unused","claimedAt":"2026-01-01T00:00:00Z","validFrom":"2026-01-01T00:00:00Z",
         "validTo":"2026-02-01T00:00:00Z","discount":{"type":"amount_off","amountOff":500},"minOrderAmount":0}
        """;

    private sealed class Stub(HttpStatusCode status, string body, string mediaType) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) });
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
