using System.Net;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Protection;

/// <summary>
/// The limits over HTTP on the embedded store: per address, device and user, and the per-campaign
/// claim cap. Each test uses addresses, devices and users of its own, so limits reached in one test
/// do not spill into another.
/// </summary>
public sealed class RateLimitTests(ProtectedApiFactory factory) : IClassFixture<ProtectedApiFactory>
{
    private const string Mine = "/v1/me/coupons";

    [Fact]
    public async Task One_address_is_limited_and_another_address_is_not()
    {
        var ip = ProtectedApiFactory.NewIp();
        for (var i = 0; i < ProtectedApiFactory.IpLimit; i++)
        {
            // A different user each time: only the address is shared.
            using var client = factory.Client("ip-user-" + Guid.NewGuid().ToString("N"), ip: ip);
            using var response = await client.GetPathAsync(Mine);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var limited = factory.Client("ip-user-" + Guid.NewGuid().ToString("N"), ip: ip);
        using var refused = await limited.GetPathAsync(Mine);
        await refused.AssertRateLimitedAsync("ip");

        // Calls without a token count too: a token-guessing client is limited like any other.
        using var anonymous = factory.Client(null, ip: ip);
        using var anonymousRefused = await anonymous.GetPathAsync(Mine);
        await anonymousRefused.AssertRateLimitedAsync("ip");

        using var other = factory.Client("ip-user-" + Guid.NewGuid().ToString("N"), ip: ProtectedApiFactory.NewIp());
        using var fine = await other.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task The_order_system_and_admins_are_not_limited_by_address()
    {
        var ip = ProtectedApiFactory.NewIp();
        using var service = factory.Client("order-system", "service", ip: ip);
        using var admin = factory.Client("admin-1", "admin", ip: ip);
        for (var i = 0; i < ProtectedApiFactory.IpLimit * 2; i++)
        {
            using var byService = await service.GetPathAsync($"/v1/coupons/{Guid.CreateVersion7()}");
            Assert.Equal(HttpStatusCode.NotFound, byService.StatusCode);
            using var byAdmin = await admin.GetPathAsync("/v1/campaigns");
            Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        }
    }

    [Fact]
    public async Task One_user_is_limited_and_another_user_is_not()
    {
        var user = "limited-" + Guid.NewGuid().ToString("N");
        for (var i = 0; i < ProtectedApiFactory.UserLimit; i++)
        {
            // A different address each time: only the user is shared.
            using var client = factory.Client(user, ip: ProtectedApiFactory.NewIp());
            using var response = await client.GetPathAsync(Mine);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var ip = ProtectedApiFactory.NewIp();
        using var limited = factory.Client(user, ip: ip);
        using var refused = await limited.GetPathAsync(Mine);
        await refused.AssertRateLimitedAsync("user");

        // The same address, another user: admitted.
        using var other = factory.Client("other-" + Guid.NewGuid().ToString("N"), ip: ip);
        using var fine = await other.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task One_device_is_limited_across_users_and_addresses_and_its_bucket_fills_again()
    {
        var device = "device-" + Guid.NewGuid().ToString("N");
        var admitted = await AdmittedUntilRefusedAsync(() => factory.Client("device-user-" + Guid.NewGuid().ToString("N"), ip: ProtectedApiFactory.NewIp(), device: device));

        // Three at once; a fourth only if a second passed meanwhile (the bucket gains one a second).
        Assert.InRange(admitted, ProtectedApiFactory.DeviceLimit, ProtectedApiFactory.DeviceLimit + 1);

        using var otherDevice = factory.Client("device-user-" + Guid.NewGuid().ToString("N"), device: "device-" + Guid.NewGuid().ToString("N"));
        using var fine = await otherDevice.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        using var later = factory.Client("device-user-" + Guid.NewGuid().ToString("N"), device: device);
        using var again = await later.GetPathAsync(Mine);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Theory]
    [InlineData("tab\tinside")]
    [InlineData("has space")]
    [InlineData("ünïcode")]
    public async Task A_malformed_device_id_is_a_validation_problem(string device)
    {
        using var client = factory.ClientFor("user-" + Guid.NewGuid().ToString("N"));
        using var request = new HttpRequestMessage(HttpMethod.Get, Mine);
        request.Headers.TryAddWithoutValidation("X-Device-Id", device);
        using var response = await client.SendAsync(request);
        await response.AssertValidationAsync("X-Device-Id");
    }

    [Fact]
    public async Task A_too_long_device_id_is_a_validation_problem()
    {
        using var client = factory.Client("user-" + Guid.NewGuid().ToString("N"), device: new string('d', 129));
        using var response = await client.GetPathAsync(Mine);
        await response.AssertValidationAsync("X-Device-Id");
    }

    [Fact]
    public async Task A_campaign_admits_a_capped_number_of_claims_and_the_refused_ones_take_no_stock()
    {
        using var admin = factory.Admin();
        var capped = await factory.NewCampaignAsync(totalStock: 100);
        var other = await factory.NewCampaignAsync(totalStock: 100);
        for (var i = 0; i < ProtectedApiFactory.CampaignLimit; i++)
        {
            using var user = factory.Client("claimer-" + Guid.NewGuid().ToString("N"), ip: ProtectedApiFactory.NewIp());
            using var claim = await user.PostEmptyAsync($"/v1/campaigns/{capped}/claim");
            Assert.Equal(HttpStatusCode.Created, claim.StatusCode);
        }

        using var late = factory.Client("claimer-" + Guid.NewGuid().ToString("N"), ip: ProtectedApiFactory.NewIp());
        using var refused = await late.PostEmptyAsync($"/v1/campaigns/{capped}/claim");
        await refused.AssertRateLimitedAsync("campaign");

        // The same user claims from another campaign, and reads other things: only claims into the capped campaign are counted.
        using var elsewhere = await late.PostEmptyAsync($"/v1/campaigns/{other}/claim");
        Assert.Equal(HttpStatusCode.Created, elsewhere.StatusCode);
        using var read = await late.GetPathAsync($"/v1/campaigns/{capped}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        using var stats = await admin.GetPathAsync($"/v1/campaigns/{capped}/stats");
        var body = await stats.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal((3L, 97L), (body.Long("issued"), body.Long("remainingStock")));
    }

    [Fact]
    public async Task The_audit_log_records_the_clients_address_as_forwarded_by_a_trusted_proxy()
    {
        using var admin = factory.Admin();
        var campaign = await factory.NewCampaignAsync(totalStock: 100);
        var ip = ProtectedApiFactory.NewIp();
        using var user = factory.Client("audited-" + Guid.NewGuid().ToString("N"), ip: ip);
        using var claim = await user.PostEmptyAsync($"/v1/campaigns/{campaign}/claim");
        var coupon = (await claim.AssertStatusAsync(HttpStatusCode.Created)).Str("id");

        using var audit = await admin.GetPathAsync($"/v1/audit?subject={coupon}");
        var entry = Assert.Single((await audit.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        Assert.Equal(("coupon.claimed", ip, "user"), (entry.Str("action"), entry.GetProperty("actor").Str("ip"), entry.GetProperty("actor").Str("role")));
    }

    [Fact]
    public async Task Health_metrics_and_the_openapi_document_are_not_limited()
    {
        var ip = ProtectedApiFactory.NewIp();
        using var client = factory.Client(null, ip: ip);
        for (var i = 0; i < ProtectedApiFactory.IpLimit * 2; i++)
        {
            foreach (var path in new[] { "/health/live", "/health/ready", "/openapi/v1.json" })
            {
                using var response = await client.GetPathAsync(path);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
    }

    private static async Task<int> AdmittedUntilRefusedAsync(Func<HttpClient> client)
    {
        for (var admitted = 0; admitted < 20; admitted++)
        {
            using var http = client();
            using var response = await http.GetPathAsync(Mine);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await response.AssertRateLimitedAsync("device");
                return admitted;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        return 20;
    }
}
