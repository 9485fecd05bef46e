using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Client;
using Coupons.Client.Resilience;
using Coupons.Client.Serialization;

namespace Coupons.Api.Tests.Client;

/// <summary>
/// The client's reading and writing of the contract's JSON without a server: discounts by kind (and
/// one of a kind it does not know), codes it does not know, what it sends, and which requests it
/// counts as safe to repeat.
/// </summary>
public sealed class ClientJsonTests
{
    private static readonly CouponsJsonContext Json = CouponsJsonContext.Default;

    [Theory]
    [InlineData("""{"type":"amount_off","amountOff":500}""")]
    [InlineData("""{"type":"percent_off","percentOff":20,"maxDiscount":5000}""")]
    [InlineData("""{"type":"percent_off","percentOff":20}""")]
    [InlineData("""{"type":"threshold","threshold":10000,"amountOff":1500}""")]
    public void A_discount_reads_as_its_kind_and_writes_back_the_same(string json)
    {
        var coupon = ReadCoupon(json);
        Assert.Equal(json, JsonSerializer.Serialize(coupon.Discount, Json.Discount));
        Assert.Equal(JsonDocument.Parse(json).RootElement.GetProperty("type").GetString(), coupon.Discount.Type);
    }

    [Fact]
    public void A_discount_whose_type_is_not_first_is_read()
    {
        var discount = ReadCoupon("""{"maxDiscount":5000,"percentOff":20,"type":"percent_off"}""").Discount;
        Assert.Equal(new PercentOffDiscount(20, 5000), discount);
    }

    [Fact]
    public void A_discount_of_a_kind_added_later_is_kept_not_refused()
    {
        var json = """{"type":"buy_x_get_y","maxShipping":900,"carriers":["a","b"]}""";
        var discount = Assert.IsType<UnknownDiscount>(ReadCoupon(json).Discount);
        Assert.Equal("buy_x_get_y", discount.Type);
        Assert.Equal(900, discount.Json.GetProperty("maxShipping").GetInt32());
        var written = JsonSerializer.Serialize(new NewCampaign("n", discount, 1, Validity.ForDays(1)), Json.NewCampaign);
        Assert.Contains(json, written, StringComparison.Ordinal);
    }

