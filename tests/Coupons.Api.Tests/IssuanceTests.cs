using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>
/// Pushed issuance over HTTP: a list as JSON or CSV becomes a job that gives each listed user one
/// coupon under the campaign's rules; its results count the outcomes, its failures name the refused
/// users; an Idempotency-Key gives the same job again; a bad list starts nothing; roles hold. On
/// both stores: the embedded job store, and the Redis one (run by the node's JobRunnerService).
/// </summary>
public abstract class IssuanceTests<TFactory>(TFactory factory) : ApiTestBase<TFactory>(factory)
    where TFactory : CouponsApiFactory
{
    [Fact]
    public async Task A_json_list_issues_one_coupon_per_user_within_the_stock_and_lists_the_refused()
    {
        var campaign = await NewCampaignAsync(CampaignBody(totalStock: 3));
        var users = Enumerable.Range(0, 5).Select(_ => "user-" + Unique()).ToList();
        using var response = await Admin.PostJsonAsync($"/v1/campaigns/{campaign}/issuances", new JsonObject { ["userIds"] = new JsonArray([.. users.Select(u => (JsonNode)u)]) });
        var job = await response.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal($"/v1/jobs/{job.Str("id")}", response.Headers.Location?.OriginalString);
        Assert.Equal("issuance", job.Str("kind"));

        var done = await Admin.WaitForJobAsync(job.Str("id"));
        Assert.Equal("succeeded", done.Str("status"));
        Assert.Equal(5, done.Long("total"));
        Assert.Equal(5, done.Long("done"));
        Assert.Equal(3, done.GetProperty("results").Long("ok"));
        Assert.Equal(2, done.GetProperty("results").Long("sold_out"));
        Assert.Equal(3, (await StatsAsync(campaign)).Long("issued"));

        using var failures = await Service.GetPathAsync($"/v1/jobs/{job.Str("id")}/failures?limit=1");
        var page = await failures.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("sold_out", page.GetProperty("items")[0].Str("code"));
        using var next = await Service.GetPathAsync($"/v1/jobs/{job.Str("id")}/failures?limit=1&cursor={page.Str("nextCursor")}");
        var second = await next.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Single(second.GetProperty("items").EnumerateArray());
        Assert.NotEqual(page.GetProperty("items")[0].Str("input"), second.GetProperty("items")[0].Str("input"));
    }

    [Fact]
    public async Task A_csv_list_streams_in_and_a_user_listed_twice_gets_one_coupon()
    {
        var campaign = await NewCampaignAsync(CampaignBody(totalStock: 100, perUserLimit: 5));
        var users = Enumerable.Range(0, 40).Select(_ => "user-" + Unique()).ToList();
        var csv = string.Join("\r\n", users.Append(users[0])) + "\n\n";
        using var response = await Service.PostRawAsync($"/v1/campaigns/{campaign}/issuances", csv, "text/csv");
        var job = await response.AssertStatusAsync(HttpStatusCode.Accepted);
        var done = await Admin.WaitForJobAsync(job.Str("id"));
        Assert.Equal(41, done.Long("total"));
        Assert.Equal(41, done.GetProperty("results").Long("ok"));
        Assert.Equal(40, (await StatsAsync(campaign)).Long("issued"));

        // Progress on /metrics: inputs applied by kind and outcome.
        using var metrics = await Anonymous.GetPathAsync("/metrics");
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("coupons_job_inputs", text, StringComparison.Ordinal);
        Assert.Matches("coupons_job_inputs[a-z_]*\\{[^}]*kind=\"issuance\"[^}]*outcome=\"ok\"", text);
    }

    [Fact]
    public async Task The_same_idempotency_key_gives_the_same_job_without_taking_the_list_again()
    {
        var campaign = await NewCampaignAsync(CampaignBody(totalStock: 10));
        var request = (string body, string mediaType) =>
        {
            var message = new HttpRequestMessage(HttpMethod.Post, $"/v1/campaigns/{campaign}/issuances")
            {
                Content = new StringContent(body, Encoding.UTF8, mediaType),
            };
            message.Headers.Add("Idempotency-Key", "push-" + campaign);
            return message;
        };
        using var first = await Admin.SendAsync(request("""{"userIds":["a-1","a-2"]}""", "application/json"));
        var job = await first.AssertStatusAsync(HttpStatusCode.Accepted);
        using var again = await Admin.SendAsync(request("""{"userIds":["a-1","a-2"]}""", "application/json"));
        Assert.Equal(job.Str("id"), (await again.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));
        using var csv = await Admin.SendAsync(request("a-3\na-4\n", "text/csv"));
        Assert.Equal(job.Str("id"), (await csv.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));

        // A JSON body is checked before the key is looked up, as every JSON body is.
        using var bad = await Admin.SendAsync(request("""{"userIds":[null]}""", "application/json"));
        await bad.AssertValidationAsync("userIds[0]");
        await Admin.WaitForJobAsync(job.Str("id"));
        Assert.Equal(2, (await StatsAsync(campaign)).Long("issued"));
    }

    [Fact]
    public async Task A_bad_line_is_named_and_starts_nothing()
    {
        var campaign = await NewCampaignAsync();
        using var response = await Admin.PostRawAsync($"/v1/campaigns/{campaign}/issuances", "ok-user\n" + new string('x', 200) + "\n", "text/csv");
        await response.AssertValidationAsync("line 2");
        using var json = await Admin.PostRawAsync($"/v1/campaigns/{campaign}/issuances", """{"userIds":["fine", " "]}""");
        await json.AssertValidationAsync("userIds[1]");
        using var empty = await Admin.PostRawAsync($"/v1/campaigns/{campaign}/issuances", """{"userIds":[]}""");
        await empty.AssertValidationAsync("userIds");
        using var unknown = await Admin.PostRawAsync($"/v1/campaigns/{campaign}/issuances", """{"userIds":["a"],"users":["b"]}""");
        await unknown.AssertValidationAsync("users");
        await Task.Delay(600); // a runner pass: nothing may have been issued
        Assert.Equal(0, (await StatsAsync(campaign)).Long("issued"));
    }

    [Fact]
    public async Task Roles_and_unknown_ids_are_refused()
    {
        var campaign = await NewCampaignAsync();
        var (_, user) = NewUser();
        using var asUser = await user.PostRawAsync($"/v1/campaigns/{campaign}/issuances", """{"userIds":["a"]}""");
        await asUser.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        using var noCampaign = await Admin.PostRawAsync($"/v1/campaigns/{Guid.NewGuid()}/issuances", """{"userIds":["a"]}""");
        await noCampaign.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
        using var noJob = await Admin.GetPathAsync($"/v1/jobs/{Guid.NewGuid()}");
        await noJob.AssertProblemAsync(HttpStatusCode.NotFound, "job_not_found");
        using var userJob = await user.GetPathAsync($"/v1/jobs/{Guid.NewGuid()}");
        await userJob.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task The_audit_log_names_the_caller_and_the_job_for_each_coupon_issued()
    {
        var campaign = await NewCampaignAsync(CampaignBody(totalStock: 10));
        var creator = "pusher-" + Unique();
        using var pusher = Factory.ClientFor(creator, "service");
        using var response = await pusher.PostRawAsync($"/v1/campaigns/{campaign}/issuances", """{"userIds":["audit-1","audit-2"]}""");
        var job = await response.AssertStatusAsync(HttpStatusCode.Accepted);
        await Admin.WaitForJobAsync(job.Str("id"));

        var entries = await AuditEntriesAsync($"actor={creator}&action=coupon.claimed", expected: 2);
        Assert.All(entries, entry =>
        {
            Assert.Equal(creator, entry.GetProperty("actor").Str("id"));
            Assert.Equal(("job", job.Str("id")), (entry.GetProperty("actor").Str("role"), entry.GetProperty("actor").Str("job")));
        });
        Assert.Equal(["audit-1", "audit-2"], entries.Select(entry => entry.Str("owner")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_finished_job_cannot_be_cancelled()
    {
        var campaign = await NewCampaignAsync();
        using var response = await Admin.PostRawAsync($"/v1/campaigns/{campaign}/issuances", """{"userIds":["c-1"]}""");
        var job = await response.AssertStatusAsync(HttpStatusCode.Accepted);
        await Admin.WaitForJobAsync(job.Str("id"));
        using var cancel = await Admin.PostEmptyAsync($"/v1/jobs/{job.Str("id")}/cancel");
        await cancel.AssertProblemAsync(HttpStatusCode.Conflict, "job_finished");
    }
}

/// <summary>Issuance on the embedded store, its jobs in jobs.db.</summary>
public sealed class EmbeddedIssuanceTests(CouponsApiFactory factory) : IssuanceTests<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>;

/// <summary>Issuance on the Redis store, its jobs in Redis beside the coupons.</summary>
public sealed class RedisIssuanceTests(RedisApiFactory factory) : IssuanceTests<RedisApiFactory>(factory), IClassFixture<RedisApiFactory>;
