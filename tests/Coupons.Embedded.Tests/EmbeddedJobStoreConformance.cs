using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Jobs;
using Coupons.Embedded.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Embedded.Tests;

/// <summary>The job store contract (<see cref="JobStoreConformance"/>) against the embedded job store, beside an embedded coupon store.</summary>
public sealed class EmbeddedJobStoreConformance : JobStoreConformance
{
    private string? _dir;
    private EmbeddedCouponStore? _coupons;
    private EmbeddedJobStore? _jobs;

    protected override Task<(ICouponStore Coupons, IJobStore Jobs)> OpenAsync(FakeTimeProvider time)
    {
        _dir = Path.Combine(Path.GetTempPath(), "coupons-tests", Guid.NewGuid().ToString("N"));
        _coupons = new EmbeddedCouponStore(new EmbeddedStoreOptions { DataDir = _dir }, time, TestCodes.Own);
        _coupons.Open();
        _jobs = new EmbeddedJobStore(_dir, time);
        return Task.FromResult<(ICouponStore, IJobStore)>((_coupons, _jobs));
    }

    protected override Task CloseAsync()
    {
        _jobs?.Dispose();
        _coupons?.Dispose();
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
