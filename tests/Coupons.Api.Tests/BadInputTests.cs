using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>Hostile and broken request bodies: always a 4xx with a code, never a 5xx.</summary>
public sealed class BadInputTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private const string ValidCampaign = """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30}}""";

    public static TheoryData<string> BrokenJson => new()
    {
        "{",
        "{\"name\":",
        "}",
        "not json",
        "nul",
        "{\"name\":\"n\",}",
        "{\"name\":\"n\" /* comment */}",
        "{'name':'n'}",
        "{\"totalStock\": 0100}",
        "{\"totalStock\": NaN}",
        "{\"totalStock\": Infinity}",
        "{\"totalStock\": 0x10}",
        "{\"name\":\"unterminated}",
        "{\"name\":\"bad escape \\q\"}",
        "{\"name\":\"lone surrogate \\ud800\"}",
        ValidCampaign + " trailing",
        ValidCampaign + ValidCampaign,
        "\uFEFF\uFEFF{}",
    };

    [Theory]
    [MemberData(nameof(BrokenJson))]
    public async Task Malformed_json_is_400(string json)
    {
        using var response = await Admin.PostRawAsync("/v1/campaigns", json);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    public static TheoryData<string> NotAnObject => new() { "null", "[]", "[{}]", "\"text\"", "42", "true" };

    [Theory]
    [MemberData(nameof(NotAnObject))]
    public async Task A_body_that_is_not_an_object_is_400(string json)
    {
        using (var create = await Admin.PostRawAsync("/v1/campaigns", json))
        {
            await create.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var lockIt = await user.PostRawAsync($"/v1/coupons/{couponId}/lock", json);
        await lockIt.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("/v1/campaigns")]
    [InlineData("/v1/campaigns/{campaign}/stock")]
    [InlineData("/v1/coupons/{coupon}/lock")]
    [InlineData("/v1/coupons/{coupon}/redeem")]
    [InlineData("/v1/coupons/{coupon}/release")]
    [InlineData("/v1/coupons/{coupon}/refund")]
    public async Task An_empty_body_is_400(string template)
    {
        var (_, user, campaignId, couponId) = await UserWithCouponAsync();
        var path = template.Replace("{campaign}", campaignId, StringComparison.Ordinal).Replace("{coupon}", couponId, StringComparison.Ordinal);
        var client = template.Contains("/v1/campaigns", StringComparison.Ordinal) || template.EndsWith("refund", StringComparison.Ordinal) ? Admin : user;
        using (var empty = await client.PostRawAsync(path, string.Empty))
        {
            await empty.AssertValidationAsync("body");
        }

        using var none = await client.PostEmptyAsync(path);
        await none.AssertValidationAsync("body");
    }

    public static TheoryData<string, string> WrongTypes => new()
    {
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":"10","validity":{"days":30}}""", "totalStock" },
        { """{"name":5,"discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30}}""", "name" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":"500"},"totalStock":10,"validity":{"days":30}}""", "discount.amountOff" },
        { """{"name":"n","discount":{"type":7,"amountOff":500},"totalStock":10,"validity":{"days":30}}""", "discount.type" },
        { """{"name":"n","discount":"amount_off","totalStock":10,"validity":{"days":30}}""", "discount" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":true,"validity":{"days":30}}""", "totalStock" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10.5,"validity":{"days":30}}""", "totalStock" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":1e3,"validity":{"days":30}}""", "totalStock" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":1e30,"validity":{"days":30}}""", "totalStock" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":99999999999999999999,"validity":{"days":30}}""", "totalStock" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":-99999999999999999999,"validity":{"days":30}}""", "totalStock" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":"30"}}""", "validity.days" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":3000000000}}""", "validity.days" },
        { """{"name":"n","discount":{"type":"percent_off","percentOff":1e30},"totalStock":10,"validity":{"days":30}}""", "discount.percentOff" },
        { """{"name":"n","discount":{"type":"percent_off","percentOff":4294967396},"totalStock":10,"validity":{"days":30}}""", "discount.percentOff" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30},"lockTtlSeconds":[60]}""", "lockTtlSeconds" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30},"claimStartsAt":"tomorrow"}""", "claimStartsAt" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30},"claimStartsAt":1700000000}""", "claimStartsAt" },
        { """{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"to":"2030-13-45T00:00:00Z"}}""", "validity.to" },
    };

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task Wrong_types_and_numbers_that_do_not_fit_are_400_naming_the_path(string json, string path)
    {
        using var response = await Admin.PostRawAsync("/v1/campaigns", json);
        await response.AssertValidationAsync(path);
    }

    [Theory]
    [InlineData("""{"orderId":"o1","orderAmount":"2000"}""")]
    [InlineData("""{"orderId":123,"orderAmount":2000}""")]
    [InlineData("""{"orderId":["o1"],"orderAmount":2000}""")]
    [InlineData("""{"orderId":{"id":"o1"},"orderAmount":2000}""")]
    [InlineData("""{"orderId":"o1","orderAmount":2000.5}""")]
    [InlineData("""{"orderId":"o1","orderAmount":2e3}""")]
    [InlineData("""{"orderId":"o1","orderAmount":1e30}""")]
    [InlineData("""{"orderId":"o1","orderAmount":99999999999999999999}""")]
    [InlineData("""{"orderId":"o1","orderAmount":-99999999999999999999}""")]
    [InlineData("""{"orderId":"o1","orderAmount":true}""")]
    [InlineData("""{"orderId":"o1","orderAmount":-1}""")]
    [InlineData("""{"orderId":"o1","orderAmount":1000000000000001}""")]
    [InlineData("""{"orderId":null,"orderAmount":2000}""")]
    public async Task Lock_with_wrong_types_or_out_of_range_amounts_is_400(string json)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await user.PostRawAsync($"/v1/coupons/{couponId}/lock", json);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Theory]
    [InlineData("""{"add":"5"}""")]
    [InlineData("""{"add":5.5}""")]
    [InlineData("""{"add":1e30}""")]
    [InlineData("""{"add":99999999999999999999}""")]
    [InlineData("""{"add":5,"extra":1}""")]
    [InlineData("""{"add":5,"add":6}""")]
    [InlineData("""{"Add":5,"add":6}""")]
    public async Task Stock_with_wrong_types_unknown_or_duplicate_fields_is_400(string json)
    {
        var campaignId = await NewCampaignAsync();
        using var response = await Admin.PostRawAsync($"/v1/campaigns/{campaignId}/stock", json);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(10, (await GetCampaignAsync(campaignId)).Long("totalStock"));
    }

    [Theory]
    [InlineData("""{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30},"isAdmin":true}""", "isAdmin")]
    [InlineData("""{"name":"n","discount":{"type":"amount_off","amountOff":500,"bonus":1},"totalStock":10,"validity":{"days":30}}""", "discount.bonus")]
    [InlineData("""{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30},"issued":5}""", "issued")]
    [InlineData("""{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30},"status":"ended"}""", "status")]
    public async Task Unknown_fields_are_400(string json, string path)
    {
        using var response = await Admin.PostRawAsync("/v1/campaigns", json);
        await response.AssertValidationAsync(path);
    }

    [Theory]
    [InlineData("release", "null")]
    [InlineData("release", "500")]
    [InlineData("refund", "null")]
    public async Task An_order_amount_on_a_release_or_refund_is_a_field_they_do_not_take(string action, string amount)
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order("order-a", 2_000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await (action == "refund" ? Admin : user).PostRawAsync($"/v1/coupons/{couponId}/{action}", $$"""{"orderId":"order-a","orderAmount":{{amount}}}""");
        await response.AssertValidationAsync("orderAmount");
        Assert.Equal("locked", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Theory]
    [InlineData("""{"name":"a","name":"b","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"validity":{"days":30}}""")]
    [InlineData("""{"name":"n","discount":{"type":"amount_off","amountOff":500,"amountOff":1},"totalStock":10,"validity":{"days":30}}""")]
    [InlineData("""{"name":"n","discount":{"type":"amount_off","amountOff":500},"totalStock":10,"totalStock":1000000000,"validity":{"days":30}}""")]
    public async Task Duplicate_properties_are_400(string json)
    {
        using var response = await Admin.PostRawAsync("/v1/campaigns", json);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Duplicate_order_ids_in_one_body_are_400()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await user.PostRawAsync($"/v1/coupons/{couponId}/redeem", """{"orderId":"a","orderId":"b","orderAmount":2000}""");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Theory]
    [InlineData(9)]
    [InlineData(64)]
    [InlineData(4_000)]
    public async Task Deeply_nested_json_is_400(int depth)
    {
        var arrays = new string('[', depth) + new string(']', depth);
        using (var response = await Admin.PostRawAsync("/v1/campaigns", arrays))
        {
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        var objects = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            objects.Append("{\"discount\":");
        }

        objects.Append("{}").Append('}', depth);
        using (var response = await Admin.PostRawAsync("/v1/campaigns", objects.ToString()))
        {
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        // Nested inside a known field of an otherwise valid body.
        var nested = ValidCampaign.Replace("\"name\":\"n\"", "\"name\":" + arrays, StringComparison.Ordinal);
        using (var response = await Admin.PostRawAsync("/v1/campaigns", nested))
        {
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }
    }

    [Fact]
    public async Task Nesting_that_fills_the_whole_body_limit_is_a_4xx()
    {
        using (var arrays = await Admin.PostRawAsync("/v1/campaigns", new string('[', 32_000) + new string(']', 32_000)))
        {
            await arrays.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        }

        using var past = await Admin.PostRawAsync("/v1/campaigns", new string('[', 100_000) + new string(']', 100_000));
        await past.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Control_characters_in_a_name_never_give_a_5xx_and_round_trip_when_taken()
    {
        var body = CampaignBody();
        body["name"] = "a\u0000b\u001f\u007f";
        using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
        await AssertNot5xxAsync(response);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            var created = await response.AssertStatusAsync(HttpStatusCode.Created);
            Assert.Equal("a\u0000b\u001f\u007f", (await GetCampaignAsync(created.Str("id"))).Str("name"));
        }
    }

    [Fact]
    public async Task A_name_of_ten_thousand_characters_is_400()
    {
        var body = CampaignBody();
        body["name"] = new string('x', 10_000);
        using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
        var problem = await response.AssertValidationAsync("name");
        Assert.True(problem.GetRawText().Length < 5_000, "the problem does not echo the whole name");
    }

    [Fact]
    public async Task A_long_order_id_is_400_and_not_echoed()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var response = await PostCouponAsync(user, couponId, "lock", Order(new string('o', 50_000), 2000));
        var problem = await response.AssertValidationAsync("orderId");
        Assert.True(problem.GetRawText().Length < 5_000, "the problem does not echo the whole order id");
    }

    [Fact]
    public async Task A_ten_megabyte_body_is_413_payload_too_large()
    {
        var big = "{\"name\":\"" + new string('x', 10 * 1024 * 1024) + "\"}";
        using var response = await Admin.PostRawAsync("/v1/campaigns", big);
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_ten_megabyte_body_without_a_content_length_is_413_payload_too_large()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        using var content = new UnsizedContent(10 * 1024 * 1024);
        using var response = await user.PostAsync(new Uri($"/v1/coupons/{couponId}/lock", UriKind.Relative), content);
        await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_body_sent_in_parts_without_a_content_length_is_read_whole()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        var body = "{\"orderId\":\"o1\",   " + new string(' ', 40_000) + "\"orderAmount\":2000}";
        using var content = new PartedContent(Encoding.UTF8.GetBytes(body), parts: 5);
        using var response = await user.PostAsync(new Uri($"/v1/coupons/{couponId}/lock", UriKind.Relative), content);
        var locked = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(("o1", "locked"), (locked.GetProperty("coupon").Str("orderId"), locked.GetProperty("coupon").Str("status")));
    }

    [Fact]
    public async Task A_body_just_over_64_kib_is_413_and_just_under_is_read()
    {
        var (_, user, _, couponId) = await UserWithCouponAsync();
        const int Limit = 64 * 1024;
        var prefix = "{\"orderId\":\"o1\",\"orderAmount\":2000}";
        var under = prefix + new string(' ', Limit - prefix.Length);
        using (var ok = await user.PostRawAsync($"/v1/coupons/{couponId}/lock", under))
        {
            await ok.AssertStatusAsync(HttpStatusCode.OK);
        }

        var over = prefix + new string(' ', Limit + 1 - prefix.Length);
        using var tooLarge = await user.PostRawAsync($"/v1/coupons/{couponId}/lock", over);
        await tooLarge.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Invalid_utf8_is_400()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"name\":\"").Concat(new byte[] { 0xC3, 0x28, 0xFF }).Concat(Encoding.UTF8.GetBytes("\"}")).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await Admin.PostAsync(new Uri("/v1/campaigns", UriKind.Relative), content);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    public static TheoryData<string> EdgeDates => new()
    {
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59.9999999Z",
        "0001-01-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "",
    };

    [Theory]
    [MemberData(nameof(EdgeDates))]
    public async Task Dates_at_the_edges_of_the_calendar_never_give_a_5xx(string date)
    {
        foreach (var field in new[] { "claimStartsAt", "claimEndsAt" })
        {
            var body = CampaignBody();
            body[field] = date;
            using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
            await AssertNot5xxAsync(response);
        }

        var validity = CampaignBody();
        validity["validity"] = new System.Text.Json.Nodes.JsonObject { ["to"] = date };
        using (var response = await Admin.PostJsonAsync("/v1/campaigns", validity))
        {
            await AssertNot5xxAsync(response);
        }

        validity["validity"] = new System.Text.Json.Nodes.JsonObject { ["from"] = date, ["to"] = "9999-12-31T00:00:00Z" };
        using (var response = await Admin.PostJsonAsync("/v1/campaigns", validity))
        {
            await AssertNot5xxAsync(response);
        }
    }

    [Fact]
    public async Task A_validity_that_ends_at_the_end_of_time_can_be_claimed_locked_and_read()
    {
        var body = CampaignBody();
        body["validity"] = new System.Text.Json.Nodes.JsonObject { ["from"] = "0001-01-01T00:00:00Z", ["to"] = "9999-12-31T23:59:59.999Z" };
        body["lockTtlSeconds"] = 604_800;
        var (_, user, _, couponId) = await UserWithCouponAsync(body);
        using var response = await PostCouponAsync(user, couponId, "lock", Order("o-edge", 2000));
        await response.AssertStatusAsync(HttpStatusCode.OK);
        var coupon = await GetCouponAsync(user, couponId);
        Assert.Equal(new DateTimeOffset(9999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), coupon.Time("validTo"));
    }

    [Fact]
    public async Task The_longest_relative_validity_can_be_claimed()
    {
        var body = CampaignBody();
        body["validity"] = new System.Text.Json.Nodes.JsonObject { ["days"] = 3650 };
        var (_, user, _, couponId) = await UserWithCouponAsync(body);
        var coupon = await GetCouponAsync(user, couponId);
        Assert.Equal(coupon.Time("claimedAt").AddDays(3650), coupon.Time("validTo"));
    }

    public static TheoryData<string, string> Garbage => new()
    {
        { "/v1/campaigns", "\0\0\0" },
        { "/v1/campaigns", "{\"discount\":null,\"validity\":null,\"totalStock\":null}" },
        { "/v1/campaigns", "{\"discount\":{},\"validity\":{},\"totalStock\":0}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"percent_off\"},\"validity\":{\"days\":1},\"totalStock\":0,\"name\":\"x\"}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"threshold\"},\"validity\":{\"days\":1},\"totalStock\":0,\"name\":\"x\"}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"percent_off\",\"percentOff\":50,\"maxDiscount\":-1},\"validity\":{\"days\":1},\"totalStock\":0,\"name\":\"x\"}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"threshold\",\"threshold\":-1,\"amountOff\":1},\"validity\":{\"days\":1},\"totalStock\":0,\"name\":\"x\"}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"amount_off\",\"amountOff\":1},\"validity\":{\"days\":-2147483648},\"totalStock\":0,\"name\":\"x\"}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"amount_off\",\"amountOff\":1},\"validity\":{\"days\":1},\"totalStock\":-9223372036854775808,\"name\":\"x\"}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"amount_off\",\"amountOff\":1},\"validity\":{\"days\":1},\"totalStock\":1,\"name\":\"x\",\"lockTtlSeconds\":-2147483648}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"amount_off\",\"amountOff\":1},\"validity\":{\"days\":1},\"totalStock\":1,\"name\":\"x\",\"perUserLimit\":2147483647}" },
        { "/v1/campaigns", "{\"discount\":{\"type\":\"amount_off\",\"amountOff\":1},\"validity\":{\"days\":1},\"totalStock\":1,\"name\":\"x\",\"minOrderAmount\":-9223372036854775808}" },
        { "/v1/campaigns/{campaign}/stock", "{\"add\":[]}" },
        { "/v1/coupons/{coupon}/lock", "{\"orderId\":\"\\ud83d\",\"orderAmount\":1}" },
        { "/v1/coupons/{coupon}/redeem", "{\"orderId\":\"o\",\"orderAmount\":{}}" },
        { "/v1/coupons/{coupon}/release", "{\"orderId\":\"o\",\"orderAmount\":null,\"x\":[]}" },
        { "/v1/coupons/{coupon}/refund", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Garbage_bodies_are_a_4xx_with_a_code(string template, string json)
    {
        var (_, user, campaignId, couponId) = await UserWithCouponAsync();
        var path = template.Replace("{campaign}", campaignId, StringComparison.Ordinal).Replace("{coupon}", couponId, StringComparison.Ordinal);
        var client = template.StartsWith("/v1/campaigns", StringComparison.Ordinal) || template.EndsWith("refund", StringComparison.Ordinal) ? Admin : user;
        using var response = await client.PostRawAsync(path, json);
        await response.AssertClientErrorAsync();
    }

    [Fact]
    public async Task Another_content_type_with_a_json_body_never_gives_a_5xx()
    {
        foreach (var mediaType in new[] { "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data" })
        {
            using var response = await Admin.PostRawAsync("/v1/campaigns", ValidCampaign, mediaType);
            await AssertNot5xxAsync(response);
        }
    }

    [Fact]
    public async Task A_form_body_is_a_4xx_with_a_code()
    {
        using var content = new FormUrlEncodedContent([new KeyValuePair<string, string>("name", "n")]);
        using var response = await Admin.PostAsync(new Uri("/v1/campaigns", UriKind.Relative), content);
        await response.AssertClientErrorAsync();
    }

    private static async Task AssertNot5xxAsync(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status < 500, $"{response.RequestMessage?.RequestUri}: got {status}: {text}");
        if (status >= 400)
        {
            await response.AssertClientErrorAsync();
        }
    }

    /// <summary>A body written in <paramref name="parts"/> flushed writes without a Content-Length (chunked).</summary>
    private sealed class PartedContent(byte[] body, int parts) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var size = (body.Length + parts - 1) / parts;
            for (var offset = 0; offset < body.Length; offset += size)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(size, body.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A body streamed without a Content-Length (chunked), so the limit must be enforced while reading.</summary>
    private sealed class UnsizedContent(int size) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync("{\"orderId\":\""u8.ToArray());
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'x');
            for (var written = 0; written < size; written += chunk.Length)
            {
                await stream.WriteAsync(chunk);
            }

            await stream.WriteAsync("\"}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
