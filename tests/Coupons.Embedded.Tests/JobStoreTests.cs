using Coupons.Core;
using Coupons.Core.Jobs;
using Coupons.Embedded.Jobs;

namespace Coupons.Embedded.Tests;

/// <summary>
/// What only the embedded job store has: its jobs, inputs, progress and failures kept across a
/// restart of the process, and a lease held by the process that is gone released at once. The
/// contract every job store keeps is <c>JobStoreConformance</c> (<see cref="EmbeddedJobStoreConformance"/>).
/// </summary>
public sealed class JobStoreTests : IDisposable
{
    private readonly TestStore _test = TestStore.Create();
    private EmbeddedJobStore _jobs;

    public JobStoreTests() => _jobs = new EmbeddedJobStore(_test.Dir, _test.Time);

    public void Dispose()
    {
        _jobs.Dispose();
        _test.Dispose();
    }

    [Fact]
    public async Task Jobs_their_inputs_progress_and_failures_survive_a_restart()
    {
        var job = await SealedAsync("a", "b", "c");
        var (_, lease) = (await _jobs.TryLeaseAsync("node-1", 1000))!.Value;
        await _jobs.CommitStepAsync(lease, Step(0, 2, failed: ("a", 0)), 1000);
        _jobs.Dispose();
        _jobs = new EmbeddedJobStore(_test.Dir, _test.Time);

        var reopened = (await _jobs.GetAsync(job.Id))!;
        Assert.Equal((2L, JobStatus.Running), (reopened.Done, reopened.Status));
        Assert.Equal(["c"], await _jobs.ReadInputsAsync(job.Id, 2, 10));
        Assert.Single(await _jobs.ListFailuresAsync(job.Id, null, 10));
        // The process that held the lease is gone (one process owns a data dir): taken again at once.
        Assert.NotNull(await _jobs.TryLeaseAsync("node-2", 1000));
        Assert.Equal(JobOutcome.LeaseLost, (await _jobs.CommitStepAsync(lease, Step(2, 3), 1000)).Outcome);
    }

    private static JobSpec Issuance(string? key = null, string by = "admin-1", Guid? campaign = null) =>
        new(JobKinds.Issuance, campaign ?? Guid.NewGuid(), by, key, "{}", null);

    private async Task<Job> SealedAsync(params string[] inputs)
    {
        var (job, _) = await _jobs.CreateAsync(Issuance());
        await _jobs.AppendInputsAsync(job.Id, inputs);
        return (await _jobs.SealInputsAsync(job.Id)).Job!;
    }

    private static JobStep Step(long from, long to, (string Input, long Index)? failed = null)
    {
        var results = new Dictionary<string, long> { ["ok"] = to - from - (failed is null ? 0 : 1) };
        if (failed is not null)
        {
            results["sold_out"] = 1;
        }

        return new JobStep(from, to, results, failed is { } f ? [new JobFailure(f.Index, f.Input, "sold_out")] : []);
    }
}
