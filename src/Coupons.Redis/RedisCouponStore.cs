using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// The scale-out store's hot state on Redis (one node or a cluster): every decision is one Lua
/// script touching one hash slot, which appends its event to that slot's stream in the same atomic
/// step (see <c>Scripts/*.lua</c>). This class connects and hands each call to the part that does
/// it; every Redis that cannot be reached or does not answer becomes
/// <see cref="StorageUnavailableException"/>.
/// </summary>
/// <remarks>
/// <para><see cref="Campaigns"/>: creating (stock split into buckets), reading, status and stock.</para>
/// <para><see cref="Claims"/>: claim.lua decides, a sold-out bucket borrows (<see cref="StockLending"/>).</para>
/// <para><see cref="CouponTransitions"/>: lock, redeem, release, refund and revoke decided by Core on the state read, stored by version.</para>
/// <para><see cref="UserCouponLists"/>, <see cref="CampaignStatsReader"/>, <see cref="StoreSweep"/>.</para>
/// <para>Checkout orders (<see cref="IOrderStore"/>): <see cref="RedisOrders"/>, all or none across slots by a plan in the order's record.</para>
/// <para>Warming this node's caches ahead of a sale (<see cref="ICacheWarmUp"/>): <see cref="CacheWarmUp"/>.</para>
/// <para>Codes (<see cref="ICodeStore"/>): <see cref="SharedCodeIndex"/> (taken when a campaign is created), <see cref="GeneratedCodes"/>, <see cref="CodeClaims"/> (claims by code, own codes).</para>
/// <para>
/// A cancellation token is honoured before a change is sent, never after: a change sent is seen
/// through (StackExchange.Redis takes no token, so a command on its way is not abandoned).
/// </para>
/// </remarks>
public sealed class RedisCouponStore : ICouponStore, ICodeStore, IOrderStore, ICacheWarmUp, IDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly Campaigns _campaigns;
    private readonly Claims _claims;
    private readonly CouponReader _coupons;
    private readonly CouponTransitions _transitions;
    private readonly UserCouponLists _lists;
    private readonly CampaignStatsReader _stats;
    private readonly StoreSweep _sweep;
    private readonly GeneratedCodes _codes;
    private readonly CodeClaims _codeClaims;
    private readonly RedisOrders _orders;
    private readonly RedisGuard _guard;
    private readonly CacheWarmUp _warmUp;
    private int _serverType = -1;

    private RedisCouponStore(ConnectionMultiplexer redis, RedisStoreOptions options, TimeProvider time, CouponOwnCodes ownCodes)
    {
        ArgumentNullException.ThrowIfNull(ownCodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.StockPerBucket);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBuckets);
        _redis = redis;
        _guard = new RedisGuard(options);
        Keys = new RedisKeys(options.KeyPrefix);
        var db = redis.GetDatabase();
        var cache = new CampaignCache(db, Keys);
        var lending = new StockLending(db, Keys);
        _campaigns = new Campaigns(db, Keys, time, options, cache, new SharedCodeIndex(db, Keys));
        _coupons = new CouponReader(db, Keys, time, cache);
        _lists = new UserCouponLists(db, Keys, time, _coupons);
        _claims = new Claims(db, Keys, time, cache, lending, _lists, _coupons, ownCodes);
        _transitions = new CouponTransitions(db, Keys, time, _coupons);
        _stats = new CampaignStatsReader(db, Keys, cache);
        _codes = new GeneratedCodes(db, Keys);
        _codeClaims = new CodeClaims(db, Keys, time, cache, _claims, _coupons);
        _warmUp = new CacheWarmUp(redis, db, Keys, time, cache, _codeClaims);
        _sweep = new StoreSweep(db, Keys, time, cache, _campaigns, lending, _transitions, _codeClaims);
        var oneScript = options.OrdersInOneScript;
        _orders = new RedisOrders(db, Keys, time, _coupons, options.OrderPlanTimeout, () => oneScript ?? KindOfRedis() == ServerType.Standalone);
    }

    public bool IsReady => _redis.IsConnected;

    /// <summary>The orders' part, for tests that stop a node in the middle of an order.</summary>
    internal RedisOrders Orders => _orders;

    /// <summary>The connection, shared with the persister and the protections of the same node.</summary>
    public IConnectionMultiplexer Connection => _redis;

    /// <summary>Shared rate-limit buckets in this store's Redis, their takes through the store's guard (bounded, refused at once while its breaker is open).</summary>
    public RedisRateLimits RateLimits() => new(_redis, Keys.Prefix, _guard);

    /// <summary>Fraud signals' windows and flags in this store's Redis, their counts through the store's guard.</summary>
    public RedisSignals Signals() => new(_redis, Keys.Prefix, _guard);

    /// <summary>Where this store's keys are (its prefix), for the readers of its state beside it.</summary>
    public RedisKeys Keys { get; }

    /// <summary>What kind of Redis this is (a single one, a cluster, a proxy), once a connected server has said; a cluster until then (what holds on any).</summary>
    private ServerType KindOfRedis()
    {
        if (Volatile.Read(ref _serverType) is var known and >= 0)
        {
            return (ServerType)known;
        }

        if (Array.Find(_redis.GetServers(), server => server.IsConnected) is not { } connected)
        {
            return ServerType.Cluster;
        }

        Volatile.Write(ref _serverType, (int)connected.ServerType);
        return connected.ServerType;
    }

    /// <param name="ownCodes">How coupons' own codes are made: each claim indexes its coupon's code's hash.</param>
    public static async Task<RedisCouponStore> ConnectAsync(RedisStoreOptions options, TimeProvider time, CouponOwnCodes ownCodes)
    {
        ArgumentNullException.ThrowIfNull(options);
        var redis = await ConnectionMultiplexer.ConnectAsync(options.Configuration).ConfigureAwait(false);
        return new RedisCouponStore(redis, options, time, ownCodes);
    }

    /// <summary>
    /// A store that connects in the background and keeps reconnecting: not ready (and every call
    /// throws <see cref="StorageUnavailableException"/>) while Redis cannot be reached. For a
    /// service, which must start and report not-ready rather than fail to start.
    /// </summary>
    public static RedisCouponStore Connect(RedisStoreOptions options, TimeProvider time, CouponOwnCodes ownCodes)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationOptions.Parse(options.Configuration);
        configuration.AbortOnConnectFail = false;
        return new RedisCouponStore(ConnectionMultiplexer.Connect(configuration), options, time, ownCodes);
    }

    public ValueTask<CampaignInfo> CreateCampaignAsync(CampaignDefinition definition, long totalStock, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _campaigns.CreateAsync(definition, totalStock, cancellationToken));

    public ValueTask<CampaignInfo?> GetCampaignAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _campaigns.GetAsync(campaignId, cancellationToken));

    public ValueTask<Page<CampaignInfo>> ListCampaignsAsync(CampaignFilter filter, Guid? after, int limit, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _campaigns.ListAsync(filter, after, limit, cancellationToken));

    public ValueTask<CampaignResult> ChangeCampaignStatusAsync(Guid campaignId, CampaignCommand command, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _campaigns.ChangeStatusAsync(campaignId, command, cancellationToken));

    public ValueTask<CampaignResult> AddStockAsync(Guid campaignId, long add, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _campaigns.AddStockAsync(campaignId, add, cancellationToken));

    public ValueTask<CouponResult> ClaimAsync(Guid campaignId, string userId, string? idempotencyKey, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _claims.ClaimAsync(campaignId, userId, idempotencyKey, cancellationToken));

    public ValueTask<CouponResult> GetCouponAsync(Guid couponId, string? ownerId, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(async () =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return await _coupons.ReadAsync(couponId, ownerId).ConfigureAwait(false) is { } coupon
                ? new CouponResult(Outcome.Ok, coupon)
                : new CouponResult(Outcome.CouponNotFound, null);
        });

    public ValueTask<Page<Coupon>> ListUserCouponsAsync(string userId, CouponStatus? status, Guid? after, int limit, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _lists.ListAsync(userId, status, after, limit, cancellationToken));

    public ValueTask<Redemption> LockAsync(Guid couponId, string? ownerId, string orderId, long orderAmount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(orderAmount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(orderAmount, Money.MaxAmount);
        return _guard.RunAsync(() => _transitions.LockAsync(couponId, ownerId, orderId, orderAmount, cancellationToken));
    }

    public ValueTask<Redemption> RedeemAsync(Guid couponId, string? ownerId, string orderId, long? orderAmount, CancellationToken cancellationToken = default)
    {
        if (orderAmount is { } amount)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(amount, nameof(orderAmount));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(amount, Money.MaxAmount, nameof(orderAmount));
        }

        return _guard.RunAsync(() => _transitions.RedeemAsync(couponId, ownerId, orderId, orderAmount, cancellationToken));
    }

    public ValueTask<Redemption> LockForCartAsync(Guid couponId, string? ownerId, string orderId, Cart cart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cart);
        return _guard.RunAsync(() => _transitions.LockForCartAsync(couponId, ownerId, orderId, cart, cancellationToken));
    }

    public ValueTask<Redemption> RedeemForCartAsync(Guid couponId, string? ownerId, string orderId, Cart cart, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cart);
        return _guard.RunAsync(() => _transitions.RedeemForCartAsync(couponId, ownerId, orderId, cart, cancellationToken));
    }

    public ValueTask<CouponResult> ReleaseAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _transitions.ReleaseAsync(couponId, ownerId, orderId, cancellationToken));

    public ValueTask<CouponResult> RefundAsync(Guid couponId, string? ownerId, string orderId, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _transitions.RefundAsync(couponId, ownerId, orderId, cancellationToken));

    public ValueTask<CouponResult> RevokeAsync(Guid couponId, string reason, CancellationToken cancellationToken = default)
    {
        StoreLimits.ThrowIfInvalidReason(reason);
        return _guard.RunAsync(() => _transitions.RevokeAsync(couponId, reason, cancellationToken));
    }

    public ValueTask<CampaignStats?> GetStatsAsync(Guid campaignId, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _stats.ReadAsync(campaignId, cancellationToken));

    /// <summary>
    /// Stores lapsed locks and passed validities (at most <paramref name="batchSize"/> per queue),
    /// and finishes what a node that died left half done; returns the coupons changed. Every node
    /// may sweep at once (see <see cref="StoreSweep"/>); the hosting runs it every
    /// <see cref="RedisStoreOptions.SweepInterval"/>.
    /// </summary>
    public ValueTask<int> SweepAsync(int batchSize = 256, CancellationToken cancellationToken = default) =>
        RedisFailures.TranslateAsync(async () =>
            await _sweep.RunAsync(batchSize, cancellationToken).ConfigureAwait(false) + await _orders.SweepAsync(batchSize, cancellationToken).ConfigureAwait(false));

    /// <summary>One warm-up pass (see <see cref="CacheWarmUp"/>): background work, unbounded as the sweep is, a Redis that cannot answer thrown as <see cref="StorageUnavailableException"/>.</summary>
    public ValueTask<WarmUpPass> WarmAsync(long leadMs, int maxCampaigns, CancellationToken cancellationToken = default) =>
        RedisFailures.TranslateAsync(() => _warmUp.WarmAsync(leadMs, maxCampaigns, cancellationToken));

    public bool IsWarm(Guid campaignId) => _warmUp.IsWarm(campaignId);

    public ValueTask<OrderResult> ChangeOrderAsync(OrderCommand command, string orderId, string? ownerId, OrderBody? body, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        return _guard.RunAsync(() => _orders.ChangeAsync(command, orderId, ownerId, body, cancellationToken));
    }

    public ValueTask<OrderResult> GetOrderAsync(string orderId, string? ownerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        return _guard.RunAsync(() => _orders.GetAsync(orderId, ownerId));
    }

    public ValueTask<AddCodesResult> AddCodesAsync(Guid campaignId, Guid jobId, IReadOnlyList<NewCode> codes, CancellationToken cancellationToken = default) =>
        RedisFailures.TranslateAsync(() => _codes.AddAsync(campaignId, jobId, codes, cancellationToken));

    public ValueTask<CodePage> ListCodesAsync(Guid campaignId, CodeStatus? status, CodeCursor? after, int limit, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _codes.ListAsync(campaignId, status, after, limit, cancellationToken));

    public ValueTask<CouponResult> ClaimByCodeAsync(CodeHash code, string userId, string? idempotencyKey, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _codeClaims.ClaimAsync(code, userId, idempotencyKey, cancellationToken));

    public ValueTask<CouponResult> FindCouponByCodeAsync(CouponCodeKey key, CancellationToken cancellationToken = default) =>
        _guard.RunAsync(() => _codeClaims.FindAsync(key, cancellationToken));

    public void Dispose() => _redis.Dispose();
}
