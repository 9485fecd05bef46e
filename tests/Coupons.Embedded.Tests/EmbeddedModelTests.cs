using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Embedded.Tests;

/// <summary>
/// The model-based test (<see cref="StoreModelTests"/>) against the embedded store on real SQLite.
/// Reopening disposes the store and opens a new one on the same data folder, which must recover
/// the very same state from disk.
/// </summary>
public sealed class EmbeddedModelTests : StoreModelTests
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "coupons-tests", Guid.NewGuid().ToString("N"));

    protected override Task<ICouponStore> OpenAsync(FakeTimeProvider time) => Task.FromResult<ICouponStore>(Open(time));

    protected override Task<int> SweepAsync(ICouponStore store) => Task.FromResult(((EmbeddedCouponStore)store).Sweep());

    protected override Task<ICouponStore> ReopenAsync(ICouponStore store, FakeTimeProvider time)
    {
        ((EmbeddedCouponStore)store).Dispose();
        return Task.FromResult<ICouponStore>(Open(time));
    }

    protected override Task CloseAsync(ICouponStore store)
    {
        ((EmbeddedCouponStore)store).Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder does not fail a test.
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A store on the folder whose sweep timer never fires, so that only the test's explicit sweeps
    /// run: its interval is the longest the options allow (24 days), and the store is reopened, with
    /// a new timer, every few hours of the fake clock.
    /// </summary>
    private EmbeddedCouponStore Open(FakeTimeProvider time)
    {
        var store = new EmbeddedCouponStore(new EmbeddedStoreOptions { DataDir = _dir, SweepInterval = TimeSpan.FromDays(24) }, time, TestCodes.Own);
        store.Open();
        return store;
    }
}
