using System.Net;
using System.Text.Json;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>GET /v1/campaigns on a service of its own, so the listing holds exactly what these tests create.</summary>
public sealed class ListCampaignsTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    [Fact]
    public async Task Listing_pages_through_every_campaign_oldest_first_and_ends_with_a_null_cursor()
    {
        // The only test of this class that creates campaigns; the others only read or are refused.
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await NewCampaignAsync());
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = new List<int>();
        do
        {
            var path = "/v1/campaigns?limit=2" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await Admin.GetPathAsync(path);
            var page = await response.AssertStatusAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            pages.Add(items.Count);
            seen.AddRange(items.Select(c => c.Str("id")));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.Str("nextCursor");
            Assert.True(pages.Count <= 5, "the listing does not end");
        }
        while (cursor is not null);

        Assert.Equal([2, 2, 1], pages);
        Assert.Equal(created.Order(StringComparer.Ordinal), seen);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.True(seen.Select(Guid.Parse).SequenceEqual(seen.Select(Guid.Parse).Order()), "ids are in ascending order");

        // A page that holds exactly the rest has no next page.
        using (var exact = await Admin.GetPathAsync("/v1/campaigns?limit=5"))
        {
            var page = await exact.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(5, page.GetProperty("items").GetArrayLength());
            Assert.True(page.IsNull("nextCursor"));
        }

        // No limit: the default page (50) holds them all.
        using (var all = await Admin.GetPathAsync("/v1/campaigns"))
        {
            var page = await all.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(5, page.GetProperty("items").GetArrayLength());
            Assert.True(page.IsNull("nextCursor"));
            var first = page.GetProperty("items")[0];
            Assert.Equal(10, first.Long("remainingStock"));
            Assert.Equal("active", first.Str("status"));
        }

        // An empty cursor is the same as none.
        using (var empty = await Admin.GetPathAsync("/v1/campaigns?cursor="))
        {
            Assert.Equal(5, (await empty.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        }
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=-1")]
    [InlineData("limit=201")]
    [InlineData("limit=2147483647")]
    public async Task Listing_with_a_limit_out_of_range_is_400(string query)
    {
        using var response = await Admin.GetPathAsync("/v1/campaigns?" + query);
        await response.AssertValidationAsync("limit");
    }

    [Theory]
    [InlineData("limit=abc")]
    [InlineData("limit=1.5")]
    [InlineData("limit=99999999999")]
    public async Task Listing_with_a_limit_that_is_not_an_int_is_400(string query)
    {
        using var response = await Admin.GetPathAsync("/v1/campaigns?" + query);
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("xyz")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("0198f0f0-0000-7000-8000-000000000000")]
    public async Task Listing_with_a_cursor_the_service_did_not_give_is_400(string cursor)
    {
        using var response = await Admin.GetPathAsync("/v1/campaigns?cursor=" + Uri.EscapeDataString(cursor));
        await response.AssertValidationAsync("cursor");
    }

    [Theory]
    [InlineData("/v1/campaigns?cursor=", "!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("/v1/campaigns?cursor=", "AAAAAAAAAAAAAAAAAAAAA*")]
    [InlineData("/v1/campaigns?cursor=", "AAAAAAAAAA.AAAAAAAAAAA")]
    [InlineData("/v1/me/coupons?cursor=", "!!!!!!!!!!!!!!!!!!!!!!")]
    public async Task A_22_character_cursor_outside_the_base64url_alphabet_is_400(string prefix, string cursor)
    {
        var client = prefix.Contains("/me/", StringComparison.Ordinal) ? NewUser().Client : Admin;
        using var response = await client.GetPathAsync(prefix + Uri.EscapeDataString(cursor));
        await response.AssertValidationAsync("cursor");
    }

    [Fact]
    public void Cursor_parsing_refuses_junk_without_throwing()
    {
        Assert.False(Coupons.Api.Contracts.Cursors.TryParse("!!!!!!!!!!!!!!!!!!!!!!", out _));
    }

    [Fact]
    public void Cursors_round_trip()
    {
        var id = Guid.CreateVersion7();
        var text = Coupons.Api.Contracts.Cursors.Format(id);
        Assert.NotNull(text);
        Assert.Equal(22, text.Length);
        Assert.True(Coupons.Api.Contracts.Cursors.TryParse(text, out var parsed));
        Assert.Equal(id, parsed);
        Assert.True(Coupons.Api.Contracts.Cursors.TryParse(null, out var none));
        Assert.Null(none);
    }

    [Fact]
    public async Task Listing_with_a_very_long_cursor_is_400()
    {
        using var response = await Admin.GetPathAsync("/v1/campaigns?cursor=" + new string('A', 10_000));
        await response.AssertValidationAsync("cursor");
    }

    [Fact]
    public async Task Listing_after_a_well_formed_cursor_past_every_id_is_an_empty_last_page()
    {
        // 22 base64url characters that decode to ffff...: after every id there is.
        using var response = await Admin.GetPathAsync("/v1/campaigns?cursor=_____________________w");
        var page = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
        Assert.True(page.IsNull("nextCursor"));
    }

    [Theory]
    [InlineData("service")]
    [InlineData("user")]
    public async Task Listing_by_a_non_admin_is_403(string who)
    {
        var client = who == "service" ? Service : NewUser().Client;
        using var response = await client.GetPathAsync("/v1/campaigns");
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}
