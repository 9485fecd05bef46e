using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Coupons.Api.Tests.Crash;

/// <summary>
/// An issuance job killed in the middle: the real server is sent <c>kill -9</c> while the job runs,
/// restarted on the same data dir, and the job finishes there with every listed user holding exactly
/// one coupon (the campaign allows one per user and exactly as many coupons as users are issued).
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class IssuanceCrashTests(ITestOutputHelper output)
{
    private const string SigningKey = "crash-test-signing-key-0123456789abcdefghijklmno";
    private const int Users = 60_000;

    [Fact]
    public async Task An_issuance_killed_mid_job_gives_every_listed_user_exactly_one_coupon_after_restart()
    {
        using var overall = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var ct = overall.Token;
        using var server = await JobCrashServer.StartAsync("coupons-issuance-crash-", SigningKey, ct);
        var admin = server.Client.Token(CrashClient.AdminUser, "admin");
        var campaign = await server.Client.SendCheckedAsync(HttpMethod.Post, "/v1/campaigns", admin, new
        {
            name = "pushed",
            discount = new { type = "amount_off", amountOff = 100 },
            totalStock = Users,
            perUserLimit = 1,
            validity = new { days = 30 },
        }, ct);
        var jobId = await UploadAsync(server.Client, admin, campaign.Text("id")!, ct);

        var done = await server.KillMidJobAsync(admin, jobId, Users, output, ct);
        var client = server.Client;
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(Users, done.GetProperty("results").GetProperty("ok").GetInt64());
        var stats = await client.SendCheckedAsync(HttpMethod.Get, $"/v1/campaigns/{campaign.Text("id")}/stats", admin, null, ct);
        Assert.Equal(Users, stats.Body.GetProperty("issued").GetInt64()); // one per user at most, so one each
        var failures = await client.SendCheckedAsync(HttpMethod.Get, $"/v1/jobs/{jobId}/failures", admin, null, ct);
        Assert.Empty(failures.Body.GetProperty("items").EnumerateArray());
    }

    private static async Task<string> UploadAsync(CrashClient client, string token, string campaignId, CancellationToken ct)
    {
        var csv = string.Join('\n', Enumerable.Range(0, Users).Select(i => "pushed-user-" + i.ToString(CultureInfo.InvariantCulture)));
        using var request = client.Request(HttpMethod.Post, $"/v1/campaigns/{campaignId}/issuances", token);
        request.Content = new StringContent(csv, Encoding.UTF8, "text/csv");
        using var response = await client.Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }
}