    [Fact]
    public void Free_shipping_is_read_and_written_as_its_own_kind()
    {
        Assert.Equal(new FreeShippingDiscount(700), ReadCoupon("""{"type":"free_shipping","maxDiscount":700}""").Discount);
        Assert.Equal(new FreeShippingDiscount(), ReadCoupon("""{"type":"free_shipping"}""").Discount);
        var written = JsonSerializer.Serialize(new NewCampaign("n", new FreeShippingDiscount(700), 1, Validity.ForDays(1)), Json.NewCampaign);
        Assert.Contains("""{"type":"free_shipping","maxDiscount":700}""", written, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_campaign_is_sent_with_only_the_fields_given()
    {
        var json = JsonSerializer.Serialize(
            new NewCampaign("Sale", new PercentOffDiscount(20), 100, Validity.Between(null, new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero))) { PerUserLimit = 2 },
            Json.NewCampaign);
        Assert.Equal("""{"name":"Sale","discount":{"type":"percent_off","percentOff":20},"totalStock":100,"validity":{"to":"2027-01-01T00:00:00+00:00"},"perUserLimit":2}""", json);
    }

    [Fact]
    public void Codes_and_statuses_this_client_does_not_know_are_kept_as_they_came()
    {
        var problem = JsonSerializer.Deserialize("""{"status":409,"title":"t","code":"gift_wrapped","limit":"tenant","errors":{"a":["b"]}}""", Json.CouponsProblem)!;
        Assert.Equal(("gift_wrapped", false, "tenant"), (problem.Code.Value, problem.Code.IsKnown, problem.Limit!.Value.Value));
        Assert.True(ProblemCode.SoldOut.IsKnown);
        Assert.Equal(ProblemCode.SoldOut, new ProblemCode("sold_out"));
        Assert.NotEqual(ProblemCode.SoldOut, problem.Code);

        var coupon = JsonSerializer.Deserialize(ClientRegistrationTests.CouponJson(Guid.NewGuid()).Replace("\"unused\"", "\"gifted\"", StringComparison.Ordinal), Json.Coupon)!;
        Assert.Equal(("gifted", false), (coupon.Status.Value, coupon.Status.IsKnown));
    }

    [Fact]
    public void Codes_read_in_coupons_campaigns_and_a_campaigns_code_listing()
    {
        var coupon = JsonSerializer.Deserialize(ClientRegistrationTests.CouponJson(Guid.NewGuid()).Replace("\"minOrderAmount\":0", "\"minOrderAmount\":0,\"code\":\"K7QMX4TR9HWQ\"", StringComparison.Ordinal), Json.Coupon)!;
        Assert.Equal("K7QMX4TR9HWQ", coupon.Code);
        var couponId = Guid.NewGuid();
        var page = JsonSerializer.Deserialize(
            $$"""{"items":[{"code":"SUMMERK7QMX4TR9HWQ","status":"claimed","userId":"alice","couponId":"{{couponId}}","claimedAt":"2026-11-27T09:00:00+00:00"},{"code":"SUMMER23456789ABCD","status":"available","userId":null,"couponId":null,"claimedAt":null}],"nextCursor":null}""",
            Json.PageCouponCode)!;
        Assert.Equal((CodeStatus.Claimed, couponId, "alice"), (page.Items[0].Status, page.Items[0].CouponId, page.Items[0].UserId));
        Assert.Equal((CodeStatus.Available, (Guid?)null), (page.Items[1].Status, page.Items[1].CouponId));
        Assert.Equal("""{"name":"n","discount":{"type":"amount_off","amountOff":1},"totalStock":1,"validity":{"days":1},"code":"SUMMER-25"}""",
            JsonSerializer.Serialize(new NewCampaign("n", new AmountOffDiscount(1), 1, Validity.ForDays(1)) { Code = "SUMMER-25" }, Json.NewCampaign));
    }

    [Fact]
    public void The_client_knows_every_code_status_kind_and_discount_type_the_document_names()
    {
        var schemas = Contract.CommittedDocument.Current.Schemas;
        string[] Enum(JsonNode schema) => [.. schema["enum"]!.AsArray().Select(v => v!.GetValue<string>())];
        string[] EnumOf(string schema, string property) => Enum(schemas[schema]!["properties"]![property]!);
        Assert.All(Enum(schemas["ProblemCode"]!), code => Assert.True(new ProblemCode(code).IsKnown, code));
        Assert.All(EnumOf("Coupon", "status"), status => Assert.True(new CouponStatus(status).IsKnown, status));
        Assert.All(EnumOf("Campaign", "status"), status => Assert.True(new CampaignStatus(status).IsKnown, status));
        Assert.All(EnumOf("BlockEntry", "kind"), kind => Assert.True(new BlockKind(kind).IsKnown, kind));
        Assert.All(EnumOf("FraudFlag", "signal"), signal => Assert.True(new FraudSignal(signal).IsKnown, signal));
        Assert.All(EnumOf("Problem", "limit"), limit => Assert.True(new RateLimitKind(limit).IsKnown, limit));
        Assert.All(EnumOf("CouponCode", "status"), status => Assert.True(new CodeStatus(status).IsKnown, status));
        Assert.All(EnumOf("Job", "status"), status => Assert.True(new JobStatus(status).IsKnown, status));

        var kinds = schemas["Discount"]!["discriminator"]!["mapping"]!.AsObject().Select(m => m.Key).ToList();
        Assert.NotEmpty(kinds);
        Assert.All(kinds, kind => Assert.IsNotType<UnknownDiscount>(ReadCoupon($$"""{"type":"{{kind}}"}""").Discount));
    }

    [Fact]
    public async Task An_answer_that_is_not_a_problem_document_gets_a_code_from_its_status()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new StringContent("<html>bad gateway</html>", Encoding.UTF8, "text/html") };
        var problem = await ProblemReader.ReadAsync(response, CancellationToken.None);
        Assert.Equal((502, ProblemCode.InternalError), (problem.Status, problem.Code));
    }

    [Theory]
    [InlineData("GET", "v1/campaigns", false, true)]
    [InlineData("POST", "v1/coupons/00000000-0000-0000-0000-000000000001/lock", false, true)]
    [InlineData("POST", "v1/coupons/00000000-0000-0000-0000-000000000001/refund", false, true)]
    [InlineData("POST", "v1/coupons/00000000-0000-0000-0000-000000000001/revoke", false, true)]
    [InlineData("GET", "v1/users/alice/coupons?status=revoked", false, true)]
    [InlineData("POST", "v1/campaigns/00000000-0000-0000-0000-000000000001/end", false, true)]
    [InlineData("POST", "v1/campaigns/00000000-0000-0000-0000-000000000001/claim", true, true)]
    [InlineData("POST", "v1/campaigns/00000000-0000-0000-0000-000000000001/claim", false, false)]
    [InlineData("POST", "v1/campaigns", false, false)]
    [InlineData("POST", "v1/campaigns/00000000-0000-0000-0000-000000000001/stock", false, false)]
    [InlineData("POST", "v1/blocklist", false, true)]
    [InlineData("POST", "v1/codes/claim", false, true)]
    [InlineData("POST", "v1/codes/claim", true, true)]
    [InlineData("POST", "v1/codes/lookup", false, true)]
    [InlineData("POST", "v1/checkout/quote", false, true)]
    [InlineData("POST", "v1/campaigns/00000000-0000-0000-0000-000000000001/codes", true, true)]
    [InlineData("POST", "v1/campaigns/00000000-0000-0000-0000-000000000001/codes", false, false)]
    [InlineData("GET", "v1/campaigns/00000000-0000-0000-0000-000000000001/codes?status=claimed", false, true)]
    [InlineData("POST", "v1/jobs/00000000-0000-0000-0000-000000000001/cancel", false, true)]
    [InlineData("POST", "v1/campaigns/00000000-0000-0000-0000-000000000001/issuances", true, true)]
    [InlineData("POST", "v1/campaigns/00000000-0000-0000-0000-000000000001/issuances", false, false)]
    [InlineData("GET", "v1/jobs/00000000-0000-0000-0000-000000000001/failures?limit=5", false, true)]
    [InlineData("DELETE", "v1/blocklist/ip?value=1.2.3.4", false, false)]
    public void Only_requests_whose_repeat_does_nothing_more_are_safe_to_retry(string method, string path, bool withKey, bool safe)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(new Uri("http://coupons.test/base/"), path));
        if (withKey)
        {
            request.Headers.Add(CouponsClient.IdempotencyKeyHeader, "k");
        }

        Assert.Equal(safe, RetrySafety.IsSafeToRetry(request));
    }

    private static Coupon ReadCoupon(string discountJson) =>
        JsonSerializer.Deserialize(
            ClientRegistrationTests.CouponJson(Guid.NewGuid()).Replace("""{"type":"amount_off","amountOff":500}""", discountJson, StringComparison.Ordinal),
            Json.Coupon)!;
}
