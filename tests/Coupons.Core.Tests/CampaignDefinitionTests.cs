using Coupons.Core;

namespace Coupons.Core.Tests;

public sealed class CampaignDefinitionTests
{
    private const long Day = 86_400_000L;
    private const long T0 = 1_750_000_000_000L;

    private static CampaignDefinition Valid() => new()
    {
        Name = "Spring sale",
        Discount = Discount.AmountOffOf(500),
        Validity = Validity.Relative(30),
    };

    public static TheoryData<string, CampaignDefinition, long> Invalid => new()
    {
        { "name", Valid() with { Name = "" }, 100 },
        { "name", Valid() with { Name = "   " }, 100 },
        { "name", Valid() with { Name = "\t\n" }, 100 },
        { "name", Valid() with { Name = new string('x', CampaignDefinition.MaxNameLength + 1) }, 100 },
        { "minOrderAmount", Valid() with { MinOrderAmount = -1 }, 100 },
        { "minOrderAmount", Valid() with { MinOrderAmount = long.MinValue }, 100 },
        { "minOrderAmount", Valid() with { MinOrderAmount = Money.MaxAmount + 1 }, 100 },
        { "totalStock", Valid(), -1 },
        { "totalStock", Valid(), long.MinValue },
        { "totalStock", Valid(), CampaignDefinition.MaxStock + 1 },
        { "perUserLimit", Valid() with { PerUserLimit = 0 }, 100 },
        { "perUserLimit", Valid() with { PerUserLimit = -1 }, 100 },
        { "perUserLimit", Valid() with { PerUserLimit = CampaignDefinition.MaxPerUserLimit + 1 }, 100 },
        { "claimEndsAt", Valid() with { ClaimStartsAtMs = T0, ClaimEndsAtMs = T0 }, 100 },
        { "claimEndsAt", Valid() with { ClaimStartsAtMs = T0, ClaimEndsAtMs = T0 - 1 }, 100 },
        { "lockTtlSeconds", Valid() with { LockTtlSeconds = 0 }, 100 },
        { "lockTtlSeconds", Valid() with { LockTtlSeconds = -1 }, 100 },
        { "lockTtlSeconds", Valid() with { LockTtlSeconds = CampaignDefinition.MaxLockTtlSeconds + 1 }, 100 },
        { "validity", Valid() with { Validity = default }, 100 },
        { "validity", Valid() with { Validity = new Validity(T0, null, null) }, 100 },
        { "validity", Valid() with { Validity = new Validity(null, T0, 30) }, 100 },
        { "validity", Valid() with { Validity = new Validity(T0, null, 30) }, 100 },
        { "validity", Valid() with { Validity = new Validity(T0, T0 + Day, 30) }, 100 },
        { "validity.days", Valid() with { Validity = Validity.Relative(0) }, 100 },
        { "validity.days", Valid() with { Validity = Validity.Relative(-1) }, 100 },
        { "validity.days", Valid() with { Validity = Validity.Relative(Validity.MaxDays + 1) }, 100 },
        { "validity.to", Valid() with { Validity = Validity.Absolute(T0, T0) }, 100 },
        { "validity.to", Valid() with { Validity = Validity.Absolute(T0, T0 - 1) }, 100 },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_reports_the_bad_field_and_only_it(string field, CampaignDefinition definition, long initialStock)
    {
        var errors = definition.Validate(initialStock);

        var error = Assert.Single(errors);
        Assert.Equal(field, error.Key);
        Assert.False(string.IsNullOrWhiteSpace(error.Value));
    }

    public static TheoryData<CampaignDefinition, long> ValidDefinitions => new()
    {
        { Valid(), 100 },
        { Valid(), 0 },
        { Valid(), CampaignDefinition.MaxStock },
        { Valid() with { Name = "x" }, 1 },
        { Valid() with { Name = new string('x', CampaignDefinition.MaxNameLength) }, 1 },
        { Valid() with { MinOrderAmount = 0 }, 1 },
        { Valid() with { MinOrderAmount = Money.MaxAmount }, 1 },
        { Valid() with { PerUserLimit = 1 }, 1 },
        { Valid() with { PerUserLimit = CampaignDefinition.MaxPerUserLimit }, 1 },
        { Valid() with { ClaimStartsAtMs = T0, ClaimEndsAtMs = T0 + 1 }, 1 },
        { Valid() with { ClaimStartsAtMs = T0 }, 1 },
        { Valid() with { ClaimEndsAtMs = T0 }, 1 },
        { Valid() with { LockTtlSeconds = 1 }, 1 },
        { Valid() with { LockTtlSeconds = CampaignDefinition.MaxLockTtlSeconds }, 1 },
        { Valid() with { Validity = Validity.Relative(1) }, 1 },
        { Valid() with { Validity = Validity.Relative(Validity.MaxDays) }, 1 },
        { Valid() with { Validity = Validity.Absolute(null, T0) }, 1 },
        { Valid() with { Validity = Validity.Absolute(T0, T0 + 1) }, 1 },
        { Valid() with { Discount = Discount.PercentOffOf(100, 1), Validity = Validity.Absolute(T0 - Day, T0 + Day) }, 1 },
        { Valid() with { Discount = Discount.ThresholdOf(10_000, 1_500), MinOrderAmount = 5_000 }, 1 },
    };

    [Theory]
    [MemberData(nameof(ValidDefinitions))]
    public void Validate_finds_nothing_wrong_with_a_valid_definition(CampaignDefinition definition, long initialStock)
    {
        Assert.Empty(definition.Validate(initialStock));
    }

    [Fact]
    public void Validate_reports_every_bad_field_at_once()
    {
        var definition = new CampaignDefinition
        {
            Name = "",
            Discount = Discount.AmountOffOf(1),
            MinOrderAmount = -1,
            PerUserLimit = 0,
            ClaimStartsAtMs = T0,
            ClaimEndsAtMs = T0,
            LockTtlSeconds = 0,
            Validity = Validity.Relative(0),
        };

        var errors = definition.Validate(-1);

        Assert.Equal(
            ["claimEndsAt", "lockTtlSeconds", "minOrderAmount", "name", "perUserLimit", "totalStock", "validity.days"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Defaults_are_one_per_user_and_the_default_lock_ttl()
    {
        var definition = Valid();

        Assert.Equal(1, definition.PerUserLimit);
        Assert.Equal(CampaignDefinition.DefaultLockTtlSeconds, definition.LockTtlSeconds);
        Assert.Equal(900, CampaignDefinition.DefaultLockTtlSeconds);
        Assert.Equal(0, definition.MinOrderAmount);
        Assert.Null(definition.ClaimStartsAtMs);
        Assert.Null(definition.ClaimEndsAtMs);
    }

    [Theory]
    [InlineData(1, T0, T0, T0 + Day)]
    [InlineData(30, T0, T0, T0 + (30 * Day))]
    [InlineData(Validity.MaxDays, T0, T0, T0 + (Validity.MaxDays * Day))]
    [InlineData(7, 0L, 0L, 7 * Day)]
    public void WindowFor_a_relative_validity_starts_at_the_claim(int days, long claimedAt, long from, long to)
    {
        var validity = Validity.Relative(days);

        Assert.True(validity.IsRelative);
        Assert.Equal((from, to), validity.WindowFor(claimedAt));
    }

    [Theory]
    [InlineData(T0 - Day, T0 + Day, T0, T0 - Day, T0 + Day)] // claimed inside the window
    [InlineData(T0 + Day, T0 + (2 * Day), T0, T0 + Day, T0 + (2 * Day))] // claimed before it opens: starts later
    [InlineData(null, T0 + Day, T0, T0, T0 + Day)] // no from: valid from the claim
    public void WindowFor_an_absolute_validity_is_the_fixed_window(long? fromMs, long toMs, long claimedAt, long from, long to)
    {
        var validity = Validity.Absolute(fromMs, toMs);

        Assert.False(validity.IsRelative);
        Assert.Equal((from, to), validity.WindowFor(claimedAt));
        if (fromMs.HasValue)
        {
            Assert.Equal((from, to), validity.WindowFor(claimedAt + 12_345)); // the same window whenever claimed
        }
        else
        {
            Assert.Equal((claimedAt + 12_345, to), validity.WindowFor(claimedAt + 12_345));
        }
    }

    [Fact]
    public void NewCoupon_takes_its_window_from_the_validity()
    {
        var relative = CouponRules.NewCoupon(Valid() with { Validity = Validity.Relative(2) }, T0);
        var absolute = CouponRules.NewCoupon(Valid() with { Validity = Validity.Absolute(T0 + Day, T0 + (3 * Day)) }, T0);

        Assert.Equal((CouponStatus.Unused, T0, T0 + (2 * Day), (string?)null), (relative.Status, relative.ValidFromMs, relative.ValidToMs, relative.OrderId));
        Assert.Equal((CouponStatus.Unused, T0 + Day, T0 + (3 * Day), (string?)null), (absolute.Status, absolute.ValidFromMs, absolute.ValidToMs, absolute.OrderId));
    }

    [Fact]
    public void CampaignInfo_and_stats_report_remaining_stock()
    {
        var info = new CampaignInfo(Guid.NewGuid(), Valid(), CampaignStatus.Active, TotalStock: 100, Issued: 37, CreatedAtMs: T0);
        var stats = new CampaignStats(info.Id, 100, 100, 0, 0, 0, 0, 0, 0, new Dictionary<string, long>());

        Assert.Equal(63, info.RemainingStock);
        Assert.Equal(0, stats.RemainingStock);
    }
}
