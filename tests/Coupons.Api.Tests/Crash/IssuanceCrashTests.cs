using System.Globalization;
using System.Net.Http.Headers;
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
        var dataDir = Directory.CreateTempSubdirectory("coupons-issuance-crash-").FullName;
        var server = ServerProcess.Start(dataDir, SigningKey);
        var client = new CrashClient(server.BaseAddress, SigningKey);
        try
        {
            await server.WaitReadyAsync(client.Http, TimeSpan.FromSeconds(30), ct);
            var admin = client.Token(CrashClient.AdminUser, "admin");
            var campaign = await client.SendCheckedAsync(HttpMethod.Post, "/v1/campaigns", admin, new
            {
                name = "pushed",
                discount = new { type = "amount_off", amountOff = 100 },
                totalStock = Users,
                perUserLimit = 1,
                validity = new { days = 30 },
            }, ct);
            var jobId = await UploadAsync(client, server.BaseAddress, admin, campaign.Text("id")!, ct);

            var before = await WaitAsync(client, admin, jobId, job => job.GetProperty("done").GetInt64() > 0, ct);
            server.Kill();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"killed with {before.GetProperty("done").GetInt64()} of {Users} done (committed steps)"));
            Assert.True(before.GetProperty("done").GetInt64() < Users, "the job finished before the kill; the test needs a longer list");

            client.Dispose();
            server.Dispose();
            server = ServerProcess.Start(dataDir, SigningKey);
            client = new CrashClient(server.BaseAddress, SigningKey);
            await server.WaitReadyAsync(client.Http, TimeSpan.FromSeconds(30), ct);
            var done = await WaitAsync(client, admin, jobId, job => job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled", ct);

            Assert.Equal("succeeded", done.GetProperty("status").GetString());
            Assert.Equal(Users, done.GetProperty("results").GetProperty("ok").GetInt64());
            var stats = await client.SendCheckedAsync(HttpMethod.Get, $"/v1/campaigns/{campaign.Text("id")}/stats", admin, null, ct);
            Assert.Equal(Users, stats.Body.GetProperty("issued").GetInt64()); // one per user at most, so one each
            var failures = await client.SendCheckedAsync(HttpMethod.Get, $"/v1/jobs/{jobId}/failures", admin, null, ct);
            Assert.Empty(failures.Body.GetProperty("items").EnumerateArray());
        }
        finally
        {
            client.Dispose();
            server.Dispose();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<string> UploadAsync(CrashClient client, Uri server, string token, string campaignId, CancellationToken ct)
    {
        var csv = string.Join('\n', Enumerable.Range(0, Users).Select(i => "pushed-user-" + i.ToString(CultureInfo.InvariantCulture)));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, $"/v1/campaigns/{campaignId}/issuances"))
        {
            Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.Http.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> WaitAsync(CrashClient client, string token, string jobId, Func<JsonElement, bool> until, CancellationToken ct)
    {
        while (true)
        {
            var reply = await client.SendCheckedAsync(HttpMethod.Get, $"/v1/jobs/{jobId}", token, null, ct);
            if (reply.IsSuccess && until(reply.Body))
            {
                return reply.Body;
            }

            await Task.Delay(10, ct);
        }
    }
}
