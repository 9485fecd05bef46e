using System.Net;
using System.Text.Json;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>The service on a redis-server of its own, which the tests stop (SIGSTOP), with a short store timeout.</summary>
public sealed class HungRedisApiFactory : CouponsApiFactory
{
    public Coupons.Conformance.RedisServer Redis { get; } = new();

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Coupons:Store", "redis"),
        ("Coupons:Redis:Configuration", Redis.Configuration),
        // Short enough to show the bound, long enough that a busy test machine's healthy calls stay under it.
        ("Coupons:Redis:Timeout", "00:00:01"),
        ("Coupons:Redis:BreakFor", "00:00:03"),
        ("Coupons:Redis:KeyPrefix", "hung-api:"),
    ];

    protected override Task StartDependenciesAsync() => Redis.InitializeAsync();

    protected override Task StopDependenciesAsync() => Redis.DisposeAsync();
}

/// <summary>
/// A hung Redis over HTTP: claims answer 503 storage_unavailable instead of waiting, then at once
/// while the breaker is open, and succeed again by themselves once Redis goes on.
/// </summary>
public sealed class HungRedisApiTests(HungRedisApiFactory factory) : ApiTestBase<HungRedisApiFactory>(factory), IClassFixture<HungRedisApiFactory>
{
    [Fact]
    public async Task A_hung_redis_answers_503_storage_unavailable_then_refuses_at_once_and_claims_come_back_when_it_goes_on()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 1_000, perUserLimit: 100));
        var (_, user) = NewUser();
        var claim = $"/v1/campaigns/{campaignId}/claim";

        Factory.Redis.Pause();
        try
        {
            var failed = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => AnswerAsync(user, claim)));
            Assert.All(failed, a => Assert.Equal((HttpStatusCode.ServiceUnavailable, "storage_unavailable"), (a.Status, a.Code)));

            var refused = await AnswerAsync(user, claim);
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "storage_unavailable"), (refused.Status, refused.Code));
            Assert.Contains("refused at once", refused.Detail, StringComparison.Ordinal);
        }
        finally
        {
            Factory.Redis.Resume();
        }

        var status = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 300 && status != HttpStatusCode.Created; attempt++)
        {
            status = (await AnswerAsync(user, claim)).Status;
            if (status != HttpStatusCode.Created)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(HttpStatusCode.Created, status);
    }

    private static async Task<(HttpStatusCode Status, string? Code, string Detail)> AnswerAsync(HttpClient user, string path)
    {
        // The bound only keeps a service that waits on the hung Redis from hanging the test.
        using var response = await user.PostEmptyAsync(path).WaitAsync(TimeSpan.FromSeconds(30));
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return (response.StatusCode, null, string.Empty);
        }

        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, problem.RootElement.GetProperty("code").GetString(), problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? string.Empty : string.Empty);
    }
}
