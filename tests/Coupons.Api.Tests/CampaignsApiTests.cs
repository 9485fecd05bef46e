using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>POST/GET /v1/campaigns, pause/resume/end and stock.</summary>
public sealed class CampaignsApiTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private const string UnknownId = "0198f0f0-0000-7000-8000-000000000000";

    [Fact]
    public async Task Create_returns_201_with_location_and_every_field()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var response = await Admin.PostJsonAsync("/v1/campaigns", CampaignBody(totalStock: 25, perUserLimit: 3));
        var campaign = await response.AssertStatusAsync(HttpStatusCode.Created);

        var id = campaign.Str("id");
        Assert.True(Guid.TryParseExact(id, "D", out _), id);
        Assert.Equal($"/v1/campaigns/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Spring sale", campaign.Str("name"));
        var discount = campaign.GetProperty("discount");
        Assert.Equal("amount_off", discount.Str("type"));
        Assert.Equal(500, discount.Long("amountOff"));
        Assert.Equal(1000, campaign.Long("minOrderAmount"));
        Assert.Equal(25, campaign.Long("totalStock"));
        Assert.Equal(0, campaign.Long("issued"));
        Assert.Equal(25, campaign.Long("remainingStock"));
        Assert.Equal(3, campaign.Long("perUserLimit"));
        Assert.True(campaign.IsNull("claimStartsAt"));
        Assert.True(campaign.IsNull("claimEndsAt"));
        Assert.Equal(30, campaign.GetProperty("validity").GetProperty("days").GetInt32());
        Assert.Equal(900, campaign.Long("lockTtlSeconds"));
        Assert.Equal("active", campaign.Str("status"));
        Assert.InRange(campaign.Time("createdAt"), before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Create_keeps_percent_off_threshold_windows_and_absolute_validity()
    {
        var start = DateTimeOffset.UtcNow.AddHours(1);
        var percent = CampaignBody();
        percent["discount"] = new JsonObject { ["type"] = "percent_off", ["percentOff"] = 15, ["maxDiscount"] = 1000 };
        percent["claimStartsAt"] = Iso(start);
        percent["claimEndsAt"] = Iso(start.AddDays(1));
        percent["validity"] = new JsonObject { ["from"] = Iso(start), ["to"] = Iso(start.AddDays(10)) };
        percent["lockTtlSeconds"] = 60;
        var campaign = await CreateCampaignAsync(percent);
        var discount = campaign.GetProperty("discount");
        Assert.Equal("percent_off", discount.Str("type"));
        Assert.Equal(15, discount.Long("percentOff"));
        Assert.Equal(1000, discount.Long("maxDiscount"));
        Assert.False(discount.TryGetProperty("amountOff", out _)); // fields of other discount types are left out
        Assert.Equal(start.ToUnixTimeMilliseconds(), campaign.Time("claimStartsAt").ToUnixTimeMilliseconds());
        Assert.Equal(start.AddDays(1).ToUnixTimeMilliseconds(), campaign.Time("claimEndsAt").ToUnixTimeMilliseconds());
        var validity = campaign.GetProperty("validity");
        Assert.Equal(start.ToUnixTimeMilliseconds(), validity.Time("from").ToUnixTimeMilliseconds());
        Assert.Equal(start.AddDays(10).ToUnixTimeMilliseconds(), validity.Time("to").ToUnixTimeMilliseconds());
        Assert.False(validity.TryGetProperty("days", out _));
        Assert.Equal(60, campaign.Long("lockTtlSeconds"));

        var threshold = CampaignBody();
        threshold["discount"] = new JsonObject { ["type"] = "threshold", ["threshold"] = 5000, ["amountOff"] = 800 };
        var thresholdDiscount = (await CreateCampaignAsync(threshold)).GetProperty("discount");
        Assert.Equal("threshold", thresholdDiscount.Str("type"));
        Assert.Equal(5000, thresholdDiscount.Long("threshold"));
        Assert.Equal(800, thresholdDiscount.Long("amountOff"));
    }

    [Fact]
    public async Task Create_with_an_empty_object_names_every_missing_field()
    {
        using var response = await Admin.PostRawAsync("/v1/campaigns", "{}");
        var problem = await response.AssertValidationAsync("discount");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("totalStock", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("validity", out _), errors.ToString());
    }

    public static TheoryData<string, string, string> InvalidCampaigns => new()
    {
        // property to change (dotted for nested), its new JSON value, the error field expected
        { "name", "\"   \"", "name" },
        { "name", "null", "name" },
        { "discount.type", "\"bogus\"", "discount.type" },
        { "discount.amountOff", "0", "discount.amountOff" },
        { "discount.amountOff", "1000000000000001", "discount.amountOff" },
        { "discount.percentOff", "10", "discount.percentOff" },
        { "minOrderAmount", "-1", "minOrderAmount" },
        { "minOrderAmount", "1000000000000001", "minOrderAmount" },
        { "totalStock", "-1", "totalStock" },
        { "totalStock", "1000000001", "totalStock" },
        { "perUserLimit", "0", "perUserLimit" },
        { "perUserLimit", "1001", "perUserLimit" },
        { "lockTtlSeconds", "0", "lockTtlSeconds" },
        { "lockTtlSeconds", "604801", "lockTtlSeconds" },
        { "validity.days", "0", "validity.days" },
        { "validity.days", "3651", "validity.days" },
        { "validity", "{}", "validity" },
        { "validity", "{\"days\":5,\"to\":\"2030-01-01T00:00:00Z\"}", "validity" },
        { "validity", "{\"from\":\"2030-01-02T00:00:00Z\",\"to\":\"2030-01-01T00:00:00Z\"}", "validity.to" },
        { "claimEndsAt", "\"2000-01-01T00:00:00Z\"", "claimEndsAt" },
    };

    [Theory]
    [MemberData(nameof(InvalidCampaigns))]
    public async Task Create_refuses_out_of_range_fields_naming_them(string property, string json, string field)
    {
        var body = CampaignBody();
        if (field == "claimEndsAt")
        {
            body["claimStartsAt"] = "2001-01-01T00:00:00Z";
        }

        var parts = property.Split('.');
        var target = parts.Length == 1 ? body : body[parts[0]]!.AsObject();
        target[parts[^1]] = JsonNode.Parse(json);

        using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
        await response.AssertValidationAsync(field);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    [InlineData(-5)]
    public async Task Create_refuses_percent_off_outside_1_to_100(int percentOffValue)
    {
        var body = CampaignBody();
        body["discount"] = new JsonObject { ["type"] = "percent_off", ["percentOff"] = percentOffValue };
        using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
        await response.AssertValidationAsync("discount.percentOff");
    }

    [Fact]
    public async Task Create_accepts_names_up_to_200_characters_and_refuses_longer()
    {
        var body = CampaignBody();
        body["name"] = new string('n', 200);
        Assert.Equal(200, (await CreateCampaignAsync(body)).Str("name").Length);

        body["name"] = new string('n', 201);
        using var response = await Admin.PostJsonAsync("/v1/campaigns", body);
        await response.AssertValidationAsync("name");
    }

    [Fact]
    public async Task Create_keeps_unicode_names_as_given()
    {
        var body = CampaignBody();
        body["name"] = "双十一 秒杀 🎉 \"quoted\" \\ <b>";
        Assert.Equal("双十一 秒杀 🎉 \"quoted\" \\ <b>", (await CreateCampaignAsync(body)).Str("name"));
    }

    [Theory]
    [InlineData("user")]
    [InlineData("service")]
    public async Task Create_by_a_non_admin_is_403(string who)
    {
        var client = who == "service" ? Service : NewUser().Client;
        using var response = await client.PostJsonAsync("/v1/campaigns", CampaignBody());
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Get_returns_the_campaign_with_remaining_stock_to_any_valid_token()
    {
        var id = await NewCampaignAsync(CampaignBody(totalStock: 3));
        var (_, user) = NewUser();
        await ClaimAsync(user, id);

        foreach (var client in new[] { Admin, Service, user, Factory.ClientFor("someone-" + Unique(), "auditor") })
        {
            using var response = await client.GetPathAsync($"/v1/campaigns/{id}");
            var campaign = await response.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(id, campaign.Str("id"));
            Assert.Equal(3, campaign.Long("totalStock"));
            Assert.Equal(1, campaign.Long("issued"));
            Assert.Equal(2, campaign.Long("remainingStock"));
        }
    }

    [Theory]
    [InlineData(UnknownId)]
    [InlineData("not-a-guid")]
    [InlineData("0198F0F0000070008000000000000000")]
    [InlineData("{0198f0f0-0000-7000-8000-000000000000}")]
    [InlineData("%20")]
    public async Task Get_of_an_unknown_or_malformed_id_is_404(string id)
    {
        using var response = await Admin.GetPathAsync($"/v1/campaigns/{id}");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
    }

    [Fact]
    public async Task Get_of_a_very_long_id_is_404()
    {
        using var response = await Admin.GetPathAsync($"/v1/campaigns/{new string('a', 5000)}");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
    }

    [Fact]
    public async Task Pause_resume_and_end_move_the_status_and_are_idempotent()
    {
        var id = await NewCampaignAsync();

        using (var paused = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/pause"))
        {
            Assert.Equal("paused", (await paused.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        using (var pausedAgain = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/pause"))
        {
            Assert.Equal("paused", (await pausedAgain.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        using (var resumed = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/resume"))
        {
            var campaign = await resumed.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal("active", campaign.Str("status"));
            Assert.Equal(id, campaign.Str("id"));
        }

        using (var resumedAgain = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/resume"))
        {
            Assert.Equal("active", (await resumedAgain.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        using (var ended = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/end"))
        {
            Assert.Equal("ended", (await ended.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        using (var endedAgain = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/end"))
        {
            Assert.Equal("ended", (await endedAgain.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        Assert.Equal("ended", (await GetCampaignAsync(id)).Str("status"));
    }

    [Theory]
    [InlineData("resume")]
    [InlineData("pause")]
    public async Task An_ended_campaign_cannot_be_resumed_or_paused(string action)
    {
        var id = await NewCampaignAsync();
        using (var ended = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/end"))
        {
            await ended.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/{action}");
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_ended");
        Assert.Equal("ended", (await GetCampaignAsync(id)).Str("status"));
    }

    [Theory]
    [InlineData("pause", UnknownId)]
    [InlineData("resume", UnknownId)]
    [InlineData("end", UnknownId)]
    [InlineData("pause", "nope")]
    [InlineData("end", "nope")]
    public async Task Status_change_of_an_unknown_campaign_is_404(string action, string id)
    {
        using var response = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/{action}");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("end")]
    public async Task Status_change_by_a_non_admin_is_403(string action)
    {
        var id = await NewCampaignAsync();
        foreach (var client in new[] { Service, NewUser().Client })
        {
            using var response = await client.PostEmptyAsync($"/v1/campaigns/{id}/{action}");
            await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        Assert.Equal("active", (await GetCampaignAsync(id)).Str("status"));
    }

    [Fact]
    public async Task Stock_add_grows_total_and_remaining_stock()
    {
        var id = await NewCampaignAsync(CampaignBody(totalStock: 1));
        var (_, user) = NewUser();
        await ClaimAsync(user, id);

        using var response = await Admin.PostRawAsync($"/v1/campaigns/{id}/stock", """{"add": 4}""");
        var campaign = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(5, campaign.Long("totalStock"));
        Assert.Equal(1, campaign.Long("issued"));
        Assert.Equal(4, campaign.Long("remainingStock"));
        Assert.Equal(4, (await GetCampaignAsync(id)).Long("remainingStock"));
    }

    [Fact]
    public async Task Stock_add_lets_a_sold_out_campaign_hand_out_again()
    {
        var id = await NewCampaignAsync(CampaignBody(totalStock: 0));
        var (_, user) = NewUser();
        using (var soldOut = await user.PostEmptyAsync($"/v1/campaigns/{id}/claim"))
        {
            await soldOut.AssertProblemAsync(HttpStatusCode.Conflict, "sold_out");
        }

        using (var added = await Admin.PostRawAsync($"/v1/campaigns/{id}/stock", """{"add": 1}"""))
        {
            Assert.Equal(1, (await added.AssertStatusAsync(HttpStatusCode.OK)).Long("remainingStock"));
        }

        await ClaimAsync(user, id);
    }

    [Theory]
    [InlineData("""{"add": 0}""")]
    [InlineData("""{"add": -1}""")]
    [InlineData("""{"add": -9223372036854775808}""")]
    [InlineData("""{"add": 1000000001}""")]
    [InlineData("""{"add": 9223372036854775807}""")]
    [InlineData("""{}""")]
    [InlineData("""{"add": null}""")]
    public async Task Stock_add_out_of_range_is_400(string json)
    {
        var id = await NewCampaignAsync();
        using var response = await Admin.PostRawAsync($"/v1/campaigns/{id}/stock", json);
        await response.AssertValidationAsync("add");
        Assert.Equal(10, (await GetCampaignAsync(id)).Long("totalStock"));
    }

    [Fact]
    public async Task Stock_add_past_the_one_billion_cap_is_400()
    {
        var id = await NewCampaignAsync(CampaignBody(totalStock: 999_999_999));
        using (var atCap = await Admin.PostRawAsync($"/v1/campaigns/{id}/stock", """{"add": 1}"""))
        {
            Assert.Equal(1_000_000_000, (await atCap.AssertStatusAsync(HttpStatusCode.OK)).Long("totalStock"));
        }

        using var pastCap = await Admin.PostRawAsync($"/v1/campaigns/{id}/stock", """{"add": 1}""");
        await pastCap.AssertValidationAsync("add");
    }

    [Fact]
    public async Task Stock_add_to_an_ended_campaign_is_409_campaign_ended()
    {
        var id = await NewCampaignAsync();
        using (var ended = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/end"))
        {
            await ended.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await Admin.PostRawAsync($"/v1/campaigns/{id}/stock", """{"add": 5}""");
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_ended");
        Assert.Equal(10, (await GetCampaignAsync(id)).Long("totalStock"));
    }

    [Fact]
    public async Task Stock_add_to_a_paused_campaign_is_allowed()
    {
        var id = await NewCampaignAsync();
        using (var paused = await Admin.PostEmptyAsync($"/v1/campaigns/{id}/pause"))
        {
            await paused.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await Admin.PostRawAsync($"/v1/campaigns/{id}/stock", """{"add": 5}""");
        var campaign = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(15, campaign.Long("totalStock"));
        Assert.Equal("paused", campaign.Str("status"));
    }

    [Theory]
    [InlineData(UnknownId)]
    [InlineData("garbage")]
    public async Task Stock_add_to_an_unknown_campaign_is_404(string id)
    {
        using var response = await Admin.PostRawAsync($"/v1/campaigns/{id}/stock", """{"add": 5}""");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
    }

    [Fact]
    public async Task Stock_add_by_a_non_admin_is_403()
    {
        var id = await NewCampaignAsync();
        foreach (var client in new[] { Service, NewUser().Client })
        {
            using var response = await client.PostRawAsync($"/v1/campaigns/{id}/stock", """{"add": 5}""");
            await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }

    [Fact]
    public async Task Every_campaign_field_round_trips_through_get()
    {
        var created = await CreateCampaignAsync();
        var fetched = await GetCampaignAsync(created.Str("id"));
        foreach (var property in created.EnumerateObject())
        {
            Assert.True(fetched.TryGetProperty(property.Name, out var value), property.Name);
            Assert.True(JsonElement.DeepEquals(property.Value, value), $"{property.Name}: {property.Value} vs {value}");
        }
    }
}
