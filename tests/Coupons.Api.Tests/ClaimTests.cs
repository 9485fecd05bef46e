using System.Net;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>POST /v1/campaigns/{id}/claim.</summary>
public sealed class ClaimTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    private static async Task<HttpResponseMessage> ClaimWithKeyAsync(HttpClient user, string campaignId, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v1/campaigns/{campaignId}/claim", UriKind.Relative));
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return await user.SendAsync(request);
    }

    [Fact]
    public async Task Claim_returns_201_with_location_and_the_coupon()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var campaignId = await NewCampaignAsync();
        var (userId, user) = NewUser();

        using var response = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        var coupon = await response.AssertStatusAsync(HttpStatusCode.Created);

        var id = coupon.Str("id");
        Assert.True(Guid.TryParseExact(id, "D", out _), id);
        Assert.Equal($"/v1/coupons/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(campaignId, coupon.Str("campaignId"));
        Assert.Equal(userId, coupon.Str("userId"));
        Assert.Equal("unused", coupon.Str("status"));
        var claimedAt = coupon.Time("claimedAt");
        Assert.InRange(claimedAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(claimedAt, coupon.Time("validFrom"));
        Assert.Equal(claimedAt.AddDays(30), coupon.Time("validTo"));
        Assert.True(coupon.IsNull("orderId"));
        Assert.True(coupon.IsNull("orderAmount"));
        Assert.True(coupon.IsNull("lockExpiresAt"));
        Assert.True(coupon.IsNull("usedAt"));
        Assert.Equal("amount_off", coupon.GetProperty("discount").Str("type"));
        Assert.Equal(500, coupon.GetProperty("discount").Long("amountOff"));
        Assert.Equal(1000, coupon.Long("minOrderAmount"));

        var campaign = await GetCampaignAsync(campaignId);
        Assert.Equal(1, campaign.Long("issued"));
        Assert.Equal(9, campaign.Long("remainingStock"));
    }

    [Fact]
    public async Task Claim_replayed_with_the_same_idempotency_key_is_200_with_the_same_coupon()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(perUserLimit: 5));
        var (_, user) = NewUser();
        var key = "claim-" + Unique();

        using var first = await ClaimWithKeyAsync(user, campaignId, key);
        var coupon = await first.AssertStatusAsync(HttpStatusCode.Created);

        for (var i = 0; i < 3; i++)
        {
            using var replay = await ClaimWithKeyAsync(user, campaignId, key);
            var again = await replay.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(coupon.Str("id"), again.Str("id"));
            Assert.Equal(coupon.Time("claimedAt"), again.Time("claimedAt"));
        }

        Assert.Equal(1, (await GetCampaignAsync(campaignId)).Long("issued"));

        // Another key is another coupon (within the per-user limit).
        using var other = await ClaimWithKeyAsync(user, campaignId, "claim-" + Unique());
        Assert.NotEqual(coupon.Str("id"), (await other.AssertStatusAsync(HttpStatusCode.Created)).Str("id"));
        Assert.Equal(2, (await GetCampaignAsync(campaignId)).Long("issued"));
    }

    [Fact]
    public async Task The_same_idempotency_key_of_another_user_is_their_own_claim()
    {
        var campaignId = await NewCampaignAsync();
        var key = "shared-" + Unique();
        using var first = await ClaimWithKeyAsync(NewUser().Client, campaignId, key);
        using var second = await ClaimWithKeyAsync(NewUser().Client, campaignId, key);
        var a = await first.AssertStatusAsync(HttpStatusCode.Created);
        var b = await second.AssertStatusAsync(HttpStatusCode.Created);
        Assert.NotEqual(a.Str("id"), b.Str("id"));
    }

    [Fact]
    public async Task A_replay_is_answered_even_after_the_campaign_is_paused_or_sold_out()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 1));
        var (_, user) = NewUser();
        var key = "k-" + Unique();
        using var first = await ClaimWithKeyAsync(user, campaignId, key);
        var coupon = await first.AssertStatusAsync(HttpStatusCode.Created);
        using (var paused = await Admin.PostEmptyAsync($"/v1/campaigns/{campaignId}/pause"))
        {
            await paused.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var replay = await ClaimWithKeyAsync(user, campaignId, key);
        Assert.Equal(coupon.Str("id"), (await replay.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));
    }

    [Fact]
    public async Task A_refused_claim_does_not_use_up_its_idempotency_key()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 0));
        var (_, user) = NewUser();
        var key = "retry-" + Unique();
        using (var refused = await ClaimWithKeyAsync(user, campaignId, key))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "sold_out");
        }

        using (var added = await Admin.PostRawAsync($"/v1/campaigns/{campaignId}/stock", """{"add": 1}"""))
        {
            await added.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var retried = await ClaimWithKeyAsync(user, campaignId, key);
        await retried.AssertStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_second_claim_past_the_per_user_limit_is_409_limit_reached()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(perUserLimit: 2));
        var (_, user) = NewUser();
        await ClaimAsync(user, campaignId);
        await ClaimAsync(user, campaignId);

        using var third = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await third.AssertProblemAsync(HttpStatusCode.Conflict, "limit_reached");

        // A new key does not get round the limit.
        using var withKey = await ClaimWithKeyAsync(user, campaignId, "fresh-" + Unique());
        await withKey.AssertProblemAsync(HttpStatusCode.Conflict, "limit_reached");
        Assert.Equal(2, (await GetCampaignAsync(campaignId)).Long("issued"));
    }

    [Fact]
    public async Task Claims_past_the_stock_are_409_sold_out()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 2));
        await ClaimAsync(NewUser().Client, campaignId);
        await ClaimAsync(NewUser().Client, campaignId);

        using var response = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "sold_out");
        var campaign = await GetCampaignAsync(campaignId);
        Assert.Equal(2, campaign.Long("issued"));
        Assert.Equal(0, campaign.Long("remainingStock"));
    }

    [Fact]
    public async Task Limit_reached_is_answered_before_sold_out()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 1));
        var (_, user) = NewUser();
        await ClaimAsync(user, campaignId);

        using var response = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "limit_reached");
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("end")]
    public async Task Claims_of_a_paused_or_ended_campaign_are_409_campaign_not_active(string action)
    {
        var campaignId = await NewCampaignAsync();
        using (var changed = await Admin.PostEmptyAsync($"/v1/campaigns/{campaignId}/{action}"))
        {
            await changed.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");
        Assert.Equal(0, (await GetCampaignAsync(campaignId)).Long("issued"));
    }

    [Fact]
    public async Task Claims_resume_with_the_campaign()
    {
        var campaignId = await NewCampaignAsync();
        using (var paused = await Admin.PostEmptyAsync($"/v1/campaigns/{campaignId}/pause"))
        {
            await paused.AssertStatusAsync(HttpStatusCode.OK);
        }

        var (_, user) = NewUser();
        using (var refused = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim"))
        {
            await refused.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");
        }

        using (var resumed = await Admin.PostEmptyAsync($"/v1/campaigns/{campaignId}/resume"))
        {
            await resumed.AssertStatusAsync(HttpStatusCode.OK);
        }

        await ClaimAsync(user, campaignId);
    }

    [Fact]
    public async Task Claims_before_claim_starts_at_or_after_claim_ends_at_are_409_campaign_not_active()
    {
        var early = CampaignBody();
        early["claimStartsAt"] = Iso(DateTimeOffset.UtcNow.AddHours(1));
        var earlyId = await NewCampaignAsync(early);
        using (var response = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{earlyId}/claim"))
        {
            await response.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");
        }

        var late = CampaignBody();
        late["claimStartsAt"] = Iso(DateTimeOffset.UtcNow.AddDays(-2));
        late["claimEndsAt"] = Iso(DateTimeOffset.UtcNow.AddDays(-1));
        var lateId = await NewCampaignAsync(late);
        using (var response = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{lateId}/claim"))
        {
            await response.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");
        }

        var open = CampaignBody();
        open["claimStartsAt"] = Iso(DateTimeOffset.UtcNow.AddDays(-1));
        open["claimEndsAt"] = Iso(DateTimeOffset.UtcNow.AddDays(1));
        await ClaimAsync(NewUser().Client, await NewCampaignAsync(open));
    }

    [Fact]
    public async Task Campaign_not_active_is_answered_before_limit_reached_and_sold_out()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 1));
        var (_, user) = NewUser();
        await ClaimAsync(user, campaignId);
        using (var ended = await Admin.PostEmptyAsync($"/v1/campaigns/{campaignId}/end"))
        {
            await ended.AssertStatusAsync(HttpStatusCode.OK);
        }

        using var response = await user.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await response.AssertProblemAsync(HttpStatusCode.Conflict, "campaign_not_active");
    }

    [Theory]
    [InlineData("0198f0f0-0000-7000-8000-000000000000")]
    [InlineData("not-a-campaign")]
    public async Task Claim_of_an_unknown_campaign_is_404(string campaignId)
    {
        using var response = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await response.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
    }

    [Fact]
    public async Task An_idempotency_key_of_128_characters_is_taken()
    {
        var campaignId = await NewCampaignAsync();
        var (_, user) = NewUser();
        var key = new string('k', 128);
        using var first = await ClaimWithKeyAsync(user, campaignId, key);
        var coupon = await first.AssertStatusAsync(HttpStatusCode.Created);
        using var replay = await ClaimWithKeyAsync(user, campaignId, key);
        Assert.Equal(coupon.Str("id"), (await replay.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));
    }

    [Theory]
    [InlineData(129)]
    [InlineData(10_000)]
    public async Task An_idempotency_key_over_128_characters_is_400(int length)
    {
        var campaignId = await NewCampaignAsync();
        using var response = await ClaimWithKeyAsync(NewUser().Client, campaignId, new string('k', length));
        await response.AssertValidationAsync("Idempotency-Key");
        Assert.Equal(0, (await GetCampaignAsync(campaignId)).Long("issued"));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("ключ")]
    [InlineData("emoji-🎉")]
    public async Task An_idempotency_key_with_characters_outside_visible_ascii_is_400(string key)
    {
        var campaignId = await NewCampaignAsync();
        using var response = await ClaimWithKeyAsync(NewUser().Client, campaignId, key);
        await response.AssertValidationAsync("Idempotency-Key");
    }

    [Fact]
    public async Task A_bad_idempotency_key_is_400_even_for_an_unknown_campaign()
    {
        using var response = await ClaimWithKeyAsync(NewUser().Client, "0198f0f0-0000-7000-8000-000000000000", new string('k', 129));
        await response.AssertValidationAsync("Idempotency-Key");
    }

    [Theory]
    [InlineData("admin")]
    [InlineData("service")]
    [InlineData("superuser")]
    public async Task Claim_with_a_role_is_403(string role)
    {
        var campaignId = await NewCampaignAsync();
        using var response = await Factory.ClientFor("someone-" + Unique(), role).PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0, (await GetCampaignAsync(campaignId)).Long("issued"));
    }

    [Fact]
    public async Task A_claim_with_a_body_ignores_it()
    {
        var campaignId = await NewCampaignAsync();
        using var response = await NewUser().Client.PostRawAsync($"/v1/campaigns/{campaignId}/claim", """{"whatever": true}""");
        await response.AssertStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Claimed_coupons_keep_the_discount_they_were_claimed_under()
    {
        var body = CampaignBody();
        body["discount"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "percent_off", ["percentOff"] = 20 };
        body["minOrderAmount"] = 0;
        var (_, user, _, couponId) = await UserWithCouponAsync(body);
        var coupon = await GetCouponAsync(user, couponId);
        Assert.Equal("percent_off", coupon.GetProperty("discount").Str("type"));
        Assert.Equal(20, coupon.GetProperty("discount").Long("percentOff"));
        Assert.False(coupon.GetProperty("discount").TryGetProperty("maxDiscount", out _)); // no cap: left out
        Assert.Equal(0, coupon.Long("minOrderAmount"));
    }
}
