using Coupons.Core;

namespace Coupons.Core.Tests;

/// <summary>Which campaigns a node warms (<see cref="WarmUpRules"/>): now is 1,000,000 ms, the lead 1,000 ms.</summary>
public sealed class WarmUpRulesTests
{
    private const long Now = 1_000_000;
    private const long Lead = 1_000;

    private static CampaignDefinition Terms(long? startsAt = null, long? endsAt = null, long? validTo = null) => new()
    {
        Name = "Sale",
        Discount = Discount.AmountOffOf(100),
        ClaimStartsAtMs = startsAt,
        ClaimEndsAtMs = endsAt,
        Validity = validTo is { } to ? Validity.Absolute(null, to) : Validity.Relative(30),
    };

    [Theory]
    [InlineData(null, null, null, CampaignStatus.Active, true)] // open, no window
    [InlineData(Now - 5, null, null, CampaignStatus.Active, true)] // opened already
    [InlineData(Now + Lead, null, null, CampaignStatus.Active, true)] // opens just within the lead
    [InlineData(Now + Lead + 1, null, null, CampaignStatus.Active, false)] // opens just past it
    [InlineData(Now + 10, null, null, CampaignStatus.Paused, true)] // paused: may be resumed
    [InlineData(Now + 10, null, null, CampaignStatus.Ended, false)]
    [InlineData(Now - 50, Now, null, CampaignStatus.Active, false)] // the window has just closed
    [InlineData(Now - 50, Now + 1, null, CampaignStatus.Active, true)]
    [InlineData(null, null, Now, CampaignStatus.Active, false)] // absolute validity over
    public void A_campaign_is_due_while_a_claim_may_succeed_within_the_lead(long? startsAt, long? endsAt, long? validTo, CampaignStatus status, bool due)
    {
        var terms = Terms(startsAt, endsAt, validTo);

        Assert.Equal(due, WarmUpRules.IsDue(status, terms, Now, Lead));
    }

    [Fact]
    public void A_campaign_is_due_from_the_lead_before_its_start_and_at_once_without_one()
    {
        Assert.Equal(Now - Lead, WarmUpRules.DueAtMs(Terms(startsAt: Now), Lead));
        Assert.Equal(long.MinValue, WarmUpRules.DueAtMs(Terms(), Lead));
        Assert.True(WarmUpRules.IsOver(Terms(endsAt: Now), Now));
        Assert.False(WarmUpRules.IsOver(Terms(endsAt: Now + 1), Now));
    }
}
