using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Embedded;

namespace Coupons.Benchmarks.Embedded;

/// <summary>
/// A generation job's million codes into the embedded store, in steps of 10,000 as the job makes
/// them (one <see cref="EmbeddedCouponStore.AddCodesAsync"/> and one commit each): the store's part
/// alone (codes derived and sealed beforehand), and the whole of it (derive, seal, store), on a
/// new store each time. Times are for the million.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
[MemoryDiagnoser]
public class CodeStoreBenchmarks
{
    private const int Codes = 1_000_000;
    private const int Step = 10_000;

    private readonly Guid _jobId = Guid.CreateVersion7();
    private CodeProtector _protector = null!;
    private NewCode[][] _steps = null!;
    private string _dataDir = null!;
    private EmbeddedCouponStore _store = null!;
    private Guid _campaignId;

    [GlobalSetup]
    public void Setup()
    {
        _protector = BenchCodes.Own.Protector;
        _campaignId = Guid.CreateVersion7();
        _steps = [.. Enumerable.Range(0, Codes / Step).Select(s => Derive(_campaignId, s))];
    }

    [IterationSetup]
    public void OpenStore()
    {
        _dataDir = Path.Combine(Path.GetTempPath(), "coupons-benchmarks", Guid.NewGuid().ToString("N"));
        _store = new EmbeddedCouponStore(new EmbeddedStoreOptions { DataDir = _dataDir }, TimeProvider.System, BenchCodes.Own);
        _store.Open();
        var campaign = _store.CreateCampaignAsync(
            new CampaignDefinition { Name = "Codes", Discount = Discount.AmountOffOf(500), Validity = Validity.Relative(30) }, 10).AsTask().GetAwaiter().GetResult();
        _campaignId = campaign.Id;
    }

    [IterationCleanup]
    public void CloseStore()
    {
        _store.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    /// <summary>The store's part: the codes are sealed for another campaign id, which the store never opens.</summary>
    [Benchmark(Baseline = true)]
    public async Task Store_1M()
    {
        foreach (var step in _steps)
        {
            Expect.NoClash(await _store.AddCodesAsync(_campaignId, _jobId, step));
        }
    }

    /// <summary>What the generation job does with the store: derive, hash and seal each step's codes, then store them.</summary>
    [Benchmark]
    public async Task DeriveSealStore_1M()
    {
        for (var s = 0; s < Codes / Step; s++)
        {
            Expect.NoClash(await _store.AddCodesAsync(_campaignId, _jobId, Derive(_campaignId, s)));
        }
    }

    private NewCode[] Derive(Guid campaignId, int step)
    {
        var codes = new NewCode[Step];
        Span<char> code = stackalloc char[CouponCodes.MaxCodeLength];
        for (var i = 0; i < Step; i++)
        {
            var index = ((long)step * Step) + i;
            var length = CodeDerivation.ForJob(_protector, _jobId, index, 0, [], CouponCodes.DefaultLength, code);
            codes[i] = new NewCode(index, _protector.HashOf(code[..length]), _protector.Protect(new string(code[..length]), campaignId));
        }

        return codes;
    }
}
