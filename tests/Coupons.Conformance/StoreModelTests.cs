using System.Globalization;
using System.Text;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Conformance;

/// <summary>
/// The model-based test, written once over <see cref="ICouponStore"/>: thousands of random
/// operations with a fixed seed, side by side with a model built from <see cref="CouponRules"/>
/// and <see cref="CampaignRules"/>. The operations: claims (with and without idempotency keys, and
/// retries of earlier ones), lock, redeem, release and refund by the owner, the service or someone
/// else, an admin's revoke, pause / resume / end in any order, stock added up to and past
/// <see cref="CampaignDefinition.MaxStock"/>, new campaigns, the clock moving through claim windows,
/// lock lapses and validities, and explicit sweeps. After every step the store must answer as the model does (outcome, coupon, quote), and keep the
/// invariants of DESIGN.md on its own terms: issued ≤ total stock and issued + remaining == stock,
/// a user's coupons of a campaign ≤ its perUserLimit, a coupon used by at most one order until
/// refunded, and the stats counters (issued, locked, used, released, refunded, expired, revoked,
/// rejected by code) equal to the model's; and the campaigns a random filter lists (all, one status,
/// open to claims now) are the model's, page by page. Every <see cref="ReopenEvery"/> steps, and at the end, the store is
/// reopened (a new instance on the same data, caches dropped) and must show the very same state.
/// A store's test project derives from this class and says how to open, sweep, reopen and close
/// its store.
/// </summary>
/// <remarks>
/// <para>
/// Time is a <see cref="FakeTimeProvider"/> that only the test moves. Sweeps are operations of the
/// mix, never timer-driven, so that every store sees the same sweeps and the model replays them
/// exactly: a store's own sweep timer must never fire (the embedded store sets its interval so).
/// </para>
/// <para>
/// A failure names the seed, the step and the last operation. To replay it, or to run longer by
/// hand: <c>MODEL_SEED=&lt;seed&gt;</c> runs that seed instead of <see cref="DefaultSeeds"/>, and
/// <c>MODEL_OPERATIONS=&lt;n&gt;</c> runs n operations per seed instead of
/// <see cref="DefaultOperations"/>, e.g.
/// <c>MODEL_SEED=8675309 MODEL_OPERATIONS=20000 dotnet test tests/Coupons.Redis.Tests -c Release --filter FullyQualifiedName~RedisClusterModel</c>.
/// A run shorter than the default skips the check that every case of <see cref="MustSee"/> was met.
/// </para>
/// </remarks>
public abstract class StoreModelTests
{
    /// <summary>Operations per seed unless MODEL_OPERATIONS says otherwise.</summary>
    public const int DefaultOperations = 2_000;

    /// <summary>The seeds run unless MODEL_SEED names one.</summary>
    public static readonly int[] DefaultSeeds = [20250615, 8675309];

    private const int ReopenEvery = 250;

    /// <summary>Every this many steps, each coupon is also read by id (the users' listings show every coupon after every step).</summary>
    private const int ReadEveryCouponEvery = 10;

    private const int UserCount = 20;
    private const int MaxCampaigns = 14;
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;

    /// <summary>The clock starts here: 2025-06-15T00:00:00Z.</summary>
    private static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    private static readonly long[] Amounts = [0, 500, 999, 1_000, 1_499, 1_500, 2_500, 10_000];

    /// <summary>What every seed must have exercised, or the test proves little.</summary>
    private static readonly string[] MustSee =
    [
        "claim:ok", "claim:replayed", "claim:replayed:not_claimable", "claim:sold_out", "claim:limit_reached", "claim:campaign_not_found",
        "claim:campaign_not_active:paused", "claim:campaign_not_active:ended", "claim:campaign_not_active:before_start",
        "claim:campaign_not_active:after_end", "claim:campaign_not_active:validity_ended", "claim:ok:window_opened",
        "lock:ok", "lock:replayed", "lock:locked_by_other_order", "lock:already_used", "lock:below_minimum", "lock:order_mismatch",
        "lock:coupon_expired", "lock:coupon_not_found", "lock|redeem:coupon_not_yet_valid",
        "redeem:ok", "redeem:replayed", "redeem:already_used", "redeem:locked_by_other_order", "redeem:order_amount_required",
        "redeem:coupon_expired",
        "release:ok", "release:replayed", "release:locked_by_other_order", "release:already_used",
        "refund:ok", "refund:ok:expired", "refund:replayed", "refund:already_used", "refund:not_redeemed", "refund:coupon_not_found",
        "revoke:ok", "revoke:ok:locked", "revoke:replayed", "revoke:already_used", "revoke:coupon_expired", "revoke:coupon_not_found",
        "lock:coupon_revoked", "redeem:coupon_revoked", "release:replayed:revoked",
        "list:all", "list:active", "list:paused", "list:ended", "list:claimable",
        "status:ok:pause", "status:ok:resume", "status:ok:end", "status:replayed:pause", "status:replayed:resume", "status:replayed:end",
        "status:campaign_ended:pause", "status:campaign_ended:resume", "status:campaign_not_found",
        "stock:ok", "stock:ok:to_cap", "stock:campaign_ended", "stock:stock_cap_exceeded", "stock:campaign_not_found",
        "sweep:lapsed", "sweep:expired", "reopen",
    ];

