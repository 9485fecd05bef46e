using System.Net.Http.Headers;
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
        using var server = await JobCrashServer.StartAsync("coupons-codes-crash-", SigningKey, ct);
        var admin = server.Client.Token(CrashClient.AdminUser, "admin");
        var campaign = await server.Client.SendCheckedAsync(HttpMethod.Post, "/v1/campaigns", admin, new
        {
            name = "printed codes",
            discount = new { type = "amount_off", amountOff = 100 },
            totalStock = 10,
            validity = new { days = 30 },
        }, ct);
        var campaignId = campaign.Text("id")!;
        var job = await server.Client.SendCheckedAsync(HttpMethod.Post, $"/v1/campaigns/{campaignId}/codes", admin, new { count = Count, prefix = "CRASH" }, ct);
        var jobId = job.Text("id")!;

        var done = await server.KillMidJobAsync(admin, jobId, Count, output, ct);
        var client = server.Client;
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(Count, done.GetProperty("results").GetProperty("ok").GetInt64());

        var codes = await ExportAsync(client, admin, campaignId, ct);
        Assert.Equal(Count, codes.Count);
        Assert.Equal(Count, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, code => Assert.True(code.StartsWith("CRASH", StringComparison.Ordinal) && CouponCodes.IsWellFormed(code), code));

        var user = client.Token("crash-code-user");
        var claimed = await client.SendCheckedAsync(HttpMethod.Post, "/v1/codes/claim", user, new { code = codes[Count / 2] }, ct);
        Assert.Equal(201, claimed.Status);
        var other = await client.SendAsync(HttpMethod.Post, "/v1/codes/claim", client.Token("crash-code-other"), new { code = codes[Count / 2] }, ct);
        Assert.Equal((409, "code_already_claimed"), (other.Status, other.Code));
    }

    private static async Task<List<string>> ExportAsync(CrashClient client, string token, string campaignId, CancellationToken ct)
    {
        using var request = client.Request(HttpMethod.Get, $"/v1/campaigns/{campaignId}/codes", token);
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
}
