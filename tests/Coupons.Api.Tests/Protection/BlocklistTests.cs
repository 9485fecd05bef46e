using System.Net;
using System.Text.Json.Nodes;
using Coupons.Api.Protection;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Protection;

/// <summary>The blocklist over HTTP on the embedded store: users, addresses and ranges, devices; the admin API's answers.</summary>
public sealed class BlocklistTests(ProtectedApiFactory factory) : IClassFixture<ProtectedApiFactory>
{
    private const string Mine = "/v1/me/coupons";

    [Fact]
    public async Task A_blocked_user_is_refused_until_the_block_is_lifted_and_other_users_are_not()
    {
        using var admin = factory.Admin();
        var user = "blocked-" + Guid.NewGuid().ToString("N");
        using var blocked = factory.Client(user);
        using var other = factory.Client("free-" + Guid.NewGuid().ToString("N"));

        using var added = await admin.PostJsonAsync("/v1/blocklist", Block("user", user, reason: "bot"));
        var entry = await added.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal(("user", user, "bot"), (entry.Str("kind"), entry.Str("value"), entry.Str("reason")));
        Assert.StartsWith("admin-", entry.Str("createdBy"), StringComparison.Ordinal);

        using var refused = await blocked.GetPathAsync(Mine);
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "blocked");
        using var claim = await blocked.PostEmptyAsync($"/v1/campaigns/{Guid.CreateVersion7()}/claim");
        await claim.AssertProblemAsync(HttpStatusCode.Forbidden, "blocked");
        using var fine = await other.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);

        using var lifted = await admin.DeleteAsync(new Uri($"/v1/blocklist/user?value={Uri.EscapeDataString(user)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);
        using var again = await blocked.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var liftedTwice = await admin.DeleteAsync(new Uri($"/v1/blocklist/user?value={Uri.EscapeDataString(user)}", UriKind.Relative));
        await liftedTwice.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("172.20.0.0/16", "172.20.200.9", "172.21.0.1")]
    [InlineData("172.30.1.2", "172.30.1.2", "172.30.1.3")]
    [InlineData("2001:db8:aa::/48", "2001:db8:aa:1::5", "2001:db8:ab::1")]
    public async Task An_address_or_range_is_refused_and_addresses_outside_it_are_not(string range, string inside, string outside)
    {
        using var admin = factory.Admin();
        using var added = await admin.PostJsonAsync("/v1/blocklist", Block("ip", range));
        await added.AssertStatusAsync(HttpStatusCode.Created);
        try
        {
            using var fromInside = factory.Client("user-" + Guid.NewGuid().ToString("N"), ip: inside);
            using var refused = await fromInside.GetPathAsync(Mine);
            await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "blocked");

            // Also without a token.
            using var anonymous = factory.Client(null, ip: inside);
            using var anonymousRefused = await anonymous.GetPathAsync(Mine);
            await anonymousRefused.AssertProblemAsync(HttpStatusCode.Forbidden, "blocked");

            using var fromOutside = factory.Client("user-" + Guid.NewGuid().ToString("N"), ip: outside);
            using var fine = await fromOutside.GetPathAsync(Mine);
            Assert.Equal(HttpStatusCode.OK, fine.StatusCode);

            // Admins are never blocked, so they can always lift a block.
            using var adminInside = factory.Client("admin-inside", "admin", ip: inside);
            using var list = await adminInside.GetPathAsync("/v1/blocklist?kind=ip");
            Assert.Contains((await list.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(), e => e.Str("value") == range);
        }
        finally
        {
            using var _ = await admin.DeleteAsync(new Uri($"/v1/blocklist/ip?value={Uri.EscapeDataString(range)}", UriKind.Relative));
        }
    }

    [Fact]
    public async Task A_blocked_device_is_refused_for_every_user()
    {
        using var admin = factory.Admin();
        var device = "fingerprint-" + Guid.NewGuid().ToString("N");
        using var added = await admin.PostJsonAsync("/v1/blocklist", Block("device", device));
        await added.AssertStatusAsync(HttpStatusCode.Created);

        foreach (var user in new[] { "a-", "b-" })
        {
            using var client = factory.Client(user + Guid.NewGuid().ToString("N"), device: device);
            using var refused = await client.GetPathAsync(Mine);
            await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "blocked");
        }

        using var otherDevice = factory.Client("c-" + Guid.NewGuid().ToString("N"), device: "fingerprint-" + Guid.NewGuid().ToString("N"));
        using var fine = await otherDevice.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task A_block_with_an_expiry_lapses_by_itself_and_replacing_an_entry_answers_200()
    {
        using var admin = factory.Admin();
        var user = "briefly-" + Guid.NewGuid().ToString("N");
        using var client = factory.Client(user);
        using var first = await admin.PostJsonAsync("/v1/blocklist", Block("user", user, expiresAt: DateTimeOffset.UtcNow.AddMinutes(10)));
        await first.AssertStatusAsync(HttpStatusCode.Created);
        using var replaced = await admin.PostJsonAsync("/v1/blocklist", Block("user", user, expiresAt: DateTimeOffset.UtcNow.AddSeconds(1)));
        await replaced.AssertStatusAsync(HttpStatusCode.OK);

        using var refused = await client.GetPathAsync(Mine);
        await refused.AssertProblemAsync(HttpStatusCode.Forbidden, "blocked");
        await Task.Delay(TimeSpan.FromSeconds(1.3));
        using var fine = await client.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
        using var list = await admin.GetPathAsync("/v1/blocklist?kind=user&limit=200");
        Assert.DoesNotContain((await list.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray(), e => e.Str("value") == user);
    }

    [Fact]
    public async Task The_list_pages_by_kind_and_value()
    {
        using var admin = factory.Admin();
        var prefix = "page-" + Guid.NewGuid().ToString("N")[..8] + "-";
        foreach (var suffix in new[] { "c", "a", "b" })
        {
            using var added = await admin.PostJsonAsync("/v1/blocklist", Block("device", prefix + suffix));
            await added.AssertStatusAsync(HttpStatusCode.Created);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            using var page = await admin.GetPathAsync("/v1/blocklist?kind=device&limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            var body = await page.AssertStatusAsync(HttpStatusCode.OK);
            var items = body.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            Assert.All(items, e => Assert.Equal("device", e.Str("kind")));
            seen.AddRange(items.Select(e => e.Str("value")));
            cursor = body.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal([prefix + "a", prefix + "b", prefix + "c"], seen.Where(v => v.StartsWith(prefix, StringComparison.Ordinal)));
        using var badCursor = await admin.GetPathAsync("/v1/blocklist?cursor=***");
        await badCursor.AssertValidationAsync("cursor");
    }

    [Theory]
    [InlineData("""{"kind":"planet","value":"mars"}""", "kind")]
    [InlineData("""{"kind":"ip","value":"10.0.0.1/8"}""", "value")]
    [InlineData("""{"kind":"ip","value":"not-an-address"}""", "value")]
    [InlineData("""{"kind":"ip","value":"10.0.0.0/33"}""", "value")]
    [InlineData("""{"kind":"device","value":"has space"}""", "value")]
    [InlineData("""{"kind":"user","value":""}""", "value")]
    [InlineData("""{"kind":"user"}""", "value")]
    [InlineData("""{"kind":"user","value":"u","expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt")]
    [InlineData("""{"kind":"user","value":"u","until":"tomorrow"}""", null)]
    [InlineData("""{"kind":"user","value":"u","expiresAt":"soon"}""", null)]
    public async Task Bad_entries_are_validation_problems(string json, string? field)
    {
        using var admin = factory.Admin();
        using var response = await admin.PostRawAsync("/v1/blocklist", json);
        await response.AssertValidationAsync(field);
    }

    [Fact]
    public async Task Too_long_values_and_reasons_are_validation_problems()
    {
        using var admin = factory.Admin();
        using var longUser = await admin.PostJsonAsync("/v1/blocklist", Block("user", new string('u', 129)));
        await longUser.AssertValidationAsync("value");
        using var longReason = await admin.PostJsonAsync("/v1/blocklist", Block("user", "someone", reason: new string('r', 501)));
        await longReason.AssertValidationAsync("reason");
        using var controlReason = await admin.PostJsonAsync("/v1/blocklist", Block("user", "someone", reason: "line\nbreak"));
        await controlReason.AssertValidationAsync("reason");
        using var badKind = await admin.DeleteAsync(new Uri("/v1/blocklist/planet?value=mars", UriKind.Relative));
        await badKind.AssertValidationAsync("kind");
        using var noValue = await admin.DeleteAsync(new Uri("/v1/blocklist/user", UriKind.Relative));
        await noValue.AssertValidationAsync("value");
    }

    [Fact]
    public async Task Only_admins_manage_the_blocklist()
    {
        foreach (var role in new string?[] { null, "service" })
        {
            using var client = factory.ClientFor("someone", role);
            using var list = await client.GetPathAsync("/v1/blocklist");
            await list.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
            using var add = await client.PostJsonAsync("/v1/blocklist", Block("user", "victim"));
            await add.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }

        using var anonymous = factory.CreateClient();
        using var anonymousList = await anonymous.GetPathAsync("/v1/blocklist");
        await anonymousList.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Entries_are_kept_on_disk_and_read_back_by_a_new_store()
    {
        using var admin = factory.Admin();
        var device = "kept-" + Guid.NewGuid().ToString("N");
        using var added = await admin.PostJsonAsync("/v1/blocklist", Block("device", device, reason: "kept"));
        await added.AssertStatusAsync(HttpStatusCode.Created);

        var (_, entries) = await new FileBlocklistStore(factory.DataDir).ReadAsync();
        var entry = Assert.Single(entries, e => e.Value == device);
        Assert.Equal(("device", "kept"), (entry.Kind, entry.Reason));
    }

    private static JsonObject Block(string kind, string value, string? reason = null, DateTimeOffset? expiresAt = null)
    {
        var body = new JsonObject { ["kind"] = kind, ["value"] = value };
        if (reason is not null)
        {
            body["reason"] = reason;
        }

        if (expiresAt is { } time)
        {
            body["expiresAt"] = time.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        return body;
    }
}
