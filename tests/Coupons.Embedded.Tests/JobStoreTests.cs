using Coupons.Core;
using Coupons.Core.Jobs;
using Coupons.Embedded.Jobs;

namespace Coupons.Embedded.Tests;

/// <summary>
/// The embedded job store and the runner over it: idempotent create, inputs appended then sealed,
/// one lease at a time, steps committed only in order and under the current lease, cancel, the
/// refused inputs paged, and all of it kept across a restart. An issuance run twice from the same
/// step (as after a crash) gives every user exactly one coupon.
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
    public async Task Create_with_the_same_key_and_caller_gives_the_same_job()
    {
        var (first, created) = await _jobs.CreateAsync(Issuance(key: "k1"));
        var (again, createdAgain) = await _jobs.CreateAsync(Issuance(key: "k1"));
        var (other, _) = await _jobs.CreateAsync(Issuance(key: "k1", by: "someone-else"));
        Assert.True(created);
        Assert.False(createdAgain);
        Assert.Equal(first.Id, again.Id);
        Assert.NotEqual(first.Id, other.Id);
    }

    [Fact]
    public async Task Inputs_are_appended_in_order_until_sealed_and_then_refused()
    {
        var (job, _) = await _jobs.CreateAsync(Issuance());
        Assert.Equal(JobOutcome.Ok, await _jobs.AppendInputsAsync(job.Id, ["a", "b"]));
        Assert.Equal(JobOutcome.Ok, await _jobs.AppendInputsAsync(job.Id, ["c"]));
        Assert.Null(await _jobs.TryLeaseAsync("node-1", 1000)); // not runnable before it is sealed
        var sealedJob = await _jobs.SealInputsAsync(job.Id);
        Assert.Equal(3, sealedJob.Job!.Total);
        Assert.Equal(JobOutcome.InputsSealed, await _jobs.AppendInputsAsync(job.Id, ["d"]));
        Assert.Equal(["b", "c"], await _jobs.ReadInputsAsync(job.Id, 1, 10));
        Assert.Equal(JobOutcome.Replayed, (await _jobs.SealInputsAsync(job.Id)).Outcome);
    }

    [Fact]
    public async Task One_node_holds_a_job_until_its_lease_expires_and_steps_commit_only_in_order()
    {
        var job = await SealedAsync("a", "b", "c");
        var (_, lease) = (await _jobs.TryLeaseAsync("node-1", 1000))!.Value;
        Assert.Null(await _jobs.TryLeaseAsync("node-2", 1000));

        Assert.Equal(JobOutcome.StepOutOfOrder, (await _jobs.CommitStepAsync(lease, Step(1, 2), 1000)).Outcome);
        var first = await _jobs.CommitStepAsync(lease, Step(0, 2, failed: ("b", 1)), 1000);
        Assert.Equal(JobOutcome.Ok, first.Outcome);
        Assert.Equal(2, first.Job!.Done);
        Assert.Equal(JobOutcome.StepOutOfOrder, (await _jobs.CommitStepAsync(lease, Step(0, 2), 1000)).Outcome); // the same step again

        _test.Time.Advance(TimeSpan.FromSeconds(2));
        var (_, taken) = (await _jobs.TryLeaseAsync("node-2", 1000))!.Value;
        Assert.Equal(JobOutcome.LeaseLost, (await _jobs.CommitStepAsync(lease, Step(2, 3), 1000)).Outcome);
        var last = await _jobs.CommitStepAsync(taken, Step(2, 3), 1000);
        Assert.Equal(JobStatus.Succeeded, last.Job!.Status);
        Assert.Equal(2, last.Job.Results["ok"]);
        Assert.Equal(1, last.Job.Results["sold_out"]);
        Assert.Equal([new JobFailure(1, "b", "sold_out")], await _jobs.ListFailuresAsync(job.Id, null, 10));
        Assert.Empty(await _jobs.ListFailuresAsync(job.Id, 1, 10));
    }

    [Fact]
    public async Task A_cancelled_job_takes_no_more_steps()
    {
        var job = await SealedAsync("a", "b");
        var (_, lease) = (await _jobs.TryLeaseAsync("node-1", 1000))!.Value;
        Assert.Equal(JobOutcome.Ok, (await _jobs.CancelAsync(job.Id)).Outcome);
        Assert.Equal(JobOutcome.Replayed, (await _jobs.CancelAsync(job.Id)).Outcome);
        Assert.Equal(JobOutcome.Finished, (await _jobs.CommitStepAsync(lease, Step(0, 1), 1000)).Outcome);
        Assert.Equal(JobOutcome.NotFound, (await _jobs.CancelAsync(Guid.NewGuid())).Outcome);
        Assert.Null(await _jobs.TryLeaseAsync("node-2", 1000));
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

    [Fact]
    public async Task An_issuance_redone_from_the_same_step_gives_each_user_exactly_one_coupon()
    {
        var campaign = await _test.Store.CreateCampaignAsync(Terms.AmountOff(), 250);
        var users = Enumerable.Range(0, 300).Select(i => $"user-{i}").ToArray();
        var (job, _) = await _jobs.CreateAsync(Issuance(campaign: campaign.Id));
        await _jobs.AppendInputsAsync(job.Id, users);
        await _jobs.SealInputsAsync(job.Id);
        var handler = new IssuanceHandler(_test.Store, _jobs, stepSize: 100);

        // A node runs the first step and dies before committing it.
        var (leased, _) = (await _jobs.TryLeaseAsync("node-1", 1000))!.Value;
        await handler.RunStepAsync(leased, 0, CancellationToken.None);
        _test.Time.Advance(TimeSpan.FromSeconds(2));

        var runner = new JobRunner(_jobs, [handler], "node-2", leaseMs: 1000);
        Assert.True(await runner.RunOnceAsync(CancellationToken.None));
        var done = (await _jobs.GetAsync(job.Id))!;
        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal(250, done.Results["ok"]);
        Assert.Equal(50, done.Results["sold_out"]);
        Assert.Equal(250, (await _test.Store.GetCampaignAsync(campaign.Id))!.Issued);
        foreach (var user in users.Take(250))
        {
            Assert.Single((await _test.Store.ListUserCouponsAsync(user, null, null, 10)).Items);
        }

        var failures = await _jobs.ListFailuresAsync(job.Id, null, 100);
        Assert.Equal(50, failures.Count);
        Assert.All(failures, f => Assert.Equal("sold_out", f.Code));
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
