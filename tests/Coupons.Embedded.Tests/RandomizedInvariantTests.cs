using System.Globalization;
using System.Text;
using Coupons.Core;

namespace Coupons.Embedded.Tests;

/// <summary>
/// Thousands of random operations with a fixed seed against the embedded store on real SQLite, side
/// by side with a model built from <see cref="CouponRules"/>. After every step the store must answer
/// as the model does and keep the four invariants of DESIGN.md on its own terms; every
/// <see cref="ReopenEvery"/> steps (and at the end) a new store on the same folder must recover the
/// very same state from disk.
/// </summary>
/// <remarks>
/// The sweep timer runs on the fake clock, so the model replays it exactly: it fires every
/// <see cref="SweepIntervalMs"/> after the store was opened, and FakeTimeProvider runs it at the
/// time an advance moves to, so an advance that passes a firing sweeps everything due by its end.
/// A failure names the seed, the step and the operation, and replays the same way.
/// </remarks>
public sealed class RandomizedInvariantTests
{
    private const int Steps = 3_000;
    private const int ReopenEvery = 250;
    private const int UserCount = 20;
    private const long SweepIntervalMs = 300_000;
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;

    private static readonly long[] Amounts = [0, 500, 999, 1_000, 1_499, 1_500, 2_500, 10_000];

    /// <summary>What every seed must have exercised, or the test proves little.</summary>
    private static readonly string[] MustSee =
    [
        "claim:ok", "claim:replayed", "claim:sold_out", "claim:limit_reached", "claim:campaign_not_active",
        "claim:campaign_not_found",
        "lock:ok", "lock:replayed", "lock:locked_by_other_order", "lock:already_used", "lock:below_minimum",
        "lock:coupon_expired", "lock:coupon_not_found",
        "redeem:ok", "redeem:replayed", "redeem:already_used", "redeem:order_amount_required",
        "release:ok", "release:replayed", "release:locked_by_other_order",
        "refund:ok", "refund:replayed", "refund:not_redeemed",
        "status:ok", "status:replayed", "stock:ok", "sweep:changed", "timer:lapsed", "timer:expired", "reopen",
    ];

    [Theory]
    [InlineData(20250615)]
    [InlineData(8675309)]
    public async Task Random_operations_keep_the_invariants_and_every_reopening_recovers_the_same_state(int seed)
    {
        using var test = TestStore.Create(o => o.SweepInterval = TimeSpan.FromMilliseconds(SweepIntervalMs));
        var run = new Run(test, seed);
        await run.CreateCampaignsAsync();
        await run.CheckAsync();
        for (var step = 1; step <= Steps; step++)
        {
            try
            {
                await run.StepAsync();
                await run.CheckAsync();
                if (step % ReopenEvery == 0)
                {
                    await run.ReopenAsync();
                }
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException(
                    $"seed {seed}, step {step}, at {test.Time.GetUtcNow():O}, after: {run.LastOperation}\n{exception.Message}", exception);
            }
        }

        await run.ReopenAsync();
        var missing = MustSee.Where(s => !run.Seen.Contains(s)).ToList();
        Assert.True(missing.Count == 0, $"seed {seed} never saw: {string.Join(", ", missing)}; saw: {string.Join(", ", run.Seen.Order())}");
    }

    private delegate Outcome Rule(ref CouponState state, long nowMs, out DiscountQuote quote, out CouponEvents events);

    private sealed class Run(TestStore test, int seed)
    {
        private readonly Random _random = new(seed);
        private readonly List<CampaignModel> _campaigns = [];
        private readonly List<CouponModel> _coupons = [];
        private readonly Dictionary<(Guid Campaign, string User), int> _claimed = [];
        private readonly Dictionary<(Guid Campaign, string User, string Key), CouponModel> _keys = [];
        private long _openedAtMs = test.NowMs;

        public HashSet<string> Seen { get; } = new(StringComparer.Ordinal);

