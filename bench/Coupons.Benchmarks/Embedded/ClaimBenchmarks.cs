using BenchmarkDotNet.Attributes;
using Coupons.Core;

namespace Coupons.Benchmarks.Embedded;

/// <summary>
/// <see cref="Coupons.Embedded.EmbeddedCouponStore.ClaimAsync"/> end to end, including the wait for
/// the group commit (one SQLite transaction and fsync per batch). One caller pays a whole commit per
/// claim; 64 claims in flight share commits, which is what the group commit is for. Times are per
/// claim in both cases.
/// </summary>
[MemoryDiagnoser]
public class ClaimBenchmarks
{
    private const int Callers = 64;

    private readonly ValueTask<CouponResult>[] _inFlight = new ValueTask<CouponResult>[Callers];
    private StoreFixture _fixture = null!;

    [GlobalSetup]
    public void Setup() => _fixture = new StoreFixture();

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    [Benchmark(Baseline = true)]
    public async Task<Outcome> Claim_OneCaller() => Expect.Ok(await _fixture.ClaimNextAsync()).Outcome;

    /// <summary>64 claims of different users started together, as concurrent requests would be, then all awaited.</summary>
    [Benchmark(OperationsPerInvoke = Callers)]
    public async Task Claim_64Callers()
    {
        for (var i = 0; i < Callers; i++)
        {
            _inFlight[i] = _fixture.ClaimNextAsync();
        }

        for (var i = 0; i < Callers; i++)
        {
            Expect.Ok(await _inFlight[i]);
        }
    }
}
