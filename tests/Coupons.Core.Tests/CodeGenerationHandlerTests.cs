using Coupons.Core.Codes;
using Coupons.Core.Jobs;

namespace Coupons.Core.Tests;

/// <summary>
/// The generation job's step: its codes stored part by part, one call at a time in index order, and
/// the same codes, results and clash handling whatever the size of the parts; a step redone keeps
/// every code; a refusal ends the job.
/// </summary>
public sealed class CodeGenerationHandlerTests
{
    private static readonly byte[] EncryptionKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] LookupKey = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(10_000)]
    [InlineData(2_500)]
    [InlineData(999)]
    public async Task A_step_stores_its_codes_in_order_and_clashes_are_derived_again(int partSize)
    {
        using var protector = new CodeProtector(EncryptionKey, [], LookupKey);
        var job = NewJob(total: 25_000);
        var store = new FakeCodeStore();
        // Codes another job already has: the first attempt at these indexes clashes, wherever they fall in the parts.
        int[] taken = [0, 998, 2_499, 2_500, 9_999];
        foreach (var index in taken)
        {
            store.Take(protector.HashOf(Code(protector, job, 10_000 + index, 0)));
        }

        var handler = new CodeGenerationHandler(store, protector, 10_000, partSize);
        var step = await handler.RunStepAsync(job, 10_000, CancellationToken.None);

        Assert.Equal((10_000L, 20_000L, 10_000L), (step.From, step.To, step.Results[CodeGenerationHandler.Ok]));
        Assert.Empty(step.Failures);
        Assert.Equal(Enumerable.Range(10_000, 10_000).Select(i => (long)i), store.Calls.Take(store.Calls.Count - 1).SelectMany(c => c));
        Assert.All(store.Calls.Take(store.Calls.Count - 1), c => Assert.True(c.Count <= partSize));
        Assert.Equal(taken.Select(i => 10_000L + i), store.Calls[^1]);
        foreach (var index in Enumerable.Range(10_000, 10_000))
        {
            var attempt = taken.Contains(index - 10_000) ? 1 : 0;
            Assert.Equal(protector.HashOf(Code(protector, job, index, attempt)), store.HashAt(index));
        }
    }

    [Fact]
    public async Task A_redone_step_derives_the_same_codes_which_the_store_keeps()
    {
        using var protector = new CodeProtector(EncryptionKey, [], LookupKey);
        var job = NewJob(total: 6_000);
        var store = new FakeCodeStore();
        store.Take(protector.HashOf(Code(protector, job, 4_321, 0)));
        var handler = new CodeGenerationHandler(store, protector, 10_000, 1_000);

        var first = await handler.RunStepAsync(job, 0, CancellationToken.None);
        var stored = Enumerable.Range(0, 6_000).Select(store.HashAt).ToList();
        var again = await handler.RunStepAsync(job, 0, CancellationToken.None);

        Assert.Equal(first.Results, again.Results);
        Assert.Equal((0L, 6_000L), (again.From, again.To));
        Assert.Equal(stored, Enumerable.Range(0, 6_000).Select(store.HashAt));
        Assert.Equal(6_000, store.Count);
    }

    [Fact]
    public async Task Steps_made_ahead_give_the_same_codes_whichever_job_or_step_comes_next()
    {
        using var protector = new CodeProtector(EncryptionKey, [], LookupKey);
        var (first, second) = (NewJob(total: 25_000), NewJob(total: 12_000));
        var store = new FakeCodeStore();
        var handler = new CodeGenerationHandler(store, protector, 10_000, 3_000);

        // Another job's step between two of the first's, a step redone, a step taken up elsewhere: the
        // part made ahead is used only by the very step it was made for, and the codes never differ.
        foreach (var (job, from) in new[] { (first, 0L), (second, 0L), (first, 10_000L), (first, 20_000L), (first, 10_000L), (first, 20_000L), (second, 10_000L) })
        {
            var step = await handler.RunStepAsync(job, from, CancellationToken.None);
            var to = Math.Min(from + 10_000, job.Total);
            Assert.Equal((from, to, to - from), (step.From, step.To, step.Results[CodeGenerationHandler.Ok]));
        }

        Assert.Equal(37_000, store.Count);
        foreach (var job in new[] { first, second })
        {
            var sample = Enumerable.Range(0, (int)job.Total).Where(i => i % 997 == 0 || i % 10_000 is < 3 or > 2_996 and < 3_003);
            Assert.All(sample, index => Assert.Equal(protector.HashOf(Code(protector, job, index, 0)), store.HashAt(job.Id, index)));
        }
    }

    [Fact]
    public async Task A_campaign_refused_midway_ends_the_job_with_its_outcome()
    {
        using var protector = new CodeProtector(EncryptionKey, [], LookupKey);
        var job = NewJob(total: 30_000);
        var store = new FakeCodeStore { RefuseAfterCalls = 2 };
        var handler = new CodeGenerationHandler(store, protector, 10_000, 2_500);

        var step = await handler.RunStepAsync(job, 10_000, CancellationToken.None);

        Assert.Equal((10_000L, 30_000L), (step.From, step.To));
        Assert.Equal(20_000, Assert.Single(step.Results, r => r.Key == Outcome.CampaignEnded.ToCode()).Value);
        Assert.Equal(3, store.Calls.Count);
    }

    private static Job NewJob(long total) =>
        new(Guid.CreateVersion7(), JobKinds.Codes, JobStatus.Running, Guid.CreateVersion7(), "admin",
            new CodeGenerationParameters("GEN", 10).ToJson(), total, 0, new Dictionary<string, long>(), true, 0, null);

    private static string Code(CodeProtector protector, Job job, long index, int attempt)
    {
        var code = new char[CouponCodes.MaxCodeLength];
        return new string(code, 0, CodeDerivation.ForJob(protector, job.Id, index, attempt, "GEN", 10, code));
    }

    /// <summary>A code store in memory that keeps codes as stores must, and checks it is called one call at a time.</summary>
    private sealed class FakeCodeStore : ICodeStore
    {
        private readonly Dictionary<CodeHash, (Guid Job, long Index)> _byHash = [];
        private readonly Dictionary<(Guid Job, long Index), CodeHash> _byIndex = [];
        private Guid _lastJob;
        private int _inCall;

        public List<List<long>> Calls { get; } = [];

        public int RefuseAfterCalls { get; init; } = int.MaxValue;

        public int Count => _byIndex.Count;

        public void Take(CodeHash hash) => _byHash.Add(hash, (Guid.Empty, -1));

        /// <summary>The hash stored at <paramref name="index"/> of the job stored last.</summary>
        public CodeHash HashAt(int index) => _byIndex[(_lastJob, index)];

        public CodeHash HashAt(Guid jobId, int index) => _byIndex[(jobId, index)];

        public async ValueTask<AddCodesResult> AddCodesAsync(Guid campaignId, Guid jobId, IReadOnlyList<NewCode> codes, CancellationToken cancellationToken = default)
        {
            Assert.Equal(1, Interlocked.Increment(ref _inCall));
            await Task.Yield();
            Calls.Add([.. codes.Select(c => c.Index)]);
            var clashes = new List<int>();
            if (Calls.Count > RefuseAfterCalls)
            {
                Interlocked.Decrement(ref _inCall);
                return new AddCodesResult(Outcome.CampaignEnded, []);
            }

            _lastJob = jobId;
            for (var i = 0; i < codes.Count; i++)
            {
                if (_byHash.TryAdd(codes[i].Hash, (jobId, codes[i].Index)))
                {
                    _byIndex.Add((jobId, codes[i].Index), codes[i].Hash);
                }
                else if (_byHash[codes[i].Hash] != (jobId, codes[i].Index))
                {
                    clashes.Add(i);
                }
            }

            Interlocked.Decrement(ref _inCall);
            return new AddCodesResult(Outcome.Ok, clashes);
        }

        public ValueTask<CodePage> ListCodesAsync(Guid campaignId, CodeStatus? status, CodeCursor? after, int limit, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public ValueTask<CouponResult> ClaimByCodeAsync(CodeHash code, string userId, string? idempotencyKey, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public ValueTask<CouponResult> FindCouponByCodeAsync(CouponCodeKey key, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