    /// <summary>The seeds to run: MODEL_SEED alone when set, else <see cref="DefaultSeeds"/>.</summary>
    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        foreach (var seed in Environment.GetEnvironmentVariable("MODEL_SEED") is { Length: > 0 } text
            ? [int.Parse(text, CultureInfo.InvariantCulture)]
            : DefaultSeeds)
        {
            data.Add(seed);
        }

        return data;
    }

    private static int Operations => Environment.GetEnvironmentVariable("MODEL_OPERATIONS") is { Length: > 0 } text
        ? int.Parse(text, CultureInfo.InvariantCulture)
        : DefaultOperations;

    /// <summary>A new, empty store on <paramref name="time"/>, ready for requests; its own sweep timer, if any, never fires.</summary>
    protected abstract Task<ICouponStore> OpenAsync(FakeTimeProvider time);

    /// <summary>Runs the store's sweeper once, now; returns the coupons it changed.</summary>
    protected abstract Task<int> SweepAsync(ICouponStore store);

    /// <summary>Closes <paramref name="store"/> and opens a new instance on the same data, with nothing cached; it must show the same state.</summary>
    protected abstract Task<ICouponStore> ReopenAsync(ICouponStore store, FakeTimeProvider time);

    /// <summary>Closes the store and frees what <see cref="OpenAsync"/> made.</summary>
    protected abstract Task CloseAsync(ICouponStore store);

    [Theory]
    [MemberData(nameof(Seeds), MemberType = typeof(StoreModelTests))]
    public async Task Random_operations_answer_as_the_model_keep_the_invariants_and_survive_reopening(int seed)
    {
        var operations = Operations;
        var time = new FakeTimeProvider(Start);
        var run = new Run(this, time, seed, await OpenAsync(time));
        var step = 0;
        try
        {
            await run.CreateCampaignsAsync();
            await run.CheckAsync(everyCoupon: true);
            for (step = 1; step <= operations; step++)
            {
                await run.StepAsync();
                await run.CheckAsync(everyCoupon: step % ReadEveryCouponEvery == 0);
                if (step % ReopenEvery == 0)
                {
                    await run.ReopenAsync();
                }
            }

            step = operations + 1;
            await run.SweepAsync();
            await run.ReopenAsync();
        }
        catch (Exception exception)
        {
            throw new InvalidOperationException(
                $"{GetType().Name}: seed {seed}, step {step} of {operations}, at {time.GetUtcNow():O}, after: {run.LastOperation}\n" +
                $"replay: MODEL_SEED={seed} MODEL_OPERATIONS={operations} dotnet test tests/{GetType().Assembly.GetName().Name} -c Release --filter FullyQualifiedName~{GetType().FullName}\n" +
                exception.Message,
                exception);
        }
        finally
        {
            await CloseAsync(run.Store);
        }

        if (operations >= DefaultOperations)
        {
            var missing = MustSee.Where(s => !run.Seen.ContainsKey(s)).ToList();
            Assert.True(missing.Count == 0, $"{GetType().Name}: seed {seed} never saw: {string.Join(", ", missing)}; saw: {string.Join(", ", run.Seen.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key + " ×" + s.Value.ToString(CultureInfo.InvariantCulture)))}");
        }
    }

    private delegate Outcome Rule(ref CouponState state, long nowMs, out DiscountQuote quote, out CouponEvents events);

    private sealed class Run(StoreModelTests hooks, FakeTimeProvider time, int seed, ICouponStore store)
    {
        private readonly Random _random = new(seed);
        private readonly List<CampaignModel> _campaigns = [];
        private readonly List<CouponModel> _coupons = [];
        private readonly Dictionary<(Guid Campaign, string User), int> _claimed = [];
        private readonly Dictionary<(Guid Campaign, string User, string Key), CouponModel> _keys = [];

        /// <summary>The claims made with an idempotency key, in order, for retries.</summary>
        private readonly List<(CampaignModel Campaign, string User, string Key)> _keyed = [];

        public ICouponStore Store { get; private set; } = store;

        /// <summary>How often each case was met.</summary>
        public Dictionary<string, int> Seen { get; } = new(StringComparer.Ordinal);

        public string LastOperation { get; private set; } = "start";

        private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

        private void See(string what) => Seen[what] = Seen.GetValueOrDefault(what) + 1;

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
                Validity = Validity.Absolute(s + (6 * Hour), s + (30 * Hour)),
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
            await AddCampaignAsync(6, Template(4, s));
        }

        /// <summary>Campaigns made during the run, so claims go on as earlier ones end, close or sell out; windows start from <paramref name="s"/>.</summary>
        private CampaignDefinition Template(int kind, long s)
        {
            var name = "#" + (_campaigns.Count + 1).ToString(CultureInfo.InvariantCulture) + " ";
            return kind switch
            {
                0 => new CampaignDefinition
                {
                    Name = name + "amount off, one each, valid a few hours",
                    Discount = Discount.AmountOffOf(300),
                    MinOrderAmount = 1_000,
                    PerUserLimit = 1,
                    LockTtlSeconds = 600,
                    Validity = Validity.Absolute(null, s + (4 * Hour)),
                },
                1 => new CampaignDefinition
                {
                    Name = name + "percent off, a day from the claim",
                    Discount = Discount.PercentOffOf(10),
                    PerUserLimit = 2,
                    LockTtlSeconds = 300,
                    Validity = Validity.Relative(1),
                },
                2 => new CampaignDefinition
                {
                    Name = name + "threshold, valid later, claims end",
                    Discount = Discount.ThresholdOf(2_500, 700),
                    PerUserLimit = 2,
                    LockTtlSeconds = 120,
                    ClaimEndsAtMs = s + (3 * Hour),
                    Validity = Validity.Absolute(s + (2 * Hour), s + (8 * Hour)),
                },
                3 => new CampaignDefinition
                {
                    Name = name + "amount off, claims start later",
                    Discount = Discount.AmountOffOf(250),
                    MinOrderAmount = 500,
                    PerUserLimit = 3,
                    LockTtlSeconds = 900,
                    ClaimStartsAtMs = s + Hour,
                    Validity = Validity.Absolute(null, s + (10 * Hour)),
                },
                _ => new CampaignDefinition
                {
                    Name = name + "claim window, a day from the claim",
                    Discount = Discount.PercentOffOf(25, maxDiscount: 2_000),
                    MinOrderAmount = 999,
                    PerUserLimit = 1,
                    LockTtlSeconds = 1_200,
                    ClaimStartsAtMs = s + (2 * Hour),
                    ClaimEndsAtMs = s + (5 * Hour),
                    Validity = Validity.Relative(1),
                },
            };
        }

        public async Task StepAsync()
        {
            var roll = _random.Next(1_000);
            if (_coupons.Count == 0 && roll is >= 260 and < 690)
            {
                roll = 0;
            }

            switch (roll)
            {
                case < 210:
                    await ClaimAsync(PickCampaign(), User(), _random.Next(2) == 0 ? null : "key-" + _random.Next(3).ToString(CultureInfo.InvariantCulture));
                    break;
                case < 250 when _keyed.Count > 0:
                    {
                        // A client retrying an earlier claim with its idempotency key, whatever happened since.
                        var (campaign, user, key) = Pick(_keyed);
                        await ClaimAsync(campaign, user, key);
                        break;
                    }

                case < 250:
                    await ClaimAsync(PickCampaign(), User(), null);
                    break;
                case < 260:
                    await ClaimAsync(null, User(), null);
                    break;
                case < 380:
                    await LockAsync(PickCoupon());
                    break;
                case < 500:
                    await RedeemAsync(PickCoupon());
                    break;
                case < 580:
                    await ReleaseAsync(PickCoupon());
                    break;
                case < 655:
                    await RefundAsync(PickCoupon());
                    break;
                case < 670:
                    await RevokeAsync(PickCoupon());
                    break;
                case < 690:
                    await UnknownCouponAsync();
                    break;
                case < 740:
                    await ChangeStatusAsync();
                    break;
                case < 780:
                    await AddStockAsync();
                    break;
                case < 795:
                    await CreateCampaignAsync();
                    break;
                case < 970:
                    Advance();
                    break;
                default:
                    await SweepAsync();
                    break;
            }
        }

        /// <summary>The store answers as the model does, and keeps the invariants on its own terms.</summary>
        public async Task CheckAsync(bool everyCoupon)
        {
            var now = Now;
            var users = Enumerable.Range(0, UserCount).Select(UserName).ToList();
            var someone = User();
            var status = (CouponStatus)(1 + _random.Next(5));
            var pageSize = 2 + _random.Next(6);

            // Every read at once (nothing changes meanwhile), so a check costs a few round trips, not hundreds.
            var infos = Task.WhenAll(_campaigns.Select(c => Store.GetCampaignAsync(c.Id).AsTask()));
            var stats = Task.WhenAll(_campaigns.Select(c => Store.GetStatsAsync(c.Id).AsTask()));
            var listings = Task.WhenAll(users.Select(u => ListAllAsync(u, null, pageSize)));
            var filtered = ListAllAsync(someone, status, 2);
            var (campaignFilter, filterName) = PickFilter();
            var campaignsListed = ListCampaignsAsync(campaignFilter, 1 + _random.Next(4));
            var shown = everyCoupon ? Task.WhenAll(_coupons.Select(c => Store.GetCouponAsync(c.Id, c.UserId).AsTask())) : Task.FromResult<CouponResult[]>([]);
            await Task.WhenAll(infos, stats, listings, filtered, shown, campaignsListed);
            Assert.Equal(_campaigns.Where(c => campaignFilter.Matches(c.Status, c.Terms, now)).Select(c => c.ToInfo()).OrderBy(c => c.Id).ToList(), campaignsListed.Result);
            See("list:" + filterName);

            for (var i = 0; i < _campaigns.Count; i++)
            {
                var campaign = _campaigns[i];
                var info = infos.Result[i];
                Assert.NotNull(info);

                // Invariant 1: never more issued than stocked, and what is left is the rest.
                Assert.True(info.Issued <= info.TotalStock, $"{campaign.Terms.Name}: issued {info.Issued} > stock {info.TotalStock}");
                Assert.Equal(info.TotalStock, info.Issued + info.RemainingStock);
                Assert.Equal(campaign.ToInfo(), info);

                // The counters are the model's.
                var counted = stats.Result[i];
                Assert.NotNull(counted);
                Assert.True(counted.Issued <= counted.TotalStock, $"{campaign.Terms.Name}: stats issued {counted.Issued} > stock {counted.TotalStock}");
                Assert.Equal(campaign.ExpectedStats(_coupons.Where(c => c.Campaign == campaign)), Describe(counted));
            }

            // Invariant 2, and every coupon as shown now: each user's coupons, page by page, in id order.
            for (var u = 0; u < users.Count; u++)
            {
                var listed = listings.Result[u];
                Assert.Equal(_coupons.Where(c => c.UserId == users[u]).OrderBy(c => c.Id).Select(c => c.Seen(now)).ToList(), listed);
                foreach (var group in listed.GroupBy(c => c.CampaignId))
                {
                    var limit = _campaigns.Single(c => c.Id == group.Key).Terms.PerUserLimit;
                    Assert.True(group.Count() <= limit, $"{users[u]} holds {group.Count()} coupons of a campaign with a limit of {limit}");
                }
            }

            Assert.Equal(
                _coupons.Where(c => c.UserId == someone).OrderBy(c => c.Id).Select(c => c.Seen(now)).Where(c => c.Status == status).ToList(),
                filtered.Result);

            // On the store's own terms too: its counters agree with the coupons it shows (gauges lag
            // behind time until a sweep: a lapsed lock is still counted locked, an expiry not yet counted).
            var all = listings.Result.SelectMany(l => l).ToLookup(c => c.CampaignId);
            for (var i = 0; i < _campaigns.Count; i++)
            {
                var shownHere = all[_campaigns[i].Id].ToList();
                var counted = stats.Result[i]!;
                Assert.Equal(infos.Result[i]!.Issued, shownHere.Count);
                Assert.Equal(shownHere.Count(c => c.Status == CouponStatus.Used), counted.Used);
                Assert.Equal(shownHere.Count(c => c.Status == CouponStatus.Revoked), counted.Revoked);
                Assert.True(shownHere.Count(c => c.Status == CouponStatus.Locked) <= counted.Locked, "a coupon shown locked is not counted locked");
                Assert.True(shownHere.Count(c => c.Status == CouponStatus.Expired) >= counted.Expired, "a coupon counted expired is not shown expired");
            }

            // Invariant 3, as shown: a used coupon names the one order that used it, the one the model has.
            foreach (var coupon in _coupons)
            {
                Assert.Equal(coupon.UsedBy, coupon.Seen(now).Status == CouponStatus.Used ? coupon.State.OrderId : null);
            }

            for (var i = 0; i < shown.Result.Length; i++)
            {
                Assert.Equal(new CouponResult(Outcome.Ok, _coupons[i].Seen(now)), shown.Result[i]);
            }
        }

        /// <summary>Reopens the store (a new instance on the same data) and compares all it shows.</summary>
        public async Task ReopenAsync()
        {
            LastOperation = "reopen";
            var before = await SnapshotAsync();
            Store = await hooks.ReopenAsync(Store, time);
            var after = await SnapshotAsync();
            Assert.Equal(before.Campaigns, after.Campaigns);
            Assert.Equal(before.Stats, after.Stats);
            Assert.Equal(before.Coupons, after.Coupons);
            Assert.Equal(before.Listed, after.Listed);
            await CheckAsync(everyCoupon: true);
            See("reopen");
        }

        /// <summary>Runs the store's sweep now: it stores exactly the lapses and expiries the model finds due.</summary>
        public async Task SweepAsync()
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
                    if ((events & CouponEvents.Lapsed) != 0)
                    {
                        See("sweep:lapsed");
                    }

                    if ((events & CouponEvents.Expired) != 0)
                    {
                        See("sweep:expired");
                    }
                }
            }

            Assert.Equal(expected, await hooks.SweepAsync(Store));

            // Swept, the counters equal the coupons as shown, exactly.
            var stats = await Task.WhenAll(_campaigns.Select(c => Store.GetStatsAsync(c.Id).AsTask()));
            var shown = await Task.WhenAll(_coupons.Select(c => Store.GetCouponAsync(c.Id, null).AsTask()));
            for (var i = 0; i < _campaigns.Count; i++)
            {
                var mine = shown.Select(r => r.Coupon!).Where(c => c.CampaignId == _campaigns[i].Id).ToList();
                Assert.Equal(mine.Count(c => c.Status == CouponStatus.Locked), stats[i]!.Locked);
                Assert.Equal(mine.Count(c => c.Status == CouponStatus.Used), stats[i]!.Used);
                Assert.Equal(mine.Count(c => c.Status == CouponStatus.Expired), stats[i]!.Expired);
                Assert.Equal(mine.Count(c => c.Status == CouponStatus.Revoked), stats[i]!.Revoked);
            }
        }

        private async Task AddCampaignAsync(long stock, CampaignDefinition terms)
        {
            var info = await Store.CreateCampaignAsync(terms, stock);
            Assert.Equal(new CampaignInfo(info.Id, terms, CampaignStatus.Active, stock, 0, Now), info);
            _campaigns.Add(new CampaignModel(info));
        }

        private async Task CreateCampaignAsync()
        {
            // New campaigns while few take claims (earlier ones end, close, sell out), up to a bound.
            var now = Now;
            if (_campaigns.Count >= MaxCampaigns || _campaigns.Count(c => c.IsClaimable(now)) >= 3)
            {
                await ClaimAsync(PickCampaign(), User(), null);
                return;
            }

            var terms = Template(_random.Next(5), Now);
            var stock = 2 + _random.Next(7);
            LastOperation = $"create {terms.Name} with {stock}";
            await AddCampaignAsync(stock, terms);
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
            See("claim:" + expected.ToCode());
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
                            _keyed.Add((campaign, user, key));
                        }

                        campaign.Issued++;
                        if (campaign.RefusedBeforeStart)
                        {
                            See("claim:ok:window_opened");
                        }

                        break;
                    }

                case Outcome.Replayed:
                    Assert.Equal(replayed!.Seen(now), result.Coupon);
                    if (!CouponRules.IsClaimable(campaign!.Status, campaign.Terms, now))
                    {
                        See("claim:replayed:not_claimable");
                    }

                    break;
                case Outcome.CampaignNotFound:
                    Assert.Null(result.Coupon);
                    break;
                default:
                    Assert.Null(result.Coupon);
                    campaign!.Reject(expected);
                    if (expected == Outcome.CampaignNotActive)
                    {
                        var why = WhyNotActive(campaign, now);
                        campaign.RefusedBeforeStart |= why == "before_start";
                        See("claim:campaign_not_active:" + why);
                    }

                    break;
            }
        }

        private static string WhyNotActive(CampaignModel campaign, long now) => campaign.Status switch
        {
            CampaignStatus.Paused => "paused",
            CampaignStatus.Ended => "ended",
            _ when campaign.Terms.ClaimStartsAtMs is { } start && now < start => "before_start",
            _ when campaign.Terms.ClaimEndsAtMs is { } end && now >= end => "after_end",
            _ => "validity_ended",
        };

        private Task LockAsync(CouponModel coupon)
        {
            var (order, amount, owner) = (OrderFor(coupon), AmountFor(coupon), Owner(coupon));
            return ChangeAsync("lock", coupon, owner, order,
                (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                    CouponRules.Lock(ref state, coupon.Campaign.Terms, order, amount, now, out quote, out events),
                async () => ToTuple(await Store.LockAsync(coupon.Id, owner, order, amount)),
                $"lock {Describe(coupon)} owner {owner ?? "-"} for {order} at {amount}");
        }

        private Task RedeemAsync(CouponModel coupon)
        {
            var order = OrderFor(coupon);
            long? amount = _random.Next(5) == 0 ? null : AmountFor(coupon);
            var owner = Owner(coupon);
            return ChangeAsync("redeem", coupon, owner, order,
                (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                    CouponRules.Redeem(ref state, coupon.Campaign.Terms, order, amount, now, out quote, out events),
                async () => ToTuple(await Store.RedeemAsync(coupon.Id, owner, order, amount)),
                $"redeem {Describe(coupon)} owner {owner ?? "-"} for {order} at {amount?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
        }

        private Task ReleaseAsync(CouponModel coupon)
        {
            var (order, owner) = (OrderFor(coupon), Owner(coupon));
            return ChangeAsync("release", coupon, owner, order,
                (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                {
                    quote = default;
                    return CouponRules.Release(ref state, order, now, out events);
                },
                async () => ToTuple(await Store.ReleaseAsync(coupon.Id, owner, order)),
                $"release {Describe(coupon)} owner {owner ?? "-"} for {order}");
        }

        private Task RefundAsync(CouponModel coupon)
        {
            var (order, owner) = (OrderFor(coupon), Owner(coupon));
            return ChangeAsync("refund", coupon, owner, order,
                (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                {
                    quote = default;
                    return CouponRules.Refund(ref state, order, now, out events);
                },
                async () => ToTuple(await Store.RefundAsync(coupon.Id, owner, order)),
                $"refund {Describe(coupon)} owner {owner ?? "-"} for {order}");
        }

        /// <summary>An admin's revoke: no owner, no order; the model's rule decides.</summary>
        private Task RevokeAsync(CouponModel coupon)
        {
            const string reason = "model";
            return ChangeAsync("revoke", coupon, null, "-",
                (ref CouponState state, long now, out DiscountQuote quote, out CouponEvents events) =>
                {
                    quote = default;
                    return CouponRules.Revoke(ref state, now, out events);
                },
                async () => ToTuple(await Store.RevokeAsync(coupon.Id, reason)),
                $"revoke {Describe(coupon)}");
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
                See(name + ":coupon_not_found");
                return;
            }

            var state = coupon.State;
            var expected = rule(ref state, now, out var quote, out var events);
            var (outcome, shown, shownQuote) = await call();
            Assert.Equal(expected, outcome);
            Assert.Equal(quote, shownQuote);
            Assert.Equal(coupon.With(state), shown);
            See(name + ":" + expected.ToCode());
            if (expected == Outcome.CouponNotYetValid)
            {
                See("lock|redeem:coupon_not_yet_valid");
            }

            if (name == "refund" && expected == Outcome.Ok && state.Status == CouponStatus.Expired)
            {
                See("refund:ok:expired");
            }

            if (name == "revoke" && expected == Outcome.Ok && coupon.Seen(now).Status == CouponStatus.Locked)
            {
                See("revoke:ok:locked");
            }

            if (name == "release" && expected == Outcome.Replayed && state.Status == CouponStatus.Revoked)
            {
                See("release:replayed:revoked");
            }

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
            See("lock:coupon_not_found");
            Assert.Equal(new CouponResult(Outcome.CouponNotFound, null), await Store.RevokeAsync(id, "model"));
            See("revoke:coupon_not_found");
            if (_coupons.Count > 0)
            {
                var coupon = Pick(_coupons);
                var other = UserName((int.Parse(coupon.UserId.AsSpan(5), CultureInfo.InvariantCulture) + 1) % UserCount);
                Assert.Equal(new CouponResult(Outcome.CouponNotFound, null), await Store.GetCouponAsync(coupon.Id, other));
            }
        }

        /// <summary>Pause, resume or end, in any order: campaign_not_found → replayed (already so) → campaign_ended → ok.</summary>
        private async Task ChangeStatusAsync()
        {
            var ended = _campaigns.Where(c => c.Status == CampaignStatus.Ended).ToList();
            var campaign = _random.Next(12) switch
            {
                0 => null,
                < 3 when ended.Count > 0 => Pick(ended),
                _ => Pick(_campaigns),
            };
            // Ending is for good: rare, but an ended campaign is often asked again.
            var roll = campaign is { Status: CampaignStatus.Ended } ? _random.Next(3) * 40 : _random.Next(100);
            var command = roll < 8 ? CampaignCommand.End : roll < 45 ? CampaignCommand.Pause : CampaignCommand.Resume;
            LastOperation = $"{command} {campaign?.Terms.Name ?? "(unknown campaign)"}";
            var result = await Store.ChangeCampaignStatusAsync(campaign?.Id ?? UnknownId(), command);
            if (campaign is null)
            {
                Assert.Equal(new CampaignResult(Outcome.CampaignNotFound, null), result);
                See("status:campaign_not_found");
                return;
            }

            var expected = CampaignRules.ChangeStatus(campaign.Status, command, out var next);
            Assert.Equal(expected, result.Outcome);
            campaign.Status = next;
            Assert.Equal(campaign.ToInfo(), result.Campaign);
            See("status:" + expected.ToCode() + ":" + command.ToString().ToLowerInvariant());
        }

        /// <summary>Adds stock: campaign_not_found → campaign_ended → stock_cap_exceeded (nothing changed) → ok.</summary>
        private async Task AddStockAsync()
        {
            var campaign = _random.Next(12) == 0 ? null : Pick(_campaigns);
            var total = campaign?.TotalStock ?? 0;
            var roll = _random.Next(100);
            var add = roll switch
            {
                < 80 => 1 + _random.Next(3),
                < 84 => CampaignDefinition.MaxStock - total + 1 + _random.Next(2),
                < 88 => CampaignDefinition.MaxStock,
                _ => Math.Max(1, CampaignDefinition.MaxStock - total),
            };
            LastOperation = $"add {add} to {campaign?.Terms.Name ?? "(unknown campaign)"}";
            var result = await Store.AddStockAsync(campaign?.Id ?? UnknownId(), add);
            if (campaign is null)
            {
                Assert.Equal(new CampaignResult(Outcome.CampaignNotFound, null), result);
                See("stock:campaign_not_found");
                return;
            }

            var expected = CampaignRules.AddStock(campaign.Status, total, add, out var next);
            Assert.Equal(expected, result.Outcome);
            campaign.TotalStock = next;
            Assert.Equal(campaign.ToInfo(), result.Campaign);
            See("stock:" + expected.ToCode());
            if (expected == Outcome.Ok && campaign.TotalStock == CampaignDefinition.MaxStock)
            {
                See("stock:ok:to_cap");
            }
        }

        /// <summary>Moves the fake clock; nothing runs on the way (sweeps are operations of their own).</summary>
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
            time.Advance(TimeSpan.FromMilliseconds(delta));
        }

        private async Task<Snapshot> SnapshotAsync()
        {
            var campaigns = new List<CampaignInfo>();
            Guid? after = null;
            do
            {
                var page = await Store.ListCampaignsAsync(CampaignFilter.All, after, 3);
                Assert.Equal(page.NextAfter is null ? page.Items.Count : 3, page.Items.Count);
                campaigns.AddRange(page.Items);
                after = page.NextAfter;
            }
            while (after is not null);

            var stats = (await Task.WhenAll(campaigns.Select(c => Store.GetStatsAsync(c.Id).AsTask()))).Select(s => Describe(s!)).ToList();
            var coupons = (await Task.WhenAll(_coupons.OrderBy(c => c.Id).Select(c => Store.GetCouponAsync(c.Id, null).AsTask()))).Select(r => r.Coupon!).ToList();
            var listed = (await Task.WhenAll(Enumerable.Range(0, UserCount).Select(u => ListAllAsync(UserName(u), null, 4)))).SelectMany(l => l).ToList();
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
            stats.TotalStock, stats.Issued, stats.Locked, stats.Used, stats.Released, stats.Refunded, stats.Expired, stats.Revoked, stats.Rejected);

        /// <summary>A filter for the campaign listing: all, one status, or open to claims now.</summary>
        private (CampaignFilter Filter, string Name) PickFilter() => _random.Next(5) switch
        {
            0 => (CampaignFilter.All, "all"),
            1 => (CampaignFilter.WithStatus(CampaignStatus.Active), "active"),
            2 => (CampaignFilter.WithStatus(CampaignStatus.Paused), "paused"),
            3 => (CampaignFilter.WithStatus(CampaignStatus.Ended), "ended"),
            _ => (CampaignFilter.Claimable, "claimable"),
        };

        /// <summary>Every campaign a filter lists, page by page (a filtered page may be short, with a cursor, but never over the limit).</summary>
        private async Task<List<CampaignInfo>> ListCampaignsAsync(CampaignFilter filter, int limit)
        {
            var all = new List<CampaignInfo>();
            Guid? after = null;
            do
            {
                var page = await Store.ListCampaignsAsync(filter, after, limit);
                Assert.True(page.Items.Count <= limit);
                all.AddRange(page.Items);
                after = page.NextAfter;
            }
            while (after is not null);

            return all;
        }

        private static string Describe(CouponModel coupon) =>
            $"{coupon.Id} of {coupon.UserId} in {coupon.Campaign.Terms.Name} ({coupon.State.Status}, order {coupon.State.OrderId ?? "-"})";

        private static (Outcome, Coupon?, DiscountQuote) ToTuple(Redemption r) => (r.Outcome, r.Coupon, r.Quote);

        private static (Outcome, Coupon?, DiscountQuote) ToTuple(CouponResult r) => (r.Outcome, r.Coupon, default);

        private static string UserName(int i) => "user-" + i.ToString("D5", CultureInfo.InvariantCulture);

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        /// <summary>
        /// A coupon for a change: uniformly, or (so that replays, clashes of orders and early uses
        /// come often) one locked or used now, or not valid yet.
        /// </summary>
        /// <summary>A campaign for a claim: more often than not one that takes claims now, so that limits and stock run out.</summary>
        private CampaignModel PickCampaign()
        {
            var now = Now;
            var open = _campaigns.Where(c => c.IsClaimable(now)).ToList();
            return Pick(open.Count > 0 && _random.Next(5) < 3 ? open : _campaigns);
        }

        private CouponModel PickCoupon()
        {
            var now = Now;
            var roll = _random.Next(10);
            var candidates = roll switch
            {
                < 3 => _coupons.Where(c => c.Seen(now).Status == CouponStatus.Locked).ToList(),
                < 5 => _coupons.Where(c => c.State.Status == CouponStatus.Used).ToList(),
                < 6 => _coupons.Where(c => c.State.Status == CouponStatus.Unused && now < c.State.ValidFromMs).ToList(),
                _ => _coupons,
            };
            return Pick(candidates.Count > 0 ? candidates : _coupons);
        }

        private string User() => UserName(_random.Next(UserCount));

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

        /// <summary>A claim was refused before the claim window opened (so a later success shows time opening it).</summary>
        public bool RefusedBeforeStart { get; set; }

        private long Released { get; set; }
        private long Refunded { get; set; }
        private Dictionary<string, long> Rejected { get; } = new(StringComparer.Ordinal);

        public bool IsClaimable(long nowMs) => CouponRules.IsClaimable(Status, Terms, nowMs);

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
        public string ExpectedStats(IEnumerable<CouponModel> coupons)
        {
            var states = coupons.Select(c => c.State.Status).ToList();
            return Describe(
                TotalStock, Issued,
                states.Count(s => s == CouponStatus.Locked),
                states.Count(s => s == CouponStatus.Used),
                Released, Refunded,
                states.Count(s => s == CouponStatus.Expired),
                states.Count(s => s == CouponStatus.Revoked),
                Rejected);
        }

        public static string Describe(long total, long issued, long locked, long used, long released, long refunded, long expired, long revoked, IReadOnlyDictionary<string, long> rejected)
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"total={total} issued={issued} locked={locked} used={used} released={released} refunded={refunded} expired={expired} revoked={revoked} rejected:");
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