        public string LastOperation { get; private set; } = "start";

        private EmbeddedCouponStore Store => test.Store;

        private long Now => test.NowMs;

        public async Task CreateCampaignsAsync()
        {
            var s = Now;
            await AddCampaignAsync(5, new CampaignDefinition
            {
                Name = "A amount off, one each",
                Discount = Discount.AmountOffOf(300),
                MinOrderAmount = 1_000,
                PerUserLimit = 1,
                LockTtlSeconds = 600,
                Validity = Validity.Absolute(null, s + (6 * Hour)),
            });
            await AddCampaignAsync(8, new CampaignDefinition
            {
                Name = "B percent off, a day from the claim",
                Discount = Discount.PercentOffOf(20, maxDiscount: 400),
                PerUserLimit = 2,
                LockTtlSeconds = 900,
                Validity = Validity.Relative(1),
            });
            await AddCampaignAsync(6, new CampaignDefinition
            {
                Name = "C threshold, valid later, claims end",
                Discount = Discount.ThresholdOf(1_500, 500),
                PerUserLimit = 3,
                LockTtlSeconds = 240,
                ClaimEndsAtMs = s + (20 * Hour),
                Validity = Validity.Absolute(s + (10 * Minute), s + (30 * Hour)),
            });
            await AddCampaignAsync(4, new CampaignDefinition
            {
                Name = "D amount off, claims start later",
                Discount = Discount.AmountOffOf(100),
                PerUserLimit = 2,
                LockTtlSeconds = 1_800,
                ClaimStartsAtMs = s + (30 * Minute),
                Validity = Validity.Absolute(null, s + (12 * Hour)),
            });
        }

