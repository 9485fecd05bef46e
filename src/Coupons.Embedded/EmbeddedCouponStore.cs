using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Coupons.Core;
using Coupons.Core.Codes;

namespace Coupons.Embedded;

/// <summary>
/// The default store: all state in memory, so no decision waits for the disk, and SQLite as the
/// durable record through <see cref="GroupCommitLog"/>. An answer is returned only once every
/// change it made or saw is committed.
/// </summary>
/// <remarks>
/// Concurrency: there is no global lock on the request path. A claim holds the lock of one
/// (campaign, user) holding and takes stock with a compare-and-swap; a coupon operation holds
/// the lock of that coupon. A change is appended to the log before it becomes visible in memory
/// (or while the lock that hides it is held), so whatever a reader sees has a sequence number no
/// later than the log's end when it looks, and the reader waits for that.
/// <para>
/// Cancellation: a cancelled token is refused before anything changes. Once a change's record is
/// appended the change stands; cancelling then stops only the wait for it to be durable.
/// </para>
/// This file holds the store's life (open, recover, close) and what its operations share; the
/// operations are in <c>EmbeddedCouponStore.Campaigns.cs</c> and <c>EmbeddedCouponStore.Coupons.cs</c>.
/// </remarks>
public sealed partial class EmbeddedCouponStore : ICouponStore, IDisposable
{
    private readonly EmbeddedStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<Guid, CampaignEntry> _campaigns = new();
    private readonly CouponIndex _coupons = new();
    private readonly UserIndex _users = new();
    private readonly CodeIndex _codes = new();
    private readonly OwnCodeIndex _ownCodeIndex = new();
    private readonly Func<CouponOwnCodes> _ownCodesSource;
    private CouponOwnCodes _ownCodes = null!;
    private SqliteCodeReader? _codeReader;
    private SqliteBatchWriter? _batchWriter;
    private GroupCommitLog? _log;
    private Sweeper? _sweeper;
    private volatile bool _ready;
    private int _disposed;

    /// <param name="ownCodes">Every coupon's own code (<see cref="CouponOwnCodes"/>): the store records its hash with each claim.</param>
    public EmbeddedCouponStore(EmbeddedStoreOptions options, TimeProvider time, CouponOwnCodes ownCodes)
        : this(options, time, Given(ownCodes))
    {
    }

    /// <param name="ownCodes">
    /// Gives <see cref="CouponOwnCodes"/> when the store opens: the code keys may live in the data
    /// folder, and a folder that cannot be read then leaves the store not ready instead of failing the start.
    /// </param>
    public EmbeddedCouponStore(EmbeddedStoreOptions options, TimeProvider time, Func<CouponOwnCodes> ownCodes)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ownCodes);
        _options = options;
        _time = time;
        _ownCodesSource = ownCodes;
        AuditLog = new EmbeddedAuditLog(this, _users, options.DatabasePath, time);
    }

    public bool IsReady => _ready && _log is { IsFailed: false };

    /// <summary>The audit log kept in this store's database.</summary>
    public EmbeddedAuditLog AuditLog { get; }

    /// <summary>Coupons in memory, for recovery reports.</summary>
    public int CouponCount => _coupons.Count;

    /// <summary>How long each step of the last recovery took, for reports.</summary>
    public string? RecoverySteps { get; private set; }

    /// <summary>How long the last recovery from disk took.</summary>
    public TimeSpan RecoveryTime { get; private set; }

    /// <summary>Opens the database and rebuilds the state from it. The store takes requests once this completes.</summary>
    public void Open()
    {
        if (_batchWriter is not null)
        {
            throw new InvalidOperationException("the store is already open");
        }

        _ownCodes = _ownCodesSource() ?? throw new InvalidOperationException("no CouponOwnCodes was given");
        var connection = SqliteSchema.OpenReadWrite(_options);
        try
        {
            SqliteCodeSchema.FillOwnCodes(connection, _ownCodes);
            _batchWriter = new SqliteBatchWriter(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        var stopwatch = Stopwatch.StartNew();
        Recovery.LoadCampaigns(connection, _campaigns);
        RecoverySteps = Recovery.Run(connection, _options.DatabasePath, [.. _campaigns.Values], _coupons, _users);
        RecoverCodes(connection);
        LoadOrders(SqliteOrders.ReadAll(connection));
        _codeReader = new SqliteCodeReader(_options.DatabasePath);
        RecoveryTime = stopwatch.Elapsed;
        // A database that cannot be read fails the lookups as the store's unavailability, as a failed write does.
        var databasePath = _options.DatabasePath;
        _ownCodeIndex.Load(add => ReadCodes(() => SqliteCodeReader.ScanOwnCodes(databasePath, add)), _coupons.Count);
        // A timer or a wait past int.MaxValue ms throws (on the writer thread that would end the
        // process); the options are checked when a host starts, but a store can be made without one.
        var sweepInterval = TimeSpan.FromMilliseconds(Math.Clamp(_options.SweepInterval.TotalMilliseconds, 1, int.MaxValue));
        _log = new GroupCommitLog(_batchWriter, _options.MaxPendingChanges, sweepInterval);
        _sweeper = new Sweeper(_campaigns, _log, _time, sweepInterval);
        _ready = true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _ready = false;
        _sweeper?.Dispose();
        _log?.Dispose();
        _batchWriter?.Dispose();
        _codeReader?.Dispose();
    }

    /// <summary>Sweeps lapsed locks and passed validities into the stored state now (the sweeper's timer does it every SweepInterval); returns how many coupons changed.</summary>
    public int Sweep()
    {
        OpenLogOrThrow();
        return _sweeper!.Sweep();
    }

    /// <summary>The log of the open store; throws while the store is not open (recovering, or closed).</summary>
    internal GroupCommitLog OpenLogOrThrow()
    {
        if (!_ready || _log is null)
        {
            throw new StorageUnavailableException("the store is not open yet: it is recovering its state from disk");
        }

        return _log;
    }

    private static Func<CouponOwnCodes> Given(CouponOwnCodes ownCodes)
    {
        ArgumentNullException.ThrowIfNull(ownCodes);
        return () => ownCodes;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void CountRejection(CampaignEntry campaign, Outcome outcome)
    {
        if (campaign.CountRejection(outcome))
        {
            _log?.MarkCountersDirty(campaign);
        }
    }

    private bool TryFind(Guid couponId, string? ownerId, [NotNullWhen(true)] out CouponEntry? coupon) =>
        _coupons.TryGetValue(couponId, out coupon) && (ownerId is null || coupon.UserId == ownerId);

    /// <summary>One page in id order; only the items on the page are turned into answers.</summary>
    private static Page<TResult> Paginate<T, TResult>(IEnumerable<T> items, Func<T, Guid> id, int limit, Func<T, TResult> toResult)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        // One more than asked, to know whether there is a next page.
        var page = items.OrderBy(id).Take(limit + 1).ToList();
        var more = page.Count > limit;
        if (more)
        {
            page.RemoveAt(limit);
        }

        return new Page<TResult>([.. page.Select(toResult)], more ? id(page[^1]) : null);
    }
}
