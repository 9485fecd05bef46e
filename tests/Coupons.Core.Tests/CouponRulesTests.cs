using Coupons.Core;

namespace Coupons.Core.Tests;

public sealed class CouponRulesTests
{
    private const long Day = 86_400_000L;
    private const long T0 = 1_750_000_000_000L;
    private const long ValidFrom = T0;
    private const long ValidTo = T0 + (10 * Day);
    private const long Now = T0 + Day;
    private const int TtlSeconds = 60;
    private const long MinOrder = 1_000;
    private const long Off = 500;
    private const long Amount = 2_000;
    private const string A = "order-a";
    private const string B = "order-b";

    private static readonly CampaignDefinition Terms = new()
    {
        Name = "Test",
        Discount = Discount.AmountOffOf(Off),
        MinOrderAmount = MinOrder,
        LockTtlSeconds = TtlSeconds,
        Validity = Validity.Absolute(ValidFrom, ValidTo),
    };

    private static readonly DiscountQuote QuoteAtAmount = new(true, Off, Amount - Off);

    // ---- states built by hand, named so the tables read ----

    private static CouponState Unused() => new() { Status = CouponStatus.Unused, ValidFromMs = ValidFrom, ValidToMs = ValidTo };

    private static CouponState LockedBy(string order, long expiresAt = Now + 30_000) => Unused() with
    {
        Status = CouponStatus.Locked,
        OrderId = order,
        OrderAmount = Amount,
        LockExpiresAtMs = expiresAt,
    };

    private static CouponState UsedBy(string order) => Unused() with
    {
        Status = CouponStatus.Used,
        OrderId = order,
        OrderAmount = Amount,
        UsedAtMs = Now - 1_000,
    };

