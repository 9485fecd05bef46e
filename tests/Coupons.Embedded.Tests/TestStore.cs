using System.Globalization;
using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Embedded.Tests;

/// <summary>
/// One embedded store on its own temporary data folder, with a fake clock. Reopening builds a new
/// store on the same folder, which is how recovery from disk is tested. Disposing closes the store
/// and deletes the folder.
/// </summary>
internal sealed class TestStore : IDisposable
{
    /// <summary>The clock starts here: 2025-06-15T00:00:00Z, a whole second.</summary>
    public static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    private readonly Action<EmbeddedStoreOptions>? _configure;
    private bool _closed;

    private TestStore(Action<EmbeddedStoreOptions>? configure)
    {
        _configure = configure;
        Dir = Path.Combine(Path.GetTempPath(), "coupons-tests", Guid.NewGuid().ToString("N"));
        Time = new FakeTimeProvider();
        Time.SetUtcNow(Start);
    }

    public string Dir { get; }

    public FakeTimeProvider Time { get; }

    public EmbeddedCouponStore Store { get; private set; } = null!;

    public long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A store on a new empty folder; <paramref name="configure"/> is applied at every open.</summary>
    public static TestStore Create(Action<EmbeddedStoreOptions>? configure = null)
    {
        var test = new TestStore(configure);
        test.Store = test.OpenStore(configure);
        return test;
    }

    /// <summary>Closes the store and opens a new one on the same folder, as a restart does.</summary>
    public EmbeddedCouponStore Reopen(Action<EmbeddedStoreOptions>? configure = null)
    {
        Close();
        Store = OpenStore(configure ?? _configure);
        _closed = false;
        return Store;
    }

    /// <summary>Closes the store (once: a second Dispose of a store is not something these tests rely on).</summary>
    public void Close()
    {
        if (!_closed)
        {
            _closed = true;
            Store.Dispose();
        }
    }

    public EmbeddedStoreOptions Options(Action<EmbeddedStoreOptions>? configure)
    {
        var options = new EmbeddedStoreOptions { DataDir = Dir };
        configure?.Invoke(options);
        return options;
    }

    public void Dispose()
    {
        try
        {
            Close();
        }
        finally
        {
            DeleteDir();
        }
    }

    private void DeleteDir()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder does not fail a test.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }
    }

    private EmbeddedCouponStore OpenStore(Action<EmbeddedStoreOptions>? configure)
    {
        var store = new EmbeddedCouponStore(Options(configure), Time, TestCodes.Own);
        store.Open();
        return store;
    }
}

/// <summary>Campaign definitions for the tests.</summary>
internal static class Terms
{
    public static CampaignDefinition AmountOff(
        long amountOff = 500,
        int perUserLimit = 1,
        long minOrderAmount = 0,
        int lockTtlSeconds = CampaignDefinition.DefaultLockTtlSeconds,
        Validity? validity = null,
        string name = "Test campaign") => new()
        {
            Name = name,
            Discount = Discount.AmountOffOf(amountOff),
            MinOrderAmount = minOrderAmount,
            PerUserLimit = perUserLimit,
            LockTtlSeconds = lockTtlSeconds,
            Validity = validity ?? Validity.Relative(30),
        };

    public static string User(int i) => "user-" + i.ToString("D5", CultureInfo.InvariantCulture);

    public static string Order(int i) => "order-" + i.ToString(CultureInfo.InvariantCulture);
}
