using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Coupons.Core.Codes;
using Xunit.Abstractions;

namespace Coupons.Api.Tests.Crash;

/// <summary>
/// A generation job killed in the middle: the real server is sent <c>kill -9</c> while the job
/// writes codes, restarted on the same data dir, and the job finishes there with exactly the count
/// asked, every code distinct and well formed: a step redone after the kill writes the codes it
/// wrote before (they are derived from the job, index and attempt), never a second set. A unique
/// code then claims once after the restart, as before it.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CodesCrashTests(ITestOutputHelper output)
{
    private const string SigningKey = "crash-test-signing-key-0123456789abcdefghijklmno";
    private const int Count = 300_000;

    [Fact]
    public async Task A_generation_killed_mid_job_ends_with_exactly_the_codes_asked_after_restart()
    {
        using var overall = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var ct = overall.Token;
        var dataDir = Directory.CreateTempSubdirectory("coupons-codes-crash-").FullName;
        var server = ServerProcess.Start(dataDir, SigningKey);
        var client = new CrashClient(server.BaseAddress, SigningKey);
        try
        {
            await server.WaitReadyAsync(client.Http, TimeSpan.FromSeconds(30), ct);
            var admin = client.Token(CrashClient.AdminUser, "admin");
            var campaign = await client.SendCheckedAsync(HttpMethod.Post, "/v1/campaigns", admin, new
            {
                name = "printed codes",
                discount = new { type = "amount_off", amountOff = 100 },
                totalStock = 10,
                validity = new { days = 30 },
            }, ct);
            var campaignId = campaign.Text("id")!;
            var job = await client.SendCheckedAsync(HttpMethod.Post, $"/v1/campaigns/{campaignId}/codes", admin, new { count = Count, prefix = "CRASH" }, ct);
            var jobId = job.Text("id")!;

            var before = await WaitAsync(client, admin, jobId, j => j.GetProperty("done").GetInt64() > 0, ct);
            server.Kill();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"killed with {before.GetProperty("done").GetInt64()} of {Count} done (committed steps)"));
            Assert.True(before.GetProperty("done").GetInt64() < Count, "the job finished before the kill; the test needs more codes");

            client.Dispose();
            server.Dispose();
            server = ServerProcess.Start(dataDir, SigningKey);
            client = new CrashClient(server.BaseAddress, SigningKey);
            await server.WaitReadyAsync(client.Http, TimeSpan.FromSeconds(30), ct);
            var done = await WaitAsync(client, admin, jobId, j => j.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled", ct);
            Assert.Equal("succeeded", done.GetProperty("status").GetString());
            Assert.Equal(Count, done.GetProperty("results").GetProperty("ok").GetInt64());

            var codes = await ExportAsync(client, server.BaseAddress, admin, campaignId, ct);
            Assert.Equal(Count, codes.Count);
            Assert.Equal(Count, codes.Distinct(StringComparer.Ordinal).Count());
            Assert.All(codes, code => Assert.True(code.StartsWith("CRASH", StringComparison.Ordinal) && CouponCodes.IsWellFormed(code), code));

            var user = client.Token("crash-code-user");
            var claimed = await client.SendCheckedAsync(HttpMethod.Post, "/v1/codes/claim", user, new { code = codes[Count / 2] }, ct);
            Assert.Equal(201, claimed.Status);
            var other = await client.SendAsync(HttpMethod.Post, "/v1/codes/claim", client.Token("crash-code-other"), new { code = codes[Count / 2] }, ct);
            Assert.Equal((409, "code_already_claimed"), (other.Status, other.Code));
        }
        finally
        {
            client.Dispose();
            server.Dispose();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<List<string>> ExportAsync(CrashClient client, Uri server, string token, string campaignId, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, $"/v1/campaigns/{campaignId}/codes"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        Assert.Equal("code,status,userId,couponId,claimedAt", await reader.ReadLineAsync(ct));
        var codes = new List<string>(Count);
        while (await reader.ReadLineAsync(ct) is { Length: > 0 } line)
        {
            codes.Add(line[..line.IndexOf(',', StringComparison.Ordinal)]);
        }

        return codes;
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
