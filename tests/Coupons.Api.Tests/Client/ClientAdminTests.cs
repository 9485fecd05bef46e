using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;

namespace Coupons.Api.Tests.Client;

/// <summary>The protections' admin calls through <see cref="CouponsClient"/>: blocklist, fraud flags, audit log.</summary>
public sealed class ClientAdminTests(CouponsApiFactory factory) : IClassFixture<CouponsApiFactory>
{
    private readonly CouponsClient _admin = new CouponsClient(factory.CreateClient())
        .WithBearerToken(CouponsApiFactory.Token("admin-" + Guid.NewGuid().ToString("N")[..8], "admin"));

    [Fact]
    public async Task A_block_is_added_listed_replaced_and_lifted()
    {
        var device = "device-" + Guid.NewGuid().ToString("N")[..8];
        var expires = DateTimeOffset.UtcNow.AddDays(1);
        var added = await _admin.AddBlockAsync(new NewBlock(BlockKind.Device, device, "scripted claims", expires));
        Assert.Equal((BlockKind.Device, device, "scripted claims"), (added.Kind, added.Value, added.Reason));
        Assert.Equal(expires.ToUnixTimeMilliseconds(), added.ExpiresAt!.Value.ToUnixTimeMilliseconds());

        var range = await _admin.AddBlockAsync(new NewBlock(BlockKind.Ip, "203.0.113.0/24"));
        Assert.Null(range.ExpiresAt);
        var replaced = await _admin.AddBlockAsync(new NewBlock(BlockKind.Device, device, "replaced"));
        Assert.Equal("replaced", replaced.Reason);

        var devices = await _admin.ListBlocklistAsync(BlockKind.Device, pageSize: 1).ToListAsync();
        Assert.Single(devices, e => e.Value == device && e.Reason == "replaced");
        Assert.DoesNotContain(devices, e => e.Kind != BlockKind.Device);

        await _admin.RemoveBlockAsync(BlockKind.Device, device);
        var again = await Assert.ThrowsAsync<CouponsApiException>(() => _admin.RemoveBlockAsync(BlockKind.Device, device));
        Assert.Equal(ProblemCode.NotFound, again.Code);
        var invalid = await Assert.ThrowsAsync<CouponsApiException>(() => _admin.AddBlockAsync(new NewBlock(BlockKind.Ip, "not an address")));
        Assert.True(invalid.Problem.Errors!.ContainsKey("value"));
    }

    [Fact]
    public async Task Fraud_flags_are_listed_and_an_unknown_one_is_not_found_when_dismissed()
    {
        var flags = await _admin.ListFraudFlagsPageAsync(FraudSignal.DeviceAccounts);
        Assert.All(flags.Items, f => Assert.Equal(FraudSignal.DeviceAccounts, f.Signal));
        var missing = await Assert.ThrowsAsync<CouponsApiException>(() => _admin.DismissFraudFlagAsync(FraudSignal.ClaimBurst, "nobody-" + Guid.NewGuid().ToString("N")));
        Assert.Equal((ProblemCode.NotFound, System.Net.HttpStatusCode.NotFound), (missing.Code, missing.StatusCode));
    }

    [Fact]
    public async Task A_coupons_history_is_read_from_the_audit_log_newest_first()
    {
        var campaign = await _admin.CreateCampaignAsync(new NewCampaign("Audited", new AmountOffDiscount(300), 2, Validity.ForDays(3)));
        var user = new CouponsClient(factory.CreateClient()).WithBearerToken(CouponsApiFactory.Token("user-" + Guid.NewGuid().ToString("N")[..8]));
        var coupon = (await user.ClaimAsync(campaign.Id)).Coupon;
        await user.LockAsync(coupon.Id, "order-a", 5_000);

        var history = await _admin.QueryAuditAsync(new AuditFilter { Subject = coupon.Id.ToString() }, pageSize: 1).ToListAsync();
        Assert.Equal(["coupon.locked", "coupon.claimed"], history.Select(e => e.Action));
        Assert.All(history, e => Assert.Equal(campaign.Id, e.CampaignId));
        Assert.Equal("order-a", history[0].OrderId);

        var byCampaign = await _admin.QueryAuditPageAsync(new AuditFilter { CampaignId = campaign.Id, Action = "campaign.created" });
        Assert.Single(byCampaign.Items);
        Assert.Null(byCampaign.NextCursor);
    }
}
