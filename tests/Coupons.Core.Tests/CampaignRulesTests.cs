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
        Assert.Equal(new StatsDelta(1, 0, 0, 0, 0, 0), StatsDelta.Of(CouponStatus.Unused, CouponStatus.Locked, CouponEvents.Locked));
        Assert.Equal(new StatsDelta(-1, 1, 0, 0, 0, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Used, CouponEvents.Used));
        Assert.Equal(new StatsDelta(0, 1, 0, 0, 0, 0), StatsDelta.Of(CouponStatus.Unused, CouponStatus.Used, CouponEvents.Used));
    }

    [Fact]
    public void Releases_and_lapses_both_count_as_released()
    {
        Assert.Equal(new StatsDelta(-1, 0, 0, 0, 1, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Unused, CouponEvents.Released));
        Assert.Equal(new StatsDelta(-1, 0, 0, 0, 1, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Unused, CouponEvents.Lapsed));
        // A lock that lapsed and whose validity passed in the same sweep: released once, expired once.
        Assert.Equal(new StatsDelta(-1, 0, 1, 0, 1, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Expired, CouponEvents.Lapsed | CouponEvents.Expired));
    }

    [Fact]
    public void A_refund_returns_a_used_coupon()
    {
        Assert.Equal(new StatsDelta(0, -1, 0, 0, 0, 1), StatsDelta.Of(CouponStatus.Used, CouponStatus.Unused, CouponEvents.Refunded));
        Assert.Equal(new StatsDelta(0, -1, 1, 0, 0, 1), StatsDelta.Of(CouponStatus.Used, CouponStatus.Expired, CouponEvents.Refunded | CouponEvents.Expired));
    }

    [Fact]
    public void A_revoke_moves_the_gauges_only_and_a_lock_it_drops_is_not_released()
    {
        Assert.Equal(new StatsDelta(0, 0, 0, 1, 0, 0), StatsDelta.Of(CouponStatus.Unused, CouponStatus.Revoked, CouponEvents.Revoked));
        Assert.Equal(new StatsDelta(-1, 0, 0, 1, 0, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Revoked, CouponEvents.Revoked));
        // A lock that had lapsed when the revoke came: the lapse is counted released, as a sweep would have.
        Assert.Equal(new StatsDelta(-1, 0, 0, 1, 1, 0), StatsDelta.Of(CouponStatus.Locked, CouponStatus.Revoked, CouponEvents.Lapsed | CouponEvents.Revoked));
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
        var all = CouponEvents.Locked | CouponEvents.Used | CouponEvents.Released | CouponEvents.Lapsed | CouponEvents.Refunded | CouponEvents.Revoked | CouponEvents.Expired;
        Assert.Equal("locked,used,released,lock_lapsed,refunded,revoked,expired", WireNames.EventList(all));
        Assert.Equal(all, WireNames.ParseEventList(WireNames.EventList(all)));
        Assert.Equal("coupon.lock_lapsed+expired", WireNames.Actions.OfCoupon(CouponEvents.Lapsed | CouponEvents.Expired));
        Assert.Equal(WireNames.Actions.CouponClaimed, WireNames.Actions.OfCoupon(CouponEvents.None));
        // A revoke is named for what the admin did, whatever time changed on the way.
        Assert.Equal(WireNames.Actions.CouponRevoked, WireNames.Actions.OfCoupon(CouponEvents.Revoked));
        Assert.Equal("coupon.revoked", WireNames.Actions.OfCoupon(CouponEvents.Lapsed | CouponEvents.Revoked));
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

public sealed class CampaignFilterTests
{
    private const long Now = 1_750_000_000_000L;

    private static readonly CampaignDefinition Open = new()
    {
        Name = "Open",
        Discount = Discount.AmountOffOf(100),
        Validity = Validity.Relative(30),
    };

    [Theory]
    [InlineData(CampaignStatus.Active, true)]
    [InlineData(CampaignStatus.Paused, false)]
    [InlineData(CampaignStatus.Ended, false)]
    public void Claimable_is_the_claims_own_check(CampaignStatus status, bool listed)
    {
        Assert.Equal(listed, CampaignFilter.Claimable.Matches(status, Open, Now));
        Assert.False(CampaignFilter.Claimable.Matches(status, Open with { ClaimStartsAtMs = Now + 1 }, Now)); // not open yet
        Assert.False(CampaignFilter.Claimable.Matches(status, Open with { ClaimEndsAtMs = Now }, Now)); // closed
        Assert.False(CampaignFilter.Claimable.Matches(status, Open with { Validity = Validity.Absolute(null, Now) }, Now)); // nothing left to use
        Assert.Equal(listed, CampaignFilter.Claimable.Matches(status, Open with { ClaimStartsAtMs = Now, ClaimEndsAtMs = Now + 1 }, Now));
    }

    [Fact]
    public void A_status_filter_looks_at_the_stored_status_alone()
    {
        var later = Open with { ClaimStartsAtMs = Now + 1 };

        Assert.True(CampaignFilter.WithStatus(CampaignStatus.Active).Matches(CampaignStatus.Active, later, Now));
        Assert.False(CampaignFilter.WithStatus(CampaignStatus.Active).Matches(CampaignStatus.Paused, Open, Now));
        Assert.True(CampaignFilter.WithStatus(CampaignStatus.Ended).Matches(CampaignStatus.Ended, Open, Now));
        Assert.All(Enum.GetValues<CampaignStatus>(), s => Assert.True(CampaignFilter.All.Matches(s, later, Now)));
        Assert.Equal(CampaignFilter.All, default);
    }
}
