using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Coupons.Api.Tests;

/// <summary>
/// The audit log over HTTP: a coupon's whole life and the admin actions around it, each entry with
/// who (id, role, address), what, when, and the state before and after; filters and paging. On the
/// Redis store entries reach the log through the persister, so reads wait for them (bounded).
/// </summary>
public abstract class AuditTests<TFactory>(TFactory factory) : ApiTestBase<TFactory>(factory)
    where TFactory : CouponsApiFactory
{
    [Fact]
    public async Task A_coupons_whole_life_and_the_admin_actions_around_it_are_audited_with_who_what_and_before_and_after()
    {
        var adminId = "auditor-" + Unique();
        var admin = Factory.ClientFor(adminId, "admin");
        using var created = await admin.PostJsonAsync("/v1/campaigns", CampaignBody(totalStock: 5));
        var campaignId = (await created.AssertStatusAsync(HttpStatusCode.Created)).Str("id");
        using (var paused = await admin.PostEmptyAsync($"/v1/campaigns/{campaignId}/pause"))
        {
            await paused.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var resumed = await admin.PostEmptyAsync($"/v1/campaigns/{campaignId}/resume"))
        {
            await resumed.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var stock = await admin.PostJsonAsync($"/v1/campaigns/{campaignId}/stock", new JsonObject { ["add"] = 3 }))
        {
            await stock.AssertStatusAsync(HttpStatusCode.OK);
        }

        var (userId, user) = NewUser();
        var couponId = await ClaimAsync(user, campaignId);
        var order = "order-" + Unique();
        using (var locked = await PostCouponAsync(Service, couponId, "lock", Order(order, 2_000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var redeemed = await PostCouponAsync(user, couponId, "redeem", Order(order)))
        {
            await redeemed.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var refunded = await PostCouponAsync(admin, couponId, "refund", Order(order)))
        {
            await refunded.AssertStatusAsync(HttpStatusCode.OK);
        }

        var second = "order-" + Unique();
        using (var relocked = await PostCouponAsync(user, couponId, "lock", Order(second, 1_500)))
        {
            await relocked.AssertStatusAsync(HttpStatusCode.OK);
        }

        using (var released = await PostCouponAsync(user, couponId, "release", Order(second)))
        {
            await released.AssertStatusAsync(HttpStatusCode.OK);
        }

        // Refusals change nothing and leave nothing in the log.
        using (var refused = await PostCouponAsync(user, couponId, "lock", Order("order-" + Unique(), 500)))
        {
            await refused.AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "below_minimum");
        }

        var coupon = await AuditEntriesAsync($"subject={couponId}", expected: 6);
        Assert.Equal(
            [
                ("coupon.released", userId, "user", $"locked by order {second}", "unused"),
                ("coupon.locked", userId, "user", "unused", $"locked by order {second}"),
                ("coupon.refunded", adminId, "admin", $"used by order {order}", "unused"),
                ("coupon.used", userId, "user", $"locked by order {order}", $"used by order {order}"),
                ("coupon.locked", "order-system", "service", "unused", $"locked by order {order}"),
                ("coupon.claimed", userId, "user", null, "unused"),
            ],
            coupon.Select(e => (e.Str("action"), e.GetProperty("actor").Str("id"), e.GetProperty("actor").Str("role"), e.GetProperty("before").GetString(), e.Str("after"))));
        Assert.All(coupon, e => Assert.Equal((campaignId, userId), (e.Str("campaignId"), e.Str("owner"))));
        Assert.Equal([second, second, order, order, order, null], coupon.Select(e => e.GetProperty("orderId").GetString()));
        var times = coupon.Select(e => e.Time("at")).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);

        var campaign = await AuditEntriesAsync($"subject={campaignId}", expected: 4);
        Assert.Equal(
            [
                ("campaign.stock_added", "active, total stock 5", "active, total stock 8"),
                ("campaign.resumed", "paused, total stock 5", "active, total stock 5"),
                ("campaign.paused", "active, total stock 5", "paused, total stock 5"),
                ("campaign.created", null, "active, total stock 5"),
            ],
            campaign.Select(e => (e.Str("action"), e.GetProperty("before").GetString(), e.Str("after"))));
        Assert.All(campaign, e => Assert.Equal((adminId, "admin"), (e.GetProperty("actor").Str("id"), e.GetProperty("actor").Str("role"))));

        // By campaign: its own entries and its coupon's.
        Assert.Equal(10, (await AuditEntriesAsync($"campaignId={campaignId}&limit=200", expected: 10)).Count);
    }

    [Fact]
    public async Task A_revoke_is_audited_once_with_the_admin_as_actor_the_order_it_dropped_and_the_reason()
    {
        var adminId = "revoker-" + Unique();
        var admin = Factory.ClientFor(adminId, "admin");
        var (userId, user, campaignId, couponId) = await UserWithCouponAsync();
        var order = "order-" + Unique();
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order(order, 2_000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        var reason = "claimed through a fraud ring " + Unique();
        foreach (var given in new[] { reason, "a second reason changes nothing" })
        {
            using var revoked = await admin.PostJsonAsync($"/v1/coupons/{couponId}/revoke", new JsonObject { ["reason"] = given });
            await revoked.AssertStatusAsync(HttpStatusCode.OK);
        }

        var entries = await AuditEntriesAsync($"subject={couponId}", expected: 3);
        var entry = entries[0];
        Assert.Equal(
            ("coupon.revoked", adminId, "admin", $"locked by order {order}", $"revoked, reason: {reason}"),
            (entry.Str("action"), entry.GetProperty("actor").Str("id"), entry.GetProperty("actor").Str("role"), entry.Str("before"), entry.Str("after")));
        Assert.Equal((order, campaignId, userId), (entry.Str("orderId"), entry.Str("campaignId"), entry.Str("owner")));
        Assert.Equal(["coupon.revoked", "coupon.locked", "coupon.claimed"], entries.Select(e => e.Str("action")));
        Assert.Equal(entry.Str("id"), Assert.Single(await AuditEntriesAsync($"actor={adminId}&action=coupon.revoked", expected: 1)).Str("id"));
    }

    [Fact]
    public async Task Blocklist_changes_are_audited_with_the_admin_who_made_them()
    {
        var adminId = "blocker-" + Unique();
        var admin = Factory.ClientFor(adminId, "admin");
        var target = "suspect-" + Unique();
        using (var added = await admin.PostJsonAsync("/v1/blocklist", new JsonObject { ["kind"] = "user", ["value"] = target, ["reason"] = "card testing" }))
        {
            await added.AssertStatusAsync(HttpStatusCode.Created);
        }

        using (var removed = await admin.DeleteAsync(new Uri($"/v1/blocklist/user?value={target}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        var entries = await AuditEntriesAsync($"subject=user:{target}", expected: 2);
        Assert.Equal(
            [("blocklist.removed", "blocked: card testing", null), ("blocklist.added", null, "blocked: card testing")],
            entries.Select(e => (e.Str("action"), e.GetProperty("before").GetString(), e.GetProperty("after").GetString())));
        Assert.All(entries, e => Assert.Equal(adminId, e.GetProperty("actor").Str("id")));
    }

    [Fact]
    public async Task Filters_combine_and_pages_follow_each_other_without_gaps_or_repeats()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 20, perUserLimit: 5));
        var (userId, user) = NewUser();
        var coupons = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            coupons.Add(await ClaimAsync(user, campaignId));
        }

        using (var locked = await PostCouponAsync(user, coupons[0], "lock", Order("order-" + Unique(), 2_000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        var all = await AuditEntriesAsync($"owner={userId}&limit=200", expected: 6);
        Assert.Single(await AuditEntriesAsync($"owner={userId}&action=coupon.locked", expected: 1));
        Assert.Equal(5, (await AuditEntriesAsync($"actor={userId}&action=coupon.claimed", expected: 5)).Count);
        Assert.Empty(await AuditEntriesAsync($"owner={userId}&action=coupon.used", expected: 0));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            using var response = await Admin.GetPathAsync($"/v1/audit?owner={userId}&limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            var page = await response.AssertStatusAsync(HttpStatusCode.OK);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.InRange(items.Count, 1, 2);
            seen.AddRange(items.Select(e => e.Str("id")));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(all.Select(e => e.Str("id")), seen);

        // A time window: everything up to now, nothing from tomorrow on.
        var now = DateTimeOffset.UtcNow.AddDays(1);
        Assert.Equal(6, (await AuditEntriesAsync($"owner={userId}&to={Uri.EscapeDataString(Iso(now))}", expected: 6)).Count);
        Assert.Empty(await AuditEntriesAsync($"owner={userId}&from={Uri.EscapeDataString(Iso(now))}", expected: 0));
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("campaignId=nope", "campaignId")]
    [InlineData("subject=", "subject")]
    [InlineData("from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to")]
    public async Task Bad_queries_are_validation_problems(string query, string field)
    {
        using var response = await Admin.GetPathAsync("/v1/audit?" + query);
        await response.AssertValidationAsync(field);
    }

    [Fact]
    public async Task Only_admins_read_the_audit_log()
    {
        using var byUser = await NewUser().Client.GetPathAsync("/v1/audit");
        await byUser.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using var byService = await Service.GetPathAsync("/v1/audit");
        await byService.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using var anonymous = await Anonymous.GetPathAsync("/v1/audit");
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}

/// <summary>The audit log on the embedded store, on a fake clock: also the clock's own changes, and that the log cannot be edited.</summary>
public sealed class EmbeddedAuditTests(FakeTimeApiFactory factory) : AuditTests<FakeTimeApiFactory>(factory), IClassFixture<FakeTimeApiFactory>
{
    [Fact]
    public async Task A_lapsed_lock_and_a_passed_validity_are_audited_as_the_systems_doing()
    {
        var body = CampaignBody();
        body["lockTtlSeconds"] = 60;
        body["validity"] = new JsonObject { ["days"] = 1 };
        var campaignId = await NewCampaignAsync(body);
        var (_, user) = NewUser();
        var couponId = await ClaimAsync(user, campaignId);
        using (var locked = await PostCouponAsync(user, couponId, "lock", Order("order-" + Unique(), 2_000)))
        {
            await locked.AssertStatusAsync(HttpStatusCode.OK);
        }

        Factory.Time.Advance(TimeSpan.FromSeconds(61));
        Factory.Time.Advance(TimeSpan.FromDays(1));
        var entries = await AuditEntriesAsync($"subject={couponId}", expected: 4);
        Assert.Equal(
            [("coupon.expired", "system", "unused", "expired"), ("coupon.lock_lapsed", "system", "locked", "unused")],
            entries.Take(2).Select(e => (e.Str("action"), e.GetProperty("actor").Str("id"), e.Str("before").Split(' ')[0], e.Str("after"))));
    }

    [Fact]
    public async Task The_log_is_append_only_on_disk()
    {
        await NewCampaignAsync();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(Factory.DataDir, "coupons.db")}");
        await connection.OpenAsync();
        foreach (var sql in new[] { "UPDATE audit SET actor_id = 'someone-else'", "DELETE FROM audit" })
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            var error = await Assert.ThrowsAsync<SqliteException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
        }
    }
}

/// <summary>The audit log on the Redis store: entries travel with the events and are read from the PostgreSQL shards.</summary>
public sealed class RedisAuditTests(RedisApiFactory factory) : AuditTests<RedisApiFactory>(factory), IClassFixture<RedisApiFactory>
{
    [Fact]
    public async Task The_log_is_append_only_in_postgres()
    {
        await NewCampaignAsync();
        await AuditEntriesAsync("action=campaign.created&limit=1", expected: 1);
        await using var connection = new Npgsql.NpgsqlConnection(Factory.Shards[0]);
        await connection.OpenAsync();
        foreach (var sql in new[] { "UPDATE audit SET actor_id = 'someone-else'", "DELETE FROM audit", "TRUNCATE audit" })
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
        }
    }
}