        public async Task StepAsync()
        {
            var roll = _random.Next(100);
            if (_coupons.Count == 0 && roll is >= 28 and < 73)
            {
                roll = 0;
            }

            switch (roll)
            {
                case < 28:
                    await ClaimAsync(Pick(_campaigns), User(), _random.Next(2) == 0 ? null : "key-" + _random.Next(3).ToString(CultureInfo.InvariantCulture));
                    break;
                case < 42:
                    {
                        var coupon = Pick(_coupons);
                        var (order, amount) = (OrderFor(coupon), AmountFor(coupon));
                        var owner = Owner(coupon);
                        await ChangeAsync("lock", coupon, owner, order,
                            (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                                CouponRules.Lock(ref state, coupon.Campaign.Terms, order, amount, now, out quote, out events),
                            async () => ToTuple(await Store.LockAsync(coupon.Id, owner, order, amount)),
                            $"lock {Describe(coupon)} owner {owner ?? "-"} for {order} at {amount}");
                        break;
                    }

                case < 56:
                    {
                        var coupon = Pick(_coupons);
                        var order = OrderFor(coupon);
                        long? amount = _random.Next(5) == 0 ? null : AmountFor(coupon);
                        var owner = Owner(coupon);
                        await ChangeAsync("redeem", coupon, owner, order,
                            (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                                CouponRules.Redeem(ref state, coupon.Campaign.Terms, order, amount, now, out quote, out events),
                            async () => ToTuple(await Store.RedeemAsync(coupon.Id, owner, order, amount)),
                            $"redeem {Describe(coupon)} owner {owner ?? "-"} for {order} at {amount?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
                        break;
                    }

                case < 63:
                    {
                        var coupon = Pick(_coupons);
                        var order = OrderFor(coupon);
                        var owner = Owner(coupon);
                        await ChangeAsync("release", coupon, owner, order,
                            (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                            {
                                quote = default;
                                return CouponRules.Release(ref state, order, now, out events);
                            },
                            async () => ToTuple(await Store.ReleaseAsync(coupon.Id, owner, order)),
                            $"release {Describe(coupon)} owner {owner ?? "-"} for {order}");
                        break;
                    }

                case < 70:
                    {
                        var coupon = Pick(_coupons);
                        var order = OrderFor(coupon);
                        var owner = Owner(coupon);
                        await ChangeAsync("refund", coupon, owner, order,
                            (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                            {
                                quote = default;
                                return CouponRules.Refund(ref state, order, now, out events);
                            },
                            async () => ToTuple(await Store.RefundAsync(coupon.Id, owner, order)),
                            $"refund {Describe(coupon)} owner {owner ?? "-"} for {order}");
                        break;
                    }

                case < 73:
                    await UnknownCouponAsync();
                    break;
                case < 77:
                    await ChangeStatusAsync(Pick(_campaigns));
                    break;
                case < 81:
                    await AddStockAsync(Pick(_campaigns), 1 + _random.Next(3));
                    break;
                case < 92:
                    Advance();
                    break;
                case < 96:
                    await SweepAsync();
                    break;
                default:
                    await ClaimAsync(null, User(), null);
                    break;
            }
        }

        /// <summary>The store answers as the model does, and keeps the four invariants on its own terms.</summary>
        public async Task CheckAsync()
        {
            var now = Now;
            foreach (var campaign in _campaigns)
            {
                var info = await Store.GetCampaignAsync(campaign.Id);
                Assert.NotNull(info);

                // Invariant 1: never more issued than stocked.
                Assert.True(info.Issued <= info.TotalStock, $"{campaign.Terms.Name}: issued {info.Issued} > stock {info.TotalStock}");
                Assert.Equal(info.TotalStock, info.Issued + info.RemainingStock);
                Assert.Equal(campaign.ToInfo(), info);

                var mine = _coupons.Where(c => c.Campaign == campaign).ToList();
                var stats = await Store.GetStatsAsync(campaign.Id);
                Assert.NotNull(stats);
                Assert.Equal(campaign.ExpectedStats(mine), Describe(stats));

                // The counters agree with the coupons as the store shows them.
                var shown = new List<Coupon>();
                foreach (var coupon in mine)
                {
                    var result = await Store.GetCouponAsync(coupon.Id, coupon.UserId);
                    Assert.Equal(Outcome.Ok, result.Outcome);
                    Assert.Equal(coupon.Seen(now), result.Coupon);
                    shown.Add(result.Coupon!);
                }

                Assert.Equal(info.Issued, shown.Count);
                Assert.Equal(shown.Count(c => c.Status == CouponStatus.Used), stats.Used);
                Assert.True(shown.Count(c => c.Status == CouponStatus.Locked) <= stats.Locked, "a coupon shown locked is not counted locked");
                Assert.True(shown.Count(c => c.Status == CouponStatus.Expired) >= stats.Expired, "a coupon counted expired is not shown expired");
            }

            // Invariant 2, and the listing: each user's coupons, page by page, in id order.
            for (var u = 0; u < UserCount; u++)
            {
                var user = Terms.User(u);
                var listed = await ListAllAsync(user, null, 3);
                var expected = _coupons.Where(c => c.UserId == user).OrderBy(c => c.Id).Select(c => c.Seen(now)).ToList();
                Assert.Equal(expected, listed);
                foreach (var group in listed.GroupBy(c => c.CampaignId))
                {
                    var limit = _campaigns.Single(c => c.Id == group.Key).Terms.PerUserLimit;
                    Assert.True(group.Count() <= limit, $"{user} holds {group.Count()} coupons of a campaign with a limit of {limit}");
                }
            }

            var someone = User();
            var status = (CouponStatus)(1 + _random.Next(4));
            var filtered = await ListAllAsync(someone, status, 2);
            Assert.Equal(
                _coupons.Where(c => c.UserId == someone).OrderBy(c => c.Id).Select(c => c.Seen(now)).Where(c => c.Status == status).ToList(),
                filtered);
        }

        /// <summary>Closes the store, opens a new one on the same folder, and compares all it shows.</summary>
        public async Task ReopenAsync()
        {
            LastOperation = "reopen";
            var before = await SnapshotAsync();
            test.Reopen();
            _openedAtMs = Now;
            var after = await SnapshotAsync();
            Assert.Equal(before.Campaigns, after.Campaigns);
            Assert.Equal(before.Stats, after.Stats);
            Assert.Equal(before.Coupons, after.Coupons);
            Assert.Equal(before.Listed, after.Listed);
            await CheckAsync();
            Seen.Add("reopen");
        }

        private async Task AddCampaignAsync(long stock, CampaignDefinition terms)
        {
            var info = await Store.CreateCampaignAsync(terms, stock);
            Assert.Equal(new CampaignInfo(info.Id, terms, CampaignStatus.Active, stock, 0, Now), info);
            _campaigns.Add(new CampaignModel(info));
        }

        private async Task ClaimAsync(CampaignModel? campaign, string user, string? key)
        {
            var now = Now;
            LastOperation = $"claim {campaign?.Terms.Name ?? "(unknown campaign)"} by {user} with key {key ?? "-"}";
            CouponModel? replayed = null;
            Outcome expected;
            if (campaign is null)
            {
                expected = Outcome.CampaignNotFound;
            }
            else if (key is not null && _keys.TryGetValue((campaign.Id, user, key), out replayed))
            {
                expected = Outcome.Replayed;
            }
            else
            {
                expected = CouponRules.DecideClaim(
                    campaign.Status, campaign.Terms, _claimed.GetValueOrDefault((campaign.Id, user)), campaign.TotalStock - campaign.Issued, now);
            }

            var result = await Store.ClaimAsync(campaign?.Id ?? UnknownId(), user, key);
            Assert.Equal(expected, result.Outcome);
            Seen.Add("claim:" + expected.ToCode());
            switch (expected)
            {
                case Outcome.Ok:
                    {
                        Assert.NotNull(result.Coupon);
                        Assert.DoesNotContain(_coupons, c => c.Id == result.Coupon.Id);
                        var coupon = new CouponModel(result.Coupon.Id, campaign!, user, now, CouponRules.NewCoupon(campaign!.Terms, now));
                        Assert.Equal(coupon.Seen(now), result.Coupon);
                        _coupons.Add(coupon);
                        _claimed[(campaign.Id, user)] = _claimed.GetValueOrDefault((campaign.Id, user)) + 1;
                        if (key is not null)
                        {
                            _keys[(campaign.Id, user, key)] = coupon;
                        }

                        campaign.Issued++;
                        break;
                    }

                case Outcome.Replayed:
                    Assert.Equal(replayed!.Seen(now), result.Coupon);
                    break;
                case Outcome.CampaignNotFound:
                    Assert.Null(result.Coupon);
                    break;
                default:
                    Assert.Null(result.Coupon);
                    campaign!.Reject(expected);
                    break;
            }
        }

        private async Task ChangeAsync(
            string name, CouponModel coupon, string? owner, string order, Rule rule,
            Func<Task<(Outcome Outcome, Coupon? Coupon, DiscountQuote Quote)>> call, string description)
        {
            LastOperation = description;
            var now = Now;
            if (owner is not null && owner != coupon.UserId)
            {
                // Someone else's coupon is not found, and nothing is counted or changed.
                Assert.Equal((Outcome.CouponNotFound, (Coupon?)null, default(DiscountQuote)), await call());
                Seen.Add(name + ":coupon_not_found");
                return;
            }

            var state = coupon.State;
            var expected = rule(ref state, now, out var quote, out var events);
            var (outcome, shown, shownQuote) = await call();
            Assert.Equal(expected, outcome);
            Assert.Equal(quote, shownQuote);
            Assert.Equal(coupon.With(state), shown);
            Seen.Add(name + ":" + expected.ToCode());
            if (events != CouponEvents.None)
            {
                coupon.State = state;
                coupon.Campaign.Count(events);
            }

            if (!expected.IsSuccess())
            {
                coupon.Campaign.Reject(expected);
            }

            // Invariant 3, on the store's answers alone: a used coupon is not used again until refunded.
            if (outcome == Outcome.Ok && name == "redeem")
            {
                Assert.True(coupon.UsedBy is null, $"{order} redeemed a coupon {coupon.UsedBy} had used and not refunded");
                coupon.UsedBy = order;
            }
            else if (outcome == Outcome.Ok && name == "refund")
            {
                Assert.Equal(coupon.UsedBy, order);
                coupon.UsedBy = null;
            }
        }

        private async Task UnknownCouponAsync()
        {
            LastOperation = "unknown coupon";
            var id = UnknownId();
            Assert.Equal(new CouponResult(Outcome.CouponNotFound, null), await Store.GetCouponAsync(id, null));
            var locked = await Store.LockAsync(id, null, Order(), 1_000);
            Assert.Equal((Outcome.CouponNotFound, (Coupon?)null), (locked.Outcome, locked.Coupon));
            Seen.Add("lock:coupon_not_found");
            if (_coupons.Count > 0)
            {
                var coupon = Pick(_coupons);
                var other = Terms.User((int.Parse(coupon.UserId.AsSpan(5), CultureInfo.InvariantCulture) + 1) % UserCount);
                Assert.Equal(new CouponResult(Outcome.CouponNotFound, null), await Store.GetCouponAsync(coupon.Id, other));
            }
        }

        private async Task ChangeStatusAsync(CampaignModel campaign)
        {
            // Ending is for good, so only the last campaign is ever ended, and rarely.
            var command = campaign == _campaigns[^1] && _random.Next(15) == 0
                ? CampaignCommand.End
                : _random.Next(2) == 0 ? CampaignCommand.Pause : CampaignCommand.Resume;
            LastOperation = $"{command} {campaign.Terms.Name}";
            var target = command switch
            {
                CampaignCommand.Pause => CampaignStatus.Paused,
                CampaignCommand.Resume => CampaignStatus.Active,
                _ => CampaignStatus.Ended,
            };
            var expected = campaign.Status == target ? Outcome.Replayed
                : campaign.Status == CampaignStatus.Ended ? Outcome.CampaignEnded
                : Outcome.Ok;
            var result = await Store.ChangeCampaignStatusAsync(campaign.Id, command);
            Assert.Equal(expected, result.Outcome);
            if (expected == Outcome.Ok)
            {
                campaign.Status = target;
            }

            Assert.Equal(campaign.ToInfo(), result.Campaign);
            Seen.Add("status:" + expected.ToCode());
        }

        private async Task AddStockAsync(CampaignModel campaign, long add)
        {
            LastOperation = $"add {add} to {campaign.Terms.Name}";
            var expected = campaign.Status == CampaignStatus.Ended ? Outcome.CampaignEnded : Outcome.Ok;
            var result = await Store.AddStockAsync(campaign.Id, add);
            Assert.Equal(expected, result.Outcome);
            if (expected == Outcome.Ok)
            {
                campaign.TotalStock += add;
            }

            Assert.Equal(campaign.ToInfo(), result.Campaign);
            Seen.Add("stock:" + expected.ToCode());
        }

        /// <summary>Moves the fake clock; the store's sweep timer fires on the way, and the model replays it.</summary>
        private void Advance()
        {
            var roll = _random.Next(100);
            var delta = roll switch
            {
                < 75 => _random.NextInt64(1_000, 90_000),
                < 97 => _random.NextInt64(2 * Minute, 20 * Minute),
                _ => _random.NextInt64(Hour, 3 * Hour),
            };
            LastOperation = $"advance {delta} ms";
            var from = Now;
            var to = from + delta;

            // FakeTimeProvider moves the clock to its target first and then runs every timer due by then,
            // so each firing on the way sweeps at the target time.
            var nextFiring = _openedAtMs + ((((from - _openedAtMs) / SweepIntervalMs) + 1) * SweepIntervalMs);
            if (nextFiring <= to)
            {
                foreach (var coupon in _coupons)
                {
                    var state = coupon.State;
                    var events = CouponRules.Normalize(ref state, to);
                    if (events != CouponEvents.None)
                    {
                        coupon.State = state;
                        coupon.Campaign.Count(events);
                        Seen.Add((events & CouponEvents.Lapsed) != 0 ? "timer:lapsed" : "timer:expired");
                    }
                }
            }

            test.Time.Advance(TimeSpan.FromMilliseconds(delta));
        }

        private async Task SweepAsync()
        {
            LastOperation = "sweep";
            var now = Now;
            var expected = 0;
            foreach (var coupon in _coupons)
            {
                var state = coupon.State;
                var events = CouponRules.Normalize(ref state, now);
                if (events != CouponEvents.None)
                {
                    coupon.State = state;
                    coupon.Campaign.Count(events);
                    expected++;
                }
            }

            Assert.Equal(expected, Store.Sweep());
            if (expected > 0)
            {
                Seen.Add("sweep:changed");
            }

            // Swept, the counters equal the coupons as shown, exactly.
            foreach (var campaign in _campaigns)
            {
                var stats = (await Store.GetStatsAsync(campaign.Id))!;
                var shown = new List<Coupon>();
                foreach (var coupon in _coupons.Where(c => c.Campaign == campaign))
                {
                    shown.Add((await Store.GetCouponAsync(coupon.Id, null)).Coupon!);
                }

                Assert.Equal(shown.Count(c => c.Status == CouponStatus.Locked), stats.Locked);
                Assert.Equal(shown.Count(c => c.Status == CouponStatus.Used), stats.Used);
                Assert.Equal(shown.Count(c => c.Status == CouponStatus.Expired), stats.Expired);
            }
        }

        private async Task<Snapshot> SnapshotAsync()
        {
            var campaigns = new List<CampaignInfo>();
            Guid? after = null;
            do
            {
                var page = await Store.ListCampaignsAsync(after, 3);
                campaigns.AddRange(page.Items);
                after = page.NextAfter;
            }
            while (after is not null);

            var stats = new List<string>();
            foreach (var campaign in campaigns)
            {
                stats.Add(Describe((await Store.GetStatsAsync(campaign.Id))!));
            }

            var coupons = new List<Coupon>();
            foreach (var coupon in _coupons.OrderBy(c => c.Id))
            {
                coupons.Add((await Store.GetCouponAsync(coupon.Id, null)).Coupon!);
            }

            var listed = new List<Coupon>();
            for (var u = 0; u < UserCount; u++)
            {
                listed.AddRange(await ListAllAsync(Terms.User(u), null, 4));
            }

            return new Snapshot(campaigns, stats, coupons, listed);
        }

        private async Task<List<Coupon>> ListAllAsync(string user, CouponStatus? status, int limit)
        {
            var all = new List<Coupon>();
            Guid? after = null;
            while (true)
            {
                var page = await Store.ListUserCouponsAsync(user, status, after, limit);
                Assert.True(page.Items.Count <= limit);
                all.AddRange(page.Items);
                if (page.NextAfter is not { } next)
                {
                    return all;
                }

                Assert.Equal(limit, page.Items.Count);
                Assert.Equal(page.Items[^1].Id, next);
                after = next;
            }
        }

        private static string Describe(CampaignStats stats) => CampaignModel.Describe(
            stats.TotalStock, stats.Issued, stats.Locked, stats.Used, stats.Released, stats.Refunded, stats.Expired, stats.Rejected);

        private static string Describe(CouponModel coupon) =>
            $"{coupon.Id} of {coupon.UserId} in {coupon.Campaign.Terms.Name} ({coupon.State.Status}, order {coupon.State.OrderId ?? "-"})";

        private static (Outcome, Coupon?, DiscountQuote) ToTuple(Redemption r) => (r.Outcome, r.Coupon, r.Quote);

        private static (Outcome, Coupon?, DiscountQuote) ToTuple(CouponResult r) => (r.Outcome, r.Coupon, default);

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        private string User() => Terms.User(_random.Next(UserCount));

        private string Order() => "order-" + _random.Next(4).ToString(CultureInfo.InvariantCulture);

        /// <summary>Half the time the order the coupon is held or used by (or was refunded to), so replays happen.</summary>
        private string OrderFor(CouponModel coupon) =>
            coupon.State.OrderId is { } held && _random.Next(2) == 0 ? held
            : coupon.State.RefundedOrderId is { } refunded && _random.Next(4) == 0 ? refunded
            : Order();

        private long AmountFor(CouponModel coupon) =>
            coupon.State.OrderId is not null && _random.Next(2) == 0 ? coupon.State.OrderAmount : Pick(Amounts);

        private string? Owner(CouponModel coupon) => _random.Next(20) switch
        {
            < 13 => null,
            < 19 => coupon.UserId,
            _ => coupon.UserId + "-someone-else",
        };

        private Guid UnknownId()
        {
            var bytes = new byte[16];
            _random.NextBytes(bytes);
            return new Guid(bytes);
        }
    }

    private sealed record Snapshot(List<CampaignInfo> Campaigns, List<string> Stats, List<Coupon> Coupons, List<Coupon> Listed);

    private sealed class CampaignModel(CampaignInfo info)
    {
        public Guid Id { get; } = info.Id;
        public CampaignDefinition Terms { get; } = info.Definition;
        public CampaignStatus Status { get; set; } = info.Status;
        public long TotalStock { get; set; } = info.TotalStock;
        public long Issued { get; set; }
        private long Released { get; set; }
        private long Refunded { get; set; }
        private Dictionary<string, long> Rejected { get; } = new(StringComparer.Ordinal);

        public CampaignInfo ToInfo() => new(Id, Terms, Status, TotalStock, Issued, info.CreatedAtMs);

        public void Reject(Outcome outcome) => Rejected[outcome.ToCode()] = Rejected.GetValueOrDefault(outcome.ToCode()) + 1;

        public void Count(CouponEvents events)
        {
            if ((events & (CouponEvents.Released | CouponEvents.Lapsed)) != 0)
            {
                Released++;
            }

            if ((events & CouponEvents.Refunded) != 0)
            {
                Refunded++;
            }
        }

        /// <summary>The stats the store must show: gauges are the stored states, not the states as seen now.</summary>
        public string ExpectedStats(List<CouponModel> coupons) => Describe(
            TotalStock, Issued,
            coupons.Count(c => c.State.Status == CouponStatus.Locked),
            coupons.Count(c => c.State.Status == CouponStatus.Used),
            Released, Refunded,
            coupons.Count(c => c.State.Status == CouponStatus.Expired),
            Rejected);

        public static string Describe(long total, long issued, long locked, long used, long released, long refunded, long expired, IReadOnlyDictionary<string, long> rejected)
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"total={total} issued={issued} locked={locked} used={used} released={released} refunded={refunded} expired={expired} rejected:");
            foreach (var (code, count) in rejected.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $" {code}={count}");
            }

            return text.ToString();
        }
    }

    private sealed class CouponModel(Guid id, CampaignModel campaign, string userId, long claimedAtMs, CouponState state)
    {
        public Guid Id { get; } = id;
        public CampaignModel Campaign { get; } = campaign;
        public string UserId { get; } = userId;
        public CouponState State { get; set; } = state;

        /// <summary>The order the store last said used this coupon, cleared by its refund: tracked from answers alone.</summary>
        public string? UsedBy { get; set; }

        public Coupon Seen(long nowMs) => With(CouponRules.Observe(State, nowMs));

        public Coupon With(in CouponState state) => Coupon.From(Id, Campaign.Id, UserId, claimedAtMs, state, Campaign.Terms);
    }
}
