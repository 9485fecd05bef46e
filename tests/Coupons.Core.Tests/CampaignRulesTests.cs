using Coupons.Core;

namespace Coupons.Core.Tests;

public sealed class CampaignRulesTests
{
    public static TheoryData<CampaignStatus, CampaignCommand, Outcome, CampaignStatus> StatusChanges => new()
    {
        { CampaignStatus.Active, CampaignCommand.Pause, Outcome.Ok, CampaignStatus.Paused },
        { CampaignStatus.Active, CampaignCommand.Resume, Outcome.Replayed, CampaignStatus.Active },
        { CampaignStatus.Active, CampaignCommand.End, Outcome.Ok, CampaignStatus.Ended },
        { CampaignStatus.Paused, CampaignCommand.Pause, Outcome.Replayed, CampaignStatus.Paused },
        { CampaignStatus.Paused, CampaignCommand.Resume, Outcome.Ok, CampaignStatus.Active },
        { CampaignStatus.Paused, CampaignCommand.End, Outcome.Ok, CampaignStatus.Ended },
        { CampaignStatus.Ended, CampaignCommand.Pause, Outcome.CampaignEnded, CampaignStatus.Ended },
        { CampaignStatus.Ended, CampaignCommand.Resume, Outcome.CampaignEnded, CampaignStatus.Ended },
        { CampaignStatus.Ended, CampaignCommand.End, Outcome.Replayed, CampaignStatus.Ended },
    };

    [Theory]
    [MemberData(nameof(StatusChanges))]
    public void Every_status_answers_every_command(CampaignStatus current, CampaignCommand command, Outcome expected, CampaignStatus next)
    {
        Assert.Equal(expected, CampaignRules.ChangeStatus(current, command, out var after));
        Assert.Equal(next, after);
    }

    [Theory]
    [InlineData(CampaignStatus.Active, 10, 5, Outcome.Ok, 15)]
    [InlineData(CampaignStatus.Paused, 10, 5, Outcome.Ok, 15)]
    [InlineData(CampaignStatus.Ended, 10, 5, Outcome.CampaignEnded, 10)]
    [InlineData(CampaignStatus.Active, 10, CampaignDefinition.MaxStock - 10, Outcome.Ok, CampaignDefinition.MaxStock)]
    [InlineData(CampaignStatus.Active, 10, CampaignDefinition.MaxStock - 9, Outcome.StockCapExceeded, 10)]
    [InlineData(CampaignStatus.Ended, 10, CampaignDefinition.MaxStock, Outcome.CampaignEnded, 10)]
    [InlineData(CampaignStatus.Active, CampaignDefinition.MaxStock, long.MaxValue, Outcome.StockCapExceeded, CampaignDefinition.MaxStock)]
    public void Stock_is_added_up_to_the_cap_and_never_after_the_end(CampaignStatus status, long total, long add, Outcome expected, long next)
    {
        Assert.Equal(expected, CampaignRules.AddStock(status, total, add, out var after));
        Assert.Equal(next, after);
    }

    [Fact]
    public void Adding_nothing_is_a_bug_of_the_caller() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CampaignRules.AddStock(CampaignStatus.Active, 1, 0, out _));
}

public sealed class StatsDeltaTests
{
    [Fact]
    public void A_lock_then_a_use_moves_the_gauges()
    {
        Assert.Equal(new StatsDelta(1, 0, 0, 0, 0), StatsDelta.Of(CouponStatus.Unused, CouponStatus.Locked, CouponEvents.Locked));
        Assert.Equal(new StatsDelta(-1, 1, 0, 0, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Used, CouponEvents.Used));
        Assert.Equal(new StatsDelta(0, 1, 0, 0, 0), StatsDelta.Of(CouponStatus.Unused, CouponStatus.Used, CouponEvents.Used));
    }

    [Fact]
    public void Releases_and_lapses_both_count_as_released()
    {
        Assert.Equal(new StatsDelta(-1, 0, 0, 1, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Unused, CouponEvents.Released));
        Assert.Equal(new StatsDelta(-1, 0, 0, 1, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Unused, CouponEvents.Lapsed));
        // A lock that lapsed and whose validity passed in the same sweep: released once, expired once.
        Assert.Equal(new StatsDelta(-1, 0, 1, 1, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Expired, CouponEvents.Lapsed | CouponEvents.Expired));
    }

    [Fact]
    public void A_refund_returns_a_used_coupon()
    {
        Assert.Equal(new StatsDelta(0, -1, 0, 0, 1), StatsDelta.Of(CouponStatus.Used, CouponStatus.Unused, CouponEvents.Refunded));
        Assert.Equal(new StatsDelta(0, -1, 1, 0, 1), StatsDelta.Of(CouponStatus.Used, CouponStatus.Expired, CouponEvents.Refunded | CouponEvents.Expired));
    }

    [Fact]
    public void Nothing_changed_is_zero() => Assert.True(StatsDelta.Of(CouponStatus.Unused, CouponStatus.Unused, CouponEvents.None).IsZero);
}

public sealed class WireNamesTests
{
    [Fact]
    public void Every_status_reads_back_as_itself()
    {
        foreach (var status in Enum.GetValues<CouponStatus>())
        {
            Assert.Equal(status, WireNames.ParseCouponStatus(WireNames.Of(status)));
        }

        foreach (var status in Enum.GetValues<CampaignStatus>())
        {
            Assert.Equal(status, WireNames.ParseCampaignStatus(WireNames.Of(status)));
        }

        Assert.False(WireNames.TryParse("Unused", out CouponStatus _));
        Assert.False(WireNames.TryParse("", out CampaignStatus _));
        Assert.Throws<InvalidDataException>(() => WireNames.ParseCouponStatus("spent"));
    }

    [Fact]
    public void Events_have_one_spelling_in_streams_and_audit_actions()
    {
        var all = CouponEvents.Locked | CouponEvents.Used | CouponEvents.Released | CouponEvents.Lapsed | CouponEvents.Refunded | CouponEvents.Expired;
        Assert.Equal("locked,used,released,lock_lapsed,refunded,expired", WireNames.EventList(all));
        Assert.Equal(all, WireNames.ParseEventList(WireNames.EventList(all)));
        Assert.Equal("coupon.lock_lapsed+expired", WireNames.Actions.OfCoupon(CouponEvents.Lapsed | CouponEvents.Expired));
        Assert.Equal(WireNames.Actions.CouponClaimed, WireNames.Actions.OfCoupon(CouponEvents.None));
    }

    [Fact]
    public void Stream_entries_of_older_nodes_still_read() =>
        Assert.Equal(CouponEvents.Lapsed | CouponEvents.Expired, WireNames.ParseEventList("lapsed,expired"));

    [Fact]
    public void Status_changes_are_named_by_their_target()
    {
        Assert.Equal("campaign.paused", WireNames.Actions.OfStatusChange(CampaignRules.TargetOf(CampaignCommand.Pause)));
        Assert.Equal("campaign.resumed", WireNames.Actions.OfStatusChange(CampaignRules.TargetOf(CampaignCommand.Resume)));
        Assert.Equal("campaign.ended", WireNames.Actions.OfStatusChange(CampaignRules.TargetOf(CampaignCommand.End)));
    }
}