    private static CouponState State(string scenario) => scenario switch
    {
        "unused" => Unused(),
        "unused-at-valid-from" => Unused() with { ValidFromMs = Now },
        "not-yet-valid" => Unused() with { ValidFromMs = Now + 1 },
        "unused-past-validity" => Unused() with { ValidToMs = Now }, // validTo == now: expired
        "unused-last-ms" => Unused() with { ValidToMs = Now + 1 },
        "locked-A" => LockedBy(A),
        "locked-B" => LockedBy(B),
        "locked-A-last-ms" => LockedBy(A, Now + 1),
        "lapsed-A" => LockedBy(A, Now), // lockExpiresAt == now: lapsed
        "lapsed-B" => LockedBy(B, Now),
        "locked-A-past-validity" => LockedBy(A) with { ValidToMs = Now - 1 },
        "locked-B-past-validity" => LockedBy(B) with { ValidToMs = Now - 1 },
        "lapsed-B-past-validity" => LockedBy(B, Now - 10) with { ValidToMs = Now - 1 },
        "used-A" => UsedBy(A),
        "used-B" => UsedBy(B),
        "used-A-past-validity" => UsedBy(A) with { ValidToMs = Now - 1 },
        "used-B-past-validity" => UsedBy(B) with { ValidToMs = Now - 1 },
        "expired" => Unused() with { Status = CouponStatus.Expired, ValidToMs = Now - 1 },
        "revoked" => Unused() with { Status = CouponStatus.Revoked },
        "revoked-past-validity" => Unused() with { Status = CouponStatus.Revoked, ValidToMs = Now - 1 },
        "refunded-A" => Unused() with { RefundedOrderId = A },
        "refunded-A-expired" => Unused() with { Status = CouponStatus.Expired, ValidToMs = Now - 1, RefundedOrderId = A },
        "refunded-A-locked-B" => LockedBy(B) with { RefundedOrderId = A },
        "refunded-A-used-B" => UsedBy(B) with { RefundedOrderId = A },
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "unknown scenario"),
    };

    private static (CouponStatus Status, long From, long To, string? Order, long Amount, long LockExpires, long UsedAt, string? Refunded) Fields(in CouponState s) =>
        (s.Status, s.ValidFromMs, s.ValidToMs, s.OrderId, s.OrderAmount, s.LockExpiresAtMs, s.UsedAtMs, s.RefundedOrderId);

    /// <summary>A refusal or a replay changes nothing but what time alone changes.</summary>
    private static void AssertOnlyNormalized(CouponState before, CouponState after, long nowMs, CouponEvents events)
    {
        var normalized = before;
        var timeEvents = CouponRules.Normalize(ref normalized, nowMs);
        Assert.Equal(Fields(normalized), Fields(after));
        Assert.Equal(timeEvents, events);
        if (timeEvents == CouponEvents.None)
        {
            Assert.Equal(Fields(before), Fields(after));
        }
    }

    // ---- claim ----

    [Theory]
    [InlineData(CampaignStatus.Active, null, null, 0, 10L, Outcome.Ok)]
    [InlineData(CampaignStatus.Active, null, null, 0, 1L, Outcome.Ok)]
    [InlineData(CampaignStatus.Active, null, null, 0, 0L, Outcome.SoldOut)]
    [InlineData(CampaignStatus.Active, null, null, 0, -1L, Outcome.SoldOut)]
    [InlineData(CampaignStatus.Active, null, null, 1, 10L, Outcome.LimitReached)]
    [InlineData(CampaignStatus.Active, null, null, 5, 10L, Outcome.LimitReached)]
    [InlineData(CampaignStatus.Active, null, null, 1, 0L, Outcome.LimitReached)] // limit beats sold out
    [InlineData(CampaignStatus.Paused, null, null, 0, 10L, Outcome.CampaignNotActive)]
    [InlineData(CampaignStatus.Ended, null, null, 0, 10L, Outcome.CampaignNotActive)]
    [InlineData(CampaignStatus.Paused, null, null, 1, 0L, Outcome.CampaignNotActive)] // not active beats both
    [InlineData(CampaignStatus.Active, Now + 1, null, 1, 0L, Outcome.CampaignNotActive)] // before the start
    [InlineData(CampaignStatus.Active, Now, null, 0, 10L, Outcome.Ok)] // exactly at the start
    [InlineData(CampaignStatus.Active, null, Now, 1, 0L, Outcome.CampaignNotActive)] // exactly at the end
    [InlineData(CampaignStatus.Active, null, Now + 1, 0, 10L, Outcome.Ok)]
    [InlineData(CampaignStatus.Active, Now - 1, Now + 1, 0, 10L, Outcome.Ok)]
    public void DecideClaim_checks_active_then_limit_then_stock(CampaignStatus status, long? startsAt, long? endsAt, int claimedByUser, long remaining, Outcome expected)
    {
        var terms = Terms with { ClaimStartsAtMs = startsAt, ClaimEndsAtMs = endsAt, Validity = Validity.Relative(30) };

        Assert.Equal(expected, CouponRules.DecideClaim(status, terms, claimedByUser, remaining, Now));
    }

    [Theory]
    [InlineData(3, 2, Outcome.Ok)]
    [InlineData(3, 3, Outcome.LimitReached)]
    [InlineData(CampaignDefinition.MaxPerUserLimit, CampaignDefinition.MaxPerUserLimit - 1, Outcome.Ok)]
    [InlineData(CampaignDefinition.MaxPerUserLimit, CampaignDefinition.MaxPerUserLimit, Outcome.LimitReached)]
    public void DecideClaim_allows_up_to_the_per_user_limit(int limit, int claimedByUser, Outcome expected)
    {
        Assert.Equal(expected, CouponRules.DecideClaim(CampaignStatus.Active, Terms with { PerUserLimit = limit }, claimedByUser, 1, Now));
    }

    [Theory]
    [InlineData(CampaignStatus.Active, null, null, null, true)]
    [InlineData(CampaignStatus.Paused, null, null, null, false)]
    [InlineData(CampaignStatus.Ended, null, null, null, false)]
    [InlineData(CampaignStatus.Active, Now, null, null, true)]
    [InlineData(CampaignStatus.Active, Now + 1, null, null, false)]
    [InlineData(CampaignStatus.Active, null, Now + 1, null, true)]
    [InlineData(CampaignStatus.Active, null, Now, null, false)]
    [InlineData(CampaignStatus.Active, null, null, Now + 1, true)] // absolute validity still open
    [InlineData(CampaignStatus.Active, null, null, Now, false)] // absolute validity over: nothing to hand out
    [InlineData(CampaignStatus.Paused, Now - 1, Now + 1, Now + 1, false)]
    public void IsClaimable_needs_active_inside_the_claim_window_and_validity(CampaignStatus status, long? startsAt, long? endsAt, long? validTo, bool expected)
    {
        var terms = Terms with
        {
            ClaimStartsAtMs = startsAt,
            ClaimEndsAtMs = endsAt,
            Validity = validTo is { } to ? Validity.Absolute(null, to) : Validity.Relative(1),
        };

        Assert.Equal(expected, CouponRules.IsClaimable(status, terms, Now));
    }

    // ---- normalize and observe ----

    [Theory]
    [InlineData("unused", CouponStatus.Unused, CouponEvents.None)]
    [InlineData("unused-last-ms", CouponStatus.Unused, CouponEvents.None)]
    [InlineData("unused-past-validity", CouponStatus.Expired, CouponEvents.Expired)]
    [InlineData("locked-A", CouponStatus.Locked, CouponEvents.None)]
    [InlineData("locked-A-last-ms", CouponStatus.Locked, CouponEvents.None)]
    [InlineData("lapsed-A", CouponStatus.Unused, CouponEvents.Lapsed)]
    [InlineData("locked-A-past-validity", CouponStatus.Expired, CouponEvents.Expired)]
    [InlineData("lapsed-B-past-validity", CouponStatus.Expired, CouponEvents.Lapsed | CouponEvents.Expired)]
    [InlineData("used-A", CouponStatus.Used, CouponEvents.None)]
    [InlineData("used-A-past-validity", CouponStatus.Used, CouponEvents.None)] // a used coupon never expires
    [InlineData("expired", CouponStatus.Expired, CouponEvents.None)]
    [InlineData("revoked", CouponStatus.Revoked, CouponEvents.None)]
    [InlineData("revoked-past-validity", CouponStatus.Revoked, CouponEvents.None)]
    [InlineData("not-yet-valid", CouponStatus.Unused, CouponEvents.None)]
    public void Normalize_applies_what_time_changes(string scenario, CouponStatus status, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var events = CouponRules.Normalize(ref state, Now);

        Assert.Equal(expectedEvents, events);
        Assert.Equal(status, state.Status);
        if (events == CouponEvents.None)
        {
            Assert.Equal(Fields(before), Fields(state));
        }
        else
        {
            Assert.Equal((status, before.ValidFromMs, before.ValidToMs, (string?)null, 0L, 0L, 0L, before.RefundedOrderId), Fields(state));
        }

        // Normalizing again at the same time changes nothing more.
        var again = state;
        Assert.Equal(CouponEvents.None, CouponRules.Normalize(ref again, Now));
        Assert.Equal(Fields(state), Fields(again));
    }

    [Theory]
    [InlineData("lapsed-A")]
    [InlineData("locked-A-past-validity")]
    [InlineData("unused-past-validity")]
    [InlineData("locked-A")]
    public void Observe_shows_the_normalized_state_without_changing_the_stored_one(string scenario)
    {
        var stored = State(scenario);
        var copy = stored;
        var normalized = stored;
        CouponRules.Normalize(ref normalized, Now);

        var observed = CouponRules.Observe(stored, Now);

        Assert.Equal(Fields(normalized), Fields(observed));
        Assert.Equal(Fields(copy), Fields(stored));
    }

    [Fact]
    public void An_order_given_by_its_amount_has_no_items_so_a_scoped_coupon_is_out_of_scope_and_free_shipping_takes_nothing()
    {
        Assert.Empty(Coupons.Core.Checkout.Scope.Create(["sku-1"], null, out var scope));
        var scoped = Terms with { Scope = scope };
        var state = Unused();
        Assert.Equal(Outcome.OutOfScope, CouponRules.Lock(ref state, scoped, A, Amount, Now, out _, out _));
        Assert.Equal(Outcome.OutOfScope, CouponRules.Redeem(ref state, scoped, A, Amount, Now, out _, out _));
        Assert.Equal(CouponStatus.Unused, state.Status);

        var shipping = Terms with { Discount = Discount.FreeShippingOf() };
        Assert.Equal(Outcome.Ok, CouponRules.Lock(ref state, shipping, A, Amount, Now, out var quote, out _));
        Assert.Equal(new DiscountQuote(true, 0, Amount), quote);
    }

    [Fact]
    public void A_lock_lapses_exactly_at_its_expiry_time()
    {
        var state = Unused();
        Assert.Equal(Outcome.Ok, CouponRules.Lock(ref state, Terms, A, Amount, Now, out _, out _));
        var expiresAt = Now + (TtlSeconds * 1000L);
        Assert.Equal(expiresAt, state.LockExpiresAtMs);

        Assert.Equal(CouponStatus.Locked, CouponRules.Observe(state, expiresAt - 1).Status);
        Assert.Equal(A, CouponRules.Observe(state, expiresAt - 1).OrderId);
        var lapsed = CouponRules.Observe(state, expiresAt);
        Assert.Equal((CouponStatus.Unused, (string?)null, 0L, 0L), (lapsed.Status, lapsed.OrderId, lapsed.OrderAmount, lapsed.LockExpiresAtMs));

        // Another order can take it at that very moment.
        var outcome = CouponRules.Lock(ref state, Terms, B, Amount, expiresAt, out var quote, out var events);
        Assert.Equal(Outcome.Ok, outcome);
        Assert.Equal(CouponEvents.Lapsed | CouponEvents.Locked, events);
        Assert.Equal(QuoteAtAmount, quote);
        Assert.Equal((CouponStatus.Locked, B, expiresAt + (TtlSeconds * 1000L)), (state.Status, state.OrderId, state.LockExpiresAtMs));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(CampaignDefinition.DefaultLockTtlSeconds)]
    [InlineData(CampaignDefinition.MaxLockTtlSeconds)]
    public void A_lock_lasts_lockTtlSeconds(int ttlSeconds)
    {
        var terms = Terms with { LockTtlSeconds = ttlSeconds, Validity = Validity.Relative(30) };
        var state = CouponRules.NewCoupon(terms, Now);

        Assert.Equal(Outcome.Ok, CouponRules.Lock(ref state, terms, A, Amount, Now, out _, out _));

        Assert.Equal(Now + (ttlSeconds * 1000L), state.LockExpiresAtMs);
    }

    // ---- lock ----

    [Theory]
    [InlineData("revoked", A, Amount, Outcome.CouponRevoked, CouponEvents.None)]
    [InlineData("revoked-past-validity", A, 10L, Outcome.CouponRevoked, CouponEvents.None)] // a revoked coupon does not expire
    [InlineData("expired", A, Amount, Outcome.CouponExpired, CouponEvents.None)]
    [InlineData("expired", A, 10L, Outcome.CouponExpired, CouponEvents.None)]
    [InlineData("unused-past-validity", A, Amount, Outcome.CouponExpired, CouponEvents.Expired)]
    [InlineData("locked-B-past-validity", A, Amount, Outcome.CouponExpired, CouponEvents.Expired)] // expired beats locked by other
    [InlineData("locked-A-past-validity", A, Amount, Outcome.CouponExpired, CouponEvents.Expired)] // even the holder's own lock
    [InlineData("lapsed-B-past-validity", A, Amount, Outcome.CouponExpired, CouponEvents.Lapsed | CouponEvents.Expired)]
    [InlineData("not-yet-valid", A, Amount, Outcome.CouponNotYetValid, CouponEvents.None)]
    [InlineData("not-yet-valid", A, 10L, Outcome.CouponNotYetValid, CouponEvents.None)] // beats below minimum
    [InlineData("used-B", A, Amount, Outcome.AlreadyUsed, CouponEvents.None)]
    [InlineData("used-B", A, 10L, Outcome.AlreadyUsed, CouponEvents.None)] // beats below minimum
    [InlineData("used-A", A, Amount, Outcome.AlreadyUsed, CouponEvents.None)] // its own order cannot lock it again
    [InlineData("used-B-past-validity", A, Amount, Outcome.AlreadyUsed, CouponEvents.None)] // a used coupon does not expire
    [InlineData("refunded-A-used-B", A, Amount, Outcome.AlreadyUsed, CouponEvents.None)]
    [InlineData("locked-B", A, Amount, Outcome.LockedByOtherOrder, CouponEvents.None)]
    [InlineData("locked-B", A, 10L, Outcome.LockedByOtherOrder, CouponEvents.None)] // beats below minimum
    [InlineData("locked-A", A, Amount + 1, Outcome.OrderMismatch, CouponEvents.None)]
    [InlineData("locked-A", A, 10L, Outcome.OrderMismatch, CouponEvents.None)] // beats below minimum
    [InlineData("unused", A, MinOrder - 1, Outcome.BelowMinimum, CouponEvents.None)]
    [InlineData("unused", A, 0L, Outcome.BelowMinimum, CouponEvents.None)]
    [InlineData("lapsed-B", A, MinOrder - 1, Outcome.BelowMinimum, CouponEvents.Lapsed)]
    public void Lock_refusals_come_in_precedence_order_and_change_nothing(string scenario, string order, long amount, Outcome expected, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Lock(ref state, Terms, order, amount, Now, out var quote, out var events);

        Assert.Equal(expected, outcome);
        Assert.False(outcome.IsSuccess());
        Assert.Equal(expectedEvents, events);
        Assert.False(quote.Applicable);
        Assert.Equal(0, quote.Discount);
        AssertOnlyNormalized(before, state, Now, events);
    }

    [Theory]
    [InlineData(10_000L, 500L, 9_999L)] // threshold one below
    [InlineData(10_000L, 500L, 0L)]
    public void Lock_below_the_threshold_is_below_minimum(long threshold, long off, long amount)
    {
        var terms = Terms with { Discount = Discount.ThresholdOf(threshold, off), MinOrderAmount = 0 };
        var state = Unused();

        var outcome = CouponRules.Lock(ref state, terms, A, amount, Now, out var quote, out var events);

        Assert.Equal(Outcome.BelowMinimum, outcome);
        Assert.Equal(new DiscountQuote(false, 0, amount), quote);
        Assert.Equal(CouponEvents.None, events);
        Assert.Equal(Fields(Unused()), Fields(state));
    }

    [Theory]
    [InlineData("unused", CouponEvents.Locked)]
    [InlineData("unused-at-valid-from", CouponEvents.Locked)]
    [InlineData("unused-last-ms", CouponEvents.Locked)]
    [InlineData("lapsed-A", CouponEvents.Lapsed | CouponEvents.Locked)]
    [InlineData("lapsed-B", CouponEvents.Lapsed | CouponEvents.Locked)]
    [InlineData("refunded-A", CouponEvents.Locked)]
    public void Lock_of_an_unused_coupon_takes_it_for_the_order(string scenario, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Lock(ref state, Terms, A, Amount, Now, out var quote, out var events);

        Assert.Equal(Outcome.Ok, outcome);
        Assert.Equal(expectedEvents, events);
        Assert.Equal(QuoteAtAmount, quote);
        Assert.Equal(
            (CouponStatus.Locked, before.ValidFromMs, before.ValidToMs, (string?)A, Amount, Now + (TtlSeconds * 1000L), 0L, before.RefundedOrderId),
            Fields(state));
    }

    [Theory]
    [InlineData(MinOrder)] // exactly at the minimum
    [InlineData(Money.MaxAmount)]
    public void Lock_accepts_the_minimum_and_the_largest_amount(long amount)
    {
        var state = Unused();

        Assert.Equal(Outcome.Ok, CouponRules.Lock(ref state, Terms, A, amount, Now, out var quote, out _));

        Assert.Equal(new DiscountQuote(true, Off, amount - Off), quote);
        Assert.Equal(amount, state.OrderAmount);
    }

    [Fact]
    public void Lock_again_by_the_same_order_and_amount_is_replayed_with_the_same_quote()
    {
        var terms = Terms with { Discount = Discount.PercentOffOf(15, 250) };
        var state = Unused();
        Assert.Equal(Outcome.Ok, CouponRules.Lock(ref state, terms, A, 1_234, Now, out var first, out _));
        var locked = state;

        var outcome = CouponRules.Lock(ref state, terms, A, 1_234, Now + 10_000, out var again, out var events);

        Assert.Equal(Outcome.Replayed, outcome);
        Assert.Equal(first, again);
        Assert.Equal(new DiscountQuote(true, 185, 1_049), again);
        Assert.Equal(CouponEvents.None, events);
        Assert.Equal(Fields(locked), Fields(state)); // the lock is not extended
    }

    [Fact]
    public void Lock_again_by_the_same_order_with_another_amount_is_order_mismatch()
    {
        var state = LockedBy(A);
        var before = state;

        var outcome = CouponRules.Lock(ref state, Terms, A, Amount + 100, Now, out var quote, out var events);

        Assert.Equal(Outcome.OrderMismatch, outcome);
        Assert.Equal(default, quote);
        Assert.Equal(CouponEvents.None, events);
        Assert.Equal(Fields(before), Fields(state));
    }

    [Fact]
    public void Lock_after_the_own_lock_lapsed_is_a_new_lock()
    {
        var state = Unused();
        CouponRules.Lock(ref state, Terms, A, Amount, Now, out _, out _);
        var later = Now + (TtlSeconds * 1000L);

        var outcome = CouponRules.Lock(ref state, Terms, A, Amount + 1, later, out var quote, out var events);

        Assert.Equal(Outcome.Ok, outcome);
        Assert.Equal(CouponEvents.Lapsed | CouponEvents.Locked, events);
        Assert.Equal(new DiscountQuote(true, Off, Amount + 1 - Off), quote);
        Assert.Equal(later + (TtlSeconds * 1000L), state.LockExpiresAtMs);
    }

    // ---- redeem ----

    [Theory]
    [InlineData("revoked", A, Amount, Outcome.CouponRevoked, CouponEvents.None)]
    [InlineData("revoked", A, null, Outcome.CouponRevoked, CouponEvents.None)] // beats amount required
    [InlineData("expired", A, Amount, Outcome.CouponExpired, CouponEvents.None)]
    [InlineData("unused-past-validity", A, Amount, Outcome.CouponExpired, CouponEvents.Expired)]
    [InlineData("unused-past-validity", A, null, Outcome.CouponExpired, CouponEvents.Expired)] // beats amount required
    [InlineData("locked-B-past-validity", A, Amount, Outcome.CouponExpired, CouponEvents.Expired)] // expired beats locked by other
    [InlineData("locked-A-past-validity", A, null, Outcome.CouponExpired, CouponEvents.Expired)] // a lock does not outlive the validity
    [InlineData("not-yet-valid", A, Amount, Outcome.CouponNotYetValid, CouponEvents.None)]
    [InlineData("not-yet-valid", A, null, Outcome.CouponNotYetValid, CouponEvents.None)]
    [InlineData("used-B", A, Amount, Outcome.AlreadyUsed, CouponEvents.None)]
    [InlineData("used-B", A, null, Outcome.AlreadyUsed, CouponEvents.None)]
    [InlineData("used-B-past-validity", A, Amount, Outcome.AlreadyUsed, CouponEvents.None)]
    [InlineData("refunded-A-used-B", A, Amount, Outcome.AlreadyUsed, CouponEvents.None)]
    [InlineData("locked-B", A, Amount, Outcome.LockedByOtherOrder, CouponEvents.None)]
    [InlineData("locked-B", A, null, Outcome.LockedByOtherOrder, CouponEvents.None)]
    [InlineData("locked-B", A, 10L, Outcome.LockedByOtherOrder, CouponEvents.None)]
    [InlineData("locked-A", A, Amount + 1, Outcome.OrderMismatch, CouponEvents.None)]
    [InlineData("used-A", A, Amount + 1, Outcome.OrderMismatch, CouponEvents.None)]
    [InlineData("used-A-past-validity", A, Amount + 1, Outcome.OrderMismatch, CouponEvents.None)]
    [InlineData("unused", A, null, Outcome.OrderAmountRequired, CouponEvents.None)]
    [InlineData("lapsed-A", A, null, Outcome.OrderAmountRequired, CouponEvents.Lapsed)] // the lock it would confirm is gone
    [InlineData("unused", A, MinOrder - 1, Outcome.BelowMinimum, CouponEvents.None)]
    [InlineData("lapsed-B", A, MinOrder - 1, Outcome.BelowMinimum, CouponEvents.Lapsed)]
    public void Redeem_refusals_come_in_precedence_order_and_change_nothing(string scenario, string order, long? amount, Outcome expected, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Redeem(ref state, Terms, order, amount, Now, out var quote, out var events);

        Assert.Equal(expected, outcome);
        Assert.False(outcome.IsSuccess());
        Assert.Equal(expectedEvents, events);
        Assert.False(quote.Applicable);
        AssertOnlyNormalized(before, state, Now, events);
    }

    [Theory]
    [InlineData("locked-A", null)]
    [InlineData("locked-A", Amount)]
    [InlineData("locked-A-last-ms", null)]
    public void Redeem_confirms_the_orders_lock(string scenario, long? amount)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Redeem(ref state, Terms, A, amount, Now, out var quote, out var events);

        Assert.Equal(Outcome.Ok, outcome);
        Assert.Equal(CouponEvents.Used, events);
        Assert.Equal(QuoteAtAmount, quote);
        Assert.Equal((CouponStatus.Used, ValidFrom, before.ValidToMs, (string?)A, Amount, 0L, Now, (string?)null), Fields(state));
    }

    [Theory]
    [InlineData("unused", CouponEvents.Used)]
    [InlineData("unused-at-valid-from", CouponEvents.Used)]
    [InlineData("lapsed-A", CouponEvents.Lapsed | CouponEvents.Used)]
    [InlineData("lapsed-B", CouponEvents.Lapsed | CouponEvents.Used)]
    [InlineData("refunded-A", CouponEvents.Used)]
    public void Redeem_uses_an_unused_coupon_in_one_step(string scenario, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Redeem(ref state, Terms, A, MinOrder, Now, out var quote, out var events);

        Assert.Equal(Outcome.Ok, outcome);
        Assert.Equal(expectedEvents, events);
        Assert.Equal(new DiscountQuote(true, Off, MinOrder - Off), quote);
        Assert.Equal((CouponStatus.Used, before.ValidFromMs, before.ValidToMs, (string?)A, MinOrder, 0L, Now, before.RefundedOrderId), Fields(state));
    }

    [Theory]
    [InlineData("used-A", null)]
    [InlineData("used-A", Amount)]
    [InlineData("used-A-past-validity", null)] // a used coupon never expires, so its replay still answers
    [InlineData("used-A-past-validity", Amount)]
    public void Redeem_again_by_the_same_order_is_replayed(string scenario, long? amount)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Redeem(ref state, Terms, A, amount, Now, out var quote, out var events);

        Assert.Equal(Outcome.Replayed, outcome);
        Assert.Equal(QuoteAtAmount, quote);
        Assert.Equal(CouponEvents.None, events);
        Assert.Equal(Fields(before), Fields(state));
    }

    [Fact]
    public void Lock_then_redeem_then_redeem_again_gives_the_same_quote_each_time()
    {
        var terms = Terms with { Discount = Discount.PercentOffOf(10), MinOrderAmount = 0 };
        var state = Unused();

        Assert.Equal(Outcome.Ok, CouponRules.Lock(ref state, terms, A, 9_999, Now, out var locked, out _));
        Assert.Equal(Outcome.Ok, CouponRules.Redeem(ref state, terms, A, null, Now + 1, out var used, out _));
        var afterUse = state;
        Assert.Equal(Outcome.Replayed, CouponRules.Redeem(ref state, terms, A, 9_999, Now + 2, out var replayed, out var events));

        Assert.Equal(new DiscountQuote(true, 999, 9_000), locked);
        Assert.Equal(locked, used);
        Assert.Equal(locked, replayed);
        Assert.Equal(CouponEvents.None, events);
        Assert.Equal(Fields(afterUse), Fields(state));
        Assert.Equal(Now + 1, state.UsedAtMs);
    }

    // ---- release ----

    [Theory]
    [InlineData("locked-A", A, Outcome.Ok, CouponEvents.Released, CouponStatus.Unused)]
    [InlineData("locked-A-last-ms", A, Outcome.Ok, CouponEvents.Released, CouponStatus.Unused)]
    [InlineData("locked-B", A, Outcome.LockedByOtherOrder, CouponEvents.None, CouponStatus.Locked)]
    [InlineData("used-A", A, Outcome.AlreadyUsed, CouponEvents.None, CouponStatus.Used)]
    [InlineData("used-B", A, Outcome.AlreadyUsed, CouponEvents.None, CouponStatus.Used)]
    [InlineData("unused", A, Outcome.Replayed, CouponEvents.None, CouponStatus.Unused)] // never locked: no-op success
    [InlineData("lapsed-A", A, Outcome.Replayed, CouponEvents.Lapsed, CouponStatus.Unused)] // lapsed already
    [InlineData("lapsed-B", A, Outcome.Replayed, CouponEvents.Lapsed, CouponStatus.Unused)]
    [InlineData("locked-B-past-validity", A, Outcome.Replayed, CouponEvents.Expired, CouponStatus.Expired)]
    [InlineData("expired", A, Outcome.Replayed, CouponEvents.None, CouponStatus.Expired)]
    [InlineData("not-yet-valid", A, Outcome.Replayed, CouponEvents.None, CouponStatus.Unused)]
    [InlineData("revoked", A, Outcome.Replayed, CouponEvents.None, CouponStatus.Revoked)] // the revoke dropped the order's lock
    public void Release_frees_only_the_orders_own_lock(string scenario, string order, Outcome expected, CouponEvents expectedEvents, CouponStatus status)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Release(ref state, order, Now, out var events);

        Assert.Equal(expected, outcome);
        Assert.Equal(expectedEvents, events);
        Assert.Equal(status, state.Status);
        if (outcome == Outcome.Ok)
        {
            Assert.Equal((CouponStatus.Unused, before.ValidFromMs, before.ValidToMs, (string?)null, 0L, 0L, 0L, before.RefundedOrderId), Fields(state));
        }
        else
        {
            AssertOnlyNormalized(before, state, Now, events);
        }
    }

    [Fact]
    public void Release_repeated_is_a_no_op_success()
    {
        var state = LockedBy(A);

        Assert.Equal(Outcome.Ok, CouponRules.Release(ref state, A, Now, out _));
        var released = state;
        Assert.Equal(Outcome.Replayed, CouponRules.Release(ref state, A, Now + 1, out var events));

        Assert.Equal(CouponEvents.None, events);
        Assert.Equal(Fields(released), Fields(state));
    }

    // ---- refund ----

    [Theory]
    [InlineData("used-A", CouponStatus.Unused, CouponEvents.Refunded)]
    [InlineData("used-A-past-validity", CouponStatus.Expired, CouponEvents.Refunded | CouponEvents.Expired)]
    public void Refund_returns_the_coupon(string scenario, CouponStatus status, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Refund(ref state, A, Now, out var events);

        Assert.Equal(Outcome.Ok, outcome);
        Assert.Equal(expectedEvents, events);
        Assert.Equal((status, before.ValidFromMs, before.ValidToMs, (string?)null, 0L, 0L, 0L, (string?)A), Fields(state));
    }

    [Fact]
    public void Refund_exactly_at_validTo_gives_an_expired_coupon()
    {
        var state = UsedBy(A) with { ValidToMs = Now };

        Assert.Equal(Outcome.Ok, CouponRules.Refund(ref state, A, Now, out var events));

        Assert.Equal(CouponStatus.Expired, state.Status);
        Assert.Equal(CouponEvents.Refunded | CouponEvents.Expired, events);
    }

    [Theory]
    [InlineData("refunded-A", Outcome.Replayed, CouponEvents.None)]
    [InlineData("refunded-A-expired", Outcome.Replayed, CouponEvents.None)]
    [InlineData("refunded-A-locked-B", Outcome.Replayed, CouponEvents.None)]
    [InlineData("unused", Outcome.NotRedeemed, CouponEvents.None)]
    [InlineData("locked-A", Outcome.NotRedeemed, CouponEvents.None)] // locked is not used
    [InlineData("lapsed-A", Outcome.NotRedeemed, CouponEvents.Lapsed)]
    [InlineData("expired", Outcome.NotRedeemed, CouponEvents.None)]
    [InlineData("revoked", Outcome.NotRedeemed, CouponEvents.None)]
    [InlineData("unused-past-validity", Outcome.NotRedeemed, CouponEvents.Expired)]
    [InlineData("used-B", Outcome.AlreadyUsed, CouponEvents.None)]
    [InlineData("used-B-past-validity", Outcome.AlreadyUsed, CouponEvents.None)]
    public void Refund_refusals_and_replays_change_nothing(string scenario, Outcome expected, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Refund(ref state, A, Now, out var events);

        Assert.Equal(expected, outcome);
        Assert.Equal(expectedEvents, events);
        AssertOnlyNormalized(before, state, Now, events);
    }

    [Fact]
    public void Refund_repeated_is_replayed_and_the_coupon_can_be_used_again()
    {
        var state = Unused();
        Assert.Equal(Outcome.Ok, CouponRules.Redeem(ref state, Terms, A, Amount, Now, out _, out _));
        Assert.Equal(Outcome.Ok, CouponRules.Refund(ref state, A, Now + 1, out _));
        var refunded = state;

        Assert.Equal(Outcome.Replayed, CouponRules.Refund(ref state, A, Now + 2, out var events));
        Assert.Equal(CouponEvents.None, events);
        Assert.Equal(Fields(refunded), Fields(state));
        Assert.Equal(Outcome.NotRedeemed, CouponRules.Refund(ref state, B, Now + 2, out _));

        Assert.Equal(Outcome.Ok, CouponRules.Lock(ref state, Terms, B, Amount, Now + 3, out _, out _));
        Assert.Equal(Outcome.Ok, CouponRules.Redeem(ref state, Terms, B, null, Now + 4, out _, out _));
        Assert.Equal((CouponStatus.Used, B), (state.Status, state.OrderId));
        Assert.Equal(Outcome.Ok, CouponRules.Refund(ref state, B, Now + 5, out _));
        Assert.Equal((CouponStatus.Unused, (string?)null, (string?)B), (state.Status, state.OrderId, state.RefundedOrderId));
    }

    [Fact]
    public void Refund_repeated_after_the_coupon_was_used_by_another_order_is_still_a_no_op_success()
    {
        var state = Unused();
        CouponRules.Redeem(ref state, Terms, A, Amount, Now, out _, out _);
        Assert.Equal(Outcome.Ok, CouponRules.Refund(ref state, A, Now + 1, out _));
        Assert.Equal(Outcome.Ok, CouponRules.Redeem(ref state, Terms, B, Amount, Now + 2, out _, out _));
        var usedByB = state;

        // The order system retries the refund of order A (say its first answer was lost).
        var outcome = CouponRules.Refund(ref state, A, Now + 3, out var events);

        Assert.Equal(Outcome.Replayed, outcome);
        Assert.Equal(CouponEvents.None, events);
        Assert.Equal(Fields(usedByB), Fields(state));
    }

    // ---- revoke ----

    [Theory]
    [InlineData("unused", CouponEvents.Revoked)]
    [InlineData("not-yet-valid", CouponEvents.Revoked)]
    [InlineData("unused-last-ms", CouponEvents.Revoked)]
    [InlineData("locked-A", CouponEvents.Revoked)] // the order's lock is dropped
    [InlineData("lapsed-A", CouponEvents.Lapsed | CouponEvents.Revoked)] // what time did first is kept
    [InlineData("refunded-A", CouponEvents.Revoked)]
    public void Revoke_takes_an_unused_or_locked_coupon_back(string scenario, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Revoke(ref state, Now, out var events);

        Assert.Equal(Outcome.Ok, outcome);
        Assert.Equal(expectedEvents, events);
        Assert.Equal((CouponStatus.Revoked, before.ValidFromMs, before.ValidToMs, (string?)null, 0L, 0L, 0L, before.RefundedOrderId), Fields(state));
    }

    [Theory]
    [InlineData("revoked", Outcome.Replayed, CouponEvents.None)]
    [InlineData("revoked-past-validity", Outcome.Replayed, CouponEvents.None)]
    [InlineData("expired", Outcome.CouponExpired, CouponEvents.None)]
    [InlineData("refunded-A-expired", Outcome.CouponExpired, CouponEvents.None)]
    [InlineData("unused-past-validity", Outcome.CouponExpired, CouponEvents.Expired)]
    [InlineData("locked-A-past-validity", Outcome.CouponExpired, CouponEvents.Expired)]
    [InlineData("lapsed-B-past-validity", Outcome.CouponExpired, CouponEvents.Lapsed | CouponEvents.Expired)]
    [InlineData("used-A", Outcome.AlreadyUsed, CouponEvents.None)]
    [InlineData("used-A-past-validity", Outcome.AlreadyUsed, CouponEvents.None)] // a used coupon never expires
    [InlineData("refunded-A-used-B", Outcome.AlreadyUsed, CouponEvents.None)]
    public void Revoke_refusals_and_replays_change_nothing_but_time(string scenario, Outcome expected, CouponEvents expectedEvents)
    {
        var before = State(scenario);
        var state = before;

        var outcome = CouponRules.Revoke(ref state, Now, out var events);

        Assert.Equal(expected, outcome);
        Assert.Equal(expectedEvents, events);
        AssertOnlyNormalized(before, state, Now, events);
    }

    [Fact]
    public void A_revoked_lock_refuses_its_order_redeem_and_lets_its_release_pass()
    {
        var state = LockedBy(A);
        Assert.Equal(Outcome.Ok, CouponRules.Revoke(ref state, Now, out _));
        var revoked = state;

        Assert.Equal(Outcome.CouponRevoked, CouponRules.Redeem(ref state, Terms, A, null, Now + 1, out _, out var redeemEvents));
        Assert.Equal(Outcome.CouponRevoked, CouponRules.Lock(ref state, Terms, B, Amount, Now + 1, out _, out _));
        Assert.Equal(Outcome.Replayed, CouponRules.Release(ref state, A, Now + 1, out _));
        Assert.Equal(Outcome.NotRedeemed, CouponRules.Refund(ref state, A, Now + 1, out _));
        Assert.Equal(Outcome.Replayed, CouponRules.Revoke(ref state, ValidTo + 1, out var later));
        Assert.Equal((CouponEvents.None, CouponEvents.None), (redeemEvents, later));
        Assert.Equal(Fields(revoked), Fields(state));
        Assert.Equal(CouponStatus.Revoked, CouponRules.Observe(state, ValidTo + 1).Status); // revoked for good: it never expires
    }

    // ---- the reader's view ----

    [Fact]
    public void Coupon_From_shows_order_fields_only_where_they_mean_something()
    {
        var id = Guid.NewGuid();
        var campaign = Guid.NewGuid();

        var locked = Coupon.From(id, campaign, "u1", T0, LockedBy(A), Terms);
        var used = Coupon.From(id, campaign, "u1", T0, UsedBy(A), Terms);
        var unused = Coupon.From(id, campaign, "u1", T0, Unused() with { OrderAmount = 7, UsedAtMs = 7, LockExpiresAtMs = 7 }, Terms);

        Assert.Equal((CouponStatus.Locked, (string?)A, (long?)Amount, (long?)(Now + 30_000), (long?)null), (locked.Status, locked.OrderId, locked.OrderAmount, locked.LockExpiresAtMs, locked.UsedAtMs));
        Assert.Equal((CouponStatus.Used, (string?)A, (long?)Amount, (long?)null, (long?)(Now - 1_000)), (used.Status, used.OrderId, used.OrderAmount, used.LockExpiresAtMs, used.UsedAtMs));
        Assert.Equal((CouponStatus.Unused, (string?)null, (long?)null, (long?)null, (long?)null), (unused.Status, unused.OrderId, unused.OrderAmount, unused.LockExpiresAtMs, unused.UsedAtMs));
        Assert.Equal((id, campaign, "u1", T0, ValidFrom, ValidTo, Terms.Discount, MinOrder), (used.Id, used.CampaignId, used.UserId, used.ClaimedAtMs, used.ValidFromMs, used.ValidToMs, used.Discount, used.MinOrderAmount));
    }

    // ---- outcome codes ----

    [Fact]
    public void Every_outcome_has_a_distinct_snake_case_code()
    {
        var values = Enum.GetValues<Outcome>();
        var codes = values.Select(o => o.ToCode()).ToList();

        Assert.Equal(values.Length, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, code => Assert.Matches("^[a-z]+(_[a-z]+)*$", code));
        Assert.All(values, o => Assert.InRange((int)o, 0, OutcomeCodes.Capacity - 1));
    }

    [Theory]
    [InlineData(Outcome.Ok, "ok")]
    [InlineData(Outcome.Replayed, "replayed")]
    [InlineData(Outcome.CampaignNotFound, "campaign_not_found")]
    [InlineData(Outcome.CampaignNotActive, "campaign_not_active")]
    [InlineData(Outcome.LimitReached, "limit_reached")]
    [InlineData(Outcome.SoldOut, "sold_out")]
    [InlineData(Outcome.CouponNotFound, "coupon_not_found")]
    [InlineData(Outcome.CouponExpired, "coupon_expired")]
    [InlineData(Outcome.CouponNotYetValid, "coupon_not_yet_valid")]
    [InlineData(Outcome.AlreadyUsed, "already_used")]
    [InlineData(Outcome.LockedByOtherOrder, "locked_by_other_order")]
    [InlineData(Outcome.OrderMismatch, "order_mismatch")]
    [InlineData(Outcome.OrderAmountRequired, "order_amount_required")]
    [InlineData(Outcome.BelowMinimum, "below_minimum")]
    [InlineData(Outcome.NotRedeemed, "not_redeemed")]
    [InlineData(Outcome.CouponRevoked, "coupon_revoked")]
    [InlineData(Outcome.CampaignEnded, "campaign_ended")]
    [InlineData(Outcome.StockCapExceeded, "stock_cap_exceeded")]
    [InlineData(Outcome.CodeNotFound, "code_not_found")]
    [InlineData(Outcome.CodeAlreadyClaimed, "code_already_claimed")]
    [InlineData(Outcome.CodeTaken, "code_taken")]
    public void ToCode_gives_the_code_of_the_contract(Outcome outcome, string code)
    {
        Assert.Equal(code, outcome.ToCode());
    }

    [Theory]
    [InlineData((Outcome)2)]
    [InlineData((Outcome)14)]
    [InlineData((Outcome)39)]
    [InlineData((Outcome)255)]
    public void ToCode_of_an_unknown_value_throws(Outcome outcome)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => outcome.ToCode());
    }

    [Fact]
    public void Refusals_are_every_outcome_but_success()
    {
        var values = Enum.GetValues<Outcome>();

        Assert.Equal(
            values.Where(o => o is not (Outcome.Ok or Outcome.Replayed)).Order(),
            OutcomeCodes.Refusals.Order());
        Assert.Equal(OutcomeCodes.Refusals.Count, OutcomeCodes.Refusals.Distinct().Count());
        Assert.All(values, o => Assert.Equal(o is Outcome.Ok or Outcome.Replayed, o.IsSuccess()));
    }

    public static TheoryData<Outcome[]> PrecedenceOrders => new()
    {
        new[] { Outcome.CampaignNotFound, Outcome.CampaignNotActive, Outcome.LimitReached, Outcome.SoldOut },
        new[] { Outcome.CouponNotFound, Outcome.CouponExpired, Outcome.AlreadyUsed, Outcome.LockedByOtherOrder, Outcome.BelowMinimum },
        new[]
        {
            Outcome.CouponNotFound, Outcome.CouponExpired, Outcome.CouponNotYetValid, Outcome.AlreadyUsed,
            Outcome.LockedByOtherOrder, Outcome.OrderMismatch, Outcome.OrderAmountRequired, Outcome.BelowMinimum,
        },
        new[] { Outcome.CampaignNotFound, Outcome.CampaignEnded },
        new[] { Outcome.CouponNotFound, Outcome.CouponExpired, Outcome.AlreadyUsed }, // revoke
    };

    [Theory]
    [MemberData(nameof(PrecedenceOrders))]
    public void Refusals_of_an_operation_ascend_in_precedence_order(Outcome[] precedence)
    {
        for (var i = 1; i < precedence.Length; i++)
        {
            Assert.True(precedence[i - 1] < precedence[i], $"{precedence[i - 1]} should come before {precedence[i]}");
        }

        Assert.All(precedence, o => Assert.True(o > Outcome.Replayed));
    }
}
