using System.Net;
using System.Text.Json;
using Coupons.Api.Http;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>
/// The middle step of degrading, over HTTP on a hung Redis (SIGSTOP): a campaign, its stats and the
/// listings this node served before are answered again, 200 with the stale marker, while claims fail
/// 503 storage_unavailable; a read the node never served is 503 too; after SIGCONT the answers are
/// fresh (no marker) and claims succeed again.
/// </summary>
public sealed class StaleReadsApiTests(HungRedisApiFactory factory) : ApiTestBase<HungRedisApiFactory>(factory), IClassFixture<HungRedisApiFactory>
{
    [Fact]
    public async Task While_redis_hangs_stats_and_listings_are_the_nodes_last_copy_marked_stale_and_claims_fail_then_all_is_fresh_again()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 1_000, perUserLimit: 100));
        var neverRead = await NewCampaignAsync(CampaignBody(totalStock: 10));
        var (userId, user) = NewUser();
        await ClaimAsync(user, campaignId);
        var reads = new (HttpClient Caller, string Path)[]
        {
            (Admin, $"/v1/campaigns/{campaignId}/stats"),
            (user, $"/v1/campaigns/{campaignId}"),
            (Admin, "/v1/campaigns?limit=200"),
            (user, "/v1/campaigns?status=active&limit=200"),
            (user, "/v1/me/coupons"),
            (Service, $"/v1/users/{userId}/coupons"),
        };
        var fresh = new List<string>();
        foreach (var (caller, path) in reads)
        {
            var answer = await GetAsync(caller, path);
            Assert.Equal((HttpStatusCode.OK, null), (answer.Status, answer.StaleSeconds));
            fresh.Add(answer.Body);
        }

        Factory.Redis.Pause();
        try
        {
            var claims = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => GetOrClaimAsync(user, $"/v1/campaigns/{campaignId}/claim", claim: true)));
            Assert.All(claims, c => Assert.Equal((HttpStatusCode.ServiceUnavailable, "storage_unavailable"), (c.Status, c.Code)));

            for (var i = 0; i < reads.Length; i++)
            {
                var stale = await GetAsync(reads[i].Caller, reads[i].Path);
                Assert.Equal(HttpStatusCode.OK, stale.Status);
                Assert.NotNull(stale.StaleSeconds);
                Assert.InRange(stale.StaleSeconds!.Value, 0, 60);
                Assert.Equal(LastCopies.StaleWarning, stale.Warning);
                Assert.Equal(fresh[i], stale.Body);
            }

            var none = await GetOrClaimAsync(Admin, $"/v1/campaigns/{neverRead}/stats", claim: false);
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "storage_unavailable"), (none.Status, none.Code));
            var stillRefused = await GetOrClaimAsync(user, $"/v1/campaigns/{campaignId}/claim", claim: true);
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "storage_unavailable"), (stillRefused.Status, stillRefused.Code));
        }
        finally
        {
            Factory.Redis.Resume();
        }

        var status = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 300 && status != HttpStatusCode.Created; attempt++)
        {
            status = (await GetOrClaimAsync(user, $"/v1/campaigns/{campaignId}/claim", claim: true)).Status;
            if (status != HttpStatusCode.Created)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(HttpStatusCode.Created, status);
        var stats = await GetAsync(Admin, $"/v1/campaigns/{campaignId}/stats");
        Assert.Equal((HttpStatusCode.OK, null, null), (stats.Status, stats.StaleSeconds, stats.Warning));
        // The claims that timed out were sent, and ran once Redis went on: at least the first and the last.
        var issued = JsonDocument.Parse(stats.Body).RootElement.GetProperty("issued").GetInt64();
        Assert.True(issued >= 2, $"issued {issued}");
        var mine = await GetAsync(user, "/v1/me/coupons");
        Assert.Equal((HttpStatusCode.OK, null), (mine.Status, mine.StaleSeconds));
        Assert.Equal(issued, JsonDocument.Parse(mine.Body).RootElement.GetProperty("items").GetArrayLength());
    }

    private static async Task<(HttpStatusCode Status, string Body, long? StaleSeconds, string? Warning)> GetAsync(HttpClient caller, string path)
    {
        // The bound only keeps a service that waits on the hung Redis from hanging the test.
        using var response = await caller.GetPathAsync(path).WaitAsync(TimeSpan.FromSeconds(30));
        var stale = response.Headers.TryGetValues(LastCopies.StaleHeader, out var ages) ? long.Parse(ages.Single(), System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
        var warning = response.Headers.TryGetValues("Warning", out var warnings) ? warnings.Single() : null;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), stale, warning);
    }

    private static async Task<(HttpStatusCode Status, string? Code)> GetOrClaimAsync(HttpClient caller, string path, bool claim)
    {
        using var response = await (claim ? caller.PostEmptyAsync(path) : caller.GetPathAsync(path)).WaitAsync(TimeSpan.FromSeconds(30));
        if (response.IsSuccessStatusCode)
        {
            return (response.StatusCode, null);
        }

        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, problem.RootElement.GetProperty("code").GetString());
    }
}
