using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>The record codec the store and the persister share, and what the sweeper watches; no server.</summary>
public sealed class LayoutTests
{
    public static TheoryData<CampaignDefinition> Definitions => new()
    {
        new CampaignDefinition { Name = "Amount", Discount = Discount.AmountOffOf(500), Validity = Validity.Relative(30) },
        new CampaignDefinition
        {
            Name = "Percent", Discount = Discount.PercentOffOf(15, 2_000), MinOrderAmount = 1_000, PerUserLimit = 3,
            ClaimStartsAtMs = 10, ClaimEndsAtMs = 20, Validity = Validity.Absolute(5, 50), LockTtlSeconds = 60,
        },
        new CampaignDefinition { Name = "Threshold", Discount = Discount.ThresholdOf(10_000, 1_500), Validity = Validity.Relative(7) },
    };

    [Theory]
    [MemberData(nameof(Definitions))]
    public void A_campaign_definition_reads_back_from_its_fields(CampaignDefinition definition)
    {
        var fields = CampaignRecord.DefinitionFields(definition);
        HashEntry[] hash =
        [
            .. fields.Chunk(2).Select(pair => new HashEntry(pair[0], pair[1])),
            new(CampaignRecord.Fields.Status, "paused"), new(CampaignRecord.Fields.Total, 40), new(CampaignRecord.Fields.CreatedAt, 7),
            new(CampaignRecord.Fields.Buckets, 4), new(CampaignRecord.Fields.Version, 3),
        ];
        var id = Guid.CreateVersion7();

        var record = CampaignRecord.FromHash(id, StoredFields.Of(hash));

        Assert.Equal(new CampaignRecord(id, definition, CampaignStatus.Paused, 40, 7, 4, 3), record);
    }

    [Fact]
    public void A_coupon_reads_back_from_its_event()
    {
        var (id, campaign) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        NameValueEntry[] entry =
        [
            new(StreamEvent.Fields.Event, "locked"), new(StreamEvent.Fields.Coupon, RedisKeys.Id(id)), new(StreamEvent.Fields.Campaign, RedisKeys.Id(campaign)),
            new(CouponRecord.Fields.User, "alice"), new(CouponRecord.Fields.ClaimedAt, 100), new(CouponRecord.Fields.IdempotencyKey, ""),
            new(CouponRecord.Fields.ValidFrom, 100), new(CouponRecord.Fields.ValidTo, 900), new(CouponRecord.Fields.Version, 2),
            new(CouponRecord.Fields.Status, "locked"), new(CouponRecord.Fields.OrderId, "order-1"), new(CouponRecord.Fields.OrderAmount, 2_000),
            new(CouponRecord.Fields.LockExpiresAt, 400), new(CouponRecord.Fields.UsedAt, 0), new(CouponRecord.Fields.RefundedOrderId, ""),
        ];

        var change = new StreamEvent("1-0", StoredFields.Of(entry));
        var coupon = CouponRecord.FromEvent(change.Values);

        Assert.Equal((EventKind.CouponChanged, CouponEvents.Locked), (change.Kind, change.CouponEvents));
        Assert.Equal((id, campaign, "alice", 100L, (string?)null, 2L), (coupon.Id, coupon.CampaignId, coupon.UserId, coupon.ClaimedAtMs, coupon.IdempotencyKey, coupon.Version));
        var expected = new CouponState
        {
            Status = CouponStatus.Locked,
            ValidFromMs = 100,
            ValidToMs = 900,
            OrderId = "order-1",
            OrderAmount = 2_000,
            LockExpiresAtMs = 400,
        };
        Assert.Equal(expected, coupon.State);
    }

    [Theory]
    [InlineData(CouponStatus.Unused, null, 900L)]
    [InlineData(CouponStatus.Locked, 400L, 900L)]
    [InlineData(CouponStatus.Used, null, null)]
    [InlineData(CouponStatus.Expired, null, null)]
    [InlineData(CouponStatus.Revoked, null, null)]
    public void The_sweeper_watches_what_time_alone_can_still_change(CouponStatus status, long? lockLapsesAtMs, long? validityEndsAtMs)
    {
        var state = new CouponState
        {
            Status = status,
            ValidFromMs = 100,
            ValidToMs = 900,
            OrderId = status is CouponStatus.Locked or CouponStatus.Used ? "order-1" : null,
            LockExpiresAtMs = status == CouponStatus.Locked ? 400 : 0,
        };

        Assert.Equal(new SweepWatch(lockLapsesAtMs, validityEndsAtMs), SweepWatch.Of(state));
    }
}
