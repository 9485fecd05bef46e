using Coupons.Conformance;
using Coupons.Core;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Embedded.Tests;

/// <summary>The codes contract (<see cref="CodeStoreConformance"/>) against the embedded store.</summary>
public sealed class EmbeddedCodeConformance : CodeStoreConformance
{
    private string? _dir;

    protected override Task<ICouponStore> OpenAsync(FakeTimeProvider time)
    {
        _dir = Path.Combine(Path.GetTempPath(), "coupons-tests", Guid.NewGuid().ToString("N"));
        var store = new EmbeddedCouponStore(new EmbeddedStoreOptions { DataDir = _dir }, time, TestCodes.Own);
        store.Open();
        return Task.FromResult<ICouponStore>(store);
    }

    protected override Task CloseAsync(ICouponStore store)
    {
        ((EmbeddedCouponStore)store).Dispose();
        try
        {
            Directory.Delete(_dir!, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder does not fail a test.
        }

        return Task.CompletedTask;
    }
}
