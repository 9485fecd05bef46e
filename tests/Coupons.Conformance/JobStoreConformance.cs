using Coupons.Core;
using Coupons.Core.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace Coupons.Conformance;

/// <summary>
/// The behaviour every <see cref="IJobStore"/> must have: idempotent create, inputs appended in
/// order until sealed and read back exactly, one lease at a time (two nodes racing: one wins), a
/// lease that expires leaves the job to another node, steps committed only from where the last
/// ended and under the current, unexpired lease, cancel, refused inputs paged in input order, and
/// an issuance run end to end through <see cref="JobRunner"/> and <see cref="IssuanceHandler"/>
/// (a step redone after a crash gives nobody a second coupon). A store's test project derives from
/// this class and says how to open its stores.
/// </summary>
public abstract partial class JobStoreConformance : IAsyncLifetime
{
    /// <summary>The clock starts here: 2025-06-15T00:00:00Z.</summary>
    protected static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(Start);

    protected IJobStore Jobs { get; private set; } = null!;

    protected ICouponStore Coupons { get; private set; } = null!;

    /// <summary>A new, empty coupon store and job store beside it, on <paramref name="time"/>.</summary>
    protected abstract Task<(ICouponStore Coupons, IJobStore Jobs)> OpenAsync(FakeTimeProvider time);

    /// <summary>Closes what <see cref="OpenAsync"/> opened, and frees it.</summary>
    protected abstract Task CloseAsync();

    /// <summary>
    /// The same jobs as another node sees them (a store of its own on the same data, where the store
    /// can be shared between processes); the store itself where it cannot.
    /// </summary>
    protected virtual Task<IJobStore> OtherNodeAsync() => Task.FromResult(Jobs);

    public async Task InitializeAsync() => (Coupons, Jobs) = await OpenAsync(Time);

    public Task DisposeAsync() => CloseAsync();

    [Fact]
    public async Task Create_with_the_same_key_and_caller_gives_the_same_job()
    {
        var (first, created) = await Jobs.CreateAsync(Issuance(key: "k1"));
        var (again, createdAgain) = await Jobs.CreateAsync(Issuance(key: "k1"));
        var (other, otherCreated) = await Jobs.CreateAsync(Issuance(key: "k1", by: "someone-else"));
        var (unkeyed, _) = await Jobs.CreateAsync(Issuance());
        var (unkeyedAgain, _) = await Jobs.CreateAsync(Issuance());
        Assert.True(created);
        Assert.False(createdAgain);
        Assert.True(otherCreated);
        Assert.Equal(first.Id, again.Id);
        Assert.Equal((JobStatus.Queued, "admin-1", first.CampaignId), (again.Status, again.CreatedBy, again.CampaignId));
        Assert.NotEqual(first.Id, other.Id);
        Assert.NotEqual(unkeyed.Id, unkeyedAgain.Id);
        Assert.Equal(first, await Jobs.GetAsync(first.Id) is { } read ? read with { Results = first.Results } : null);
        Assert.Null(await Jobs.GetAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task Creates_racing_with_one_key_make_one_job()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => await Jobs.CreateAsync(Issuance(key: "race")))));
        Assert.Single(answers.Select(a => a.Job.Id).Distinct());
        Assert.Single(answers, a => a.Created);
    }

    [Fact]
    public async Task Inputs_are_appended_in_order_until_sealed_and_then_refused()
    {
        var (job, _) = await Jobs.CreateAsync(Issuance());
        Assert.Equal(JobOutcome.Ok, await Jobs.AppendInputsAsync(job.Id, ["a", "b"]));
        Assert.Equal(JobOutcome.Ok, await Jobs.AppendInputsAsync(job.Id, ["c"]));
        Assert.Null(await Jobs.TryLeaseAsync("node-1", 1000)); // not runnable before it is sealed
        var sealedJob = await Jobs.SealInputsAsync(job.Id);
        Assert.Equal(JobOutcome.Ok, sealedJob.Outcome);
        Assert.Equal((3L, true, JobStatus.Queued), (sealedJob.Job!.Total, sealedJob.Job.InputsSealed, sealedJob.Job.Status));
        Assert.Equal(JobOutcome.InputsSealed, await Jobs.AppendInputsAsync(job.Id, ["d"]));
        Assert.Equal(["b", "c"], await Jobs.ReadInputsAsync(job.Id, 1, 10));
        Assert.Empty(await Jobs.ReadInputsAsync(job.Id, 3, 10));
        Assert.Equal(JobOutcome.Replayed, (await Jobs.SealInputsAsync(job.Id)).Outcome);
        Assert.Equal(3, (await Jobs.GetAsync(job.Id))!.Total);

        Assert.Equal(JobOutcome.NotFound, await Jobs.AppendInputsAsync(Guid.NewGuid(), ["x"]));
        Assert.Equal(JobOutcome.NotFound, (await Jobs.SealInputsAsync(Guid.NewGuid())).Outcome);
    }

    [Fact]
    public async Task Inputs_read_back_exactly_whatever_they_hold()
    {
        string[] awkward =
        [
            "a,b", "\"quoted\"", "'single'", "O'Brien, Jr.", " leading and trailing ", "two  spaces", "ünïcödé", "日本語のユーザー",
            "emoji 🎟️🎉", "back\\slash", "semi;colon", "tab\tinside", "line\nbreak", "carriage\rreturn", "{brace}", "r:ok", "0", "-1",
            new string('x', StoreLimits.MaxUserIdLength), "\u00a0non-breaking", "\u200bzero-width", "%20percent", "null",
        ];
        var many = Enumerable.Range(0, 2_500).Select(i => $"user-{i}").ToArray();
        var (job, _) = await Jobs.CreateAsync(Issuance());
        Assert.Equal(JobOutcome.Ok, await Jobs.AppendInputsAsync(job.Id, awkward));
        Assert.Equal(JobOutcome.Ok, await Jobs.AppendInputsAsync(job.Id, many)); // more in one call than a script unpacks at once
        Assert.Equal(JobOutcome.Ok, await Jobs.AppendInputsAsync(job.Id, []));
        Assert.Equal(awkward.Length + many.Length, (await Jobs.SealInputsAsync(job.Id)).Job!.Total);

        Assert.Equal(awkward, await Jobs.ReadInputsAsync(job.Id, 0, awkward.Length));
        var all = new List<string>();
        for (var from = 0L; ;)
        {
            var page = await Jobs.ReadInputsAsync(job.Id, from, 700);
            if (page.Count == 0)
            {
                break;
            }

            all.AddRange(page);
            from += page.Count;
        }

        Assert.Equal([.. awkward, .. many], all);
    }

    [Fact]
    public async Task Two_nodes_racing_for_a_job_one_takes_it()
    {
        var job = await SealedAsync("a", "b", "c");
        var other = await OtherNodeAsync();
        var attempts = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await (i % 2 == 0 ? Jobs : other).TryLeaseAsync($"node-{i}", 10_000))));
        var winner = Assert.Single(attempts, a => a is not null)!.Value;
        Assert.Equal(job.Id, winner.Job.Id);
        Assert.Equal(JobStatus.Running, winner.Job.Status);
        Assert.Equal(JobStatus.Running, (await Jobs.GetAsync(job.Id))!.Status);
        Assert.Null(await other.TryLeaseAsync("node-late", 10_000));
    }

    [Fact]
    public async Task An_expired_lease_leaves_the_job_to_another_node()
    {
        var job = await SealedAsync("a", "b", "c");
        var (_, first) = (await Jobs.TryLeaseAsync("node-1", 1000))!.Value;
        Assert.Equal((job.Id, "node-1", Start.ToUnixTimeMilliseconds() + 1000), (first.JobId, first.Owner, first.ExpiresAtMs));
        Time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Null(await Jobs.TryLeaseAsync("node-2", 1000));
        Time.Advance(TimeSpan.FromMilliseconds(1));

        var other = await OtherNodeAsync();
        var (taken, second) = (await other.TryLeaseAsync("node-2", 1000))!.Value;
        Assert.Equal(job.Id, taken.Id);
        Assert.Equal("node-2", second.Owner);
        Assert.True(second.Token > first.Token);
        Assert.Equal(JobOutcome.LeaseLost, (await Jobs.CommitStepAsync(first, Step(0, 1), 1000)).Outcome);
        Assert.Equal(JobOutcome.Ok, (await other.CommitStepAsync(second, Step(0, 1), 1000)).Outcome);
    }

    [Fact]
    public async Task Steps_commit_only_in_order_under_the_current_unexpired_lease()
    {
        var job = await SealedAsync("a", "b", "c");
        var (_, lease) = (await Jobs.TryLeaseAsync("node-1", 1000))!.Value;

        Assert.Equal(JobOutcome.StepOutOfOrder, (await Jobs.CommitStepAsync(lease, Step(1, 2), 1000)).Outcome);
        Assert.Equal(JobOutcome.StepOutOfOrder, (await Jobs.CommitStepAsync(lease, Step(0, 4), 1000)).Outcome); // past the inputs
        Assert.Equal(JobOutcome.LeaseLost, (await Jobs.CommitStepAsync(lease with { Token = lease.Token + 1 }, Step(0, 1), 1000)).Outcome);
        Assert.Equal(JobOutcome.LeaseLost, (await Jobs.CommitStepAsync(lease with { Owner = "node-2" }, Step(0, 1), 1000)).Outcome);
        Assert.Equal(JobOutcome.NotFound, (await Jobs.CommitStepAsync(lease with { JobId = Guid.NewGuid() }, Step(0, 1), 1000)).Outcome);

        var first = await Jobs.CommitStepAsync(lease, Step(0, 2, failed: ("b", 1)), 5000);
        Assert.Equal(JobOutcome.Ok, first.Outcome);
        Assert.Equal((2L, JobStatus.Running), (first.Job!.Done, first.Job.Status));
        Assert.Equal(JobOutcome.StepOutOfOrder, (await Jobs.CommitStepAsync(lease, Step(0, 2), 1000)).Outcome); // the same step again

        // The commit extended the lease by 5 s from then: still held at 4.9 s, lost at 5 s.
        Time.Advance(TimeSpan.FromMilliseconds(4_999));
        Assert.Null(await Jobs.TryLeaseAsync("node-2", 1000));
        Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(JobOutcome.LeaseLost, (await Jobs.CommitStepAsync(lease, Step(2, 3), 1000)).Outcome); // expired, not yet taken

        var (_, taken) = (await Jobs.TryLeaseAsync("node-2", 1000))!.Value;
        var last = await Jobs.CommitStepAsync(taken, Step(2, 3), 1000);
        Assert.Equal(JobStatus.Succeeded, last.Job!.Status);
        Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), last.Job.FinishedAtMs);
        Assert.Equal(new Dictionary<string, long> { ["ok"] = 2, ["sold_out"] = 1 }, last.Job.Results);
        Assert.Equal(last.Job, await Jobs.GetAsync(job.Id) is { } read ? read with { Results = last.Job.Results } : null);
        Assert.Equal(last.Job.Results, (await Jobs.GetAsync(job.Id))!.Results);
        Assert.Equal(JobOutcome.Finished, (await Jobs.CommitStepAsync(taken, Step(3, 3), 1000)).Outcome);
        Assert.Null(await Jobs.TryLeaseAsync("node-3", 1000));
        // Finished: its inputs are gone (nothing reads them again), its refused ones kept with their codes.
        Assert.Empty(await Jobs.ReadInputsAsync(job.Id, 0, 10));
        Assert.Equal(["b"], (await Jobs.ListFailuresAsync(job.Id, null, 10)).Select(f => f.Input));
    }

    [Fact]
    public async Task A_cancelled_job_takes_no_more_steps()
    {
        var job = await SealedAsync("a", "b");
        var (_, lease) = (await Jobs.TryLeaseAsync("node-1", 1000))!.Value;
        var cancelled = await Jobs.CancelAsync(job.Id);
        Assert.Equal(JobOutcome.Ok, cancelled.Outcome);
        Assert.Equal((JobStatus.Cancelled, Start.ToUnixTimeMilliseconds()), (cancelled.Job!.Status, cancelled.Job.FinishedAtMs));
        Assert.Equal(JobOutcome.Replayed, (await Jobs.CancelAsync(job.Id)).Outcome);
        Assert.Equal(JobOutcome.Finished, (await Jobs.CommitStepAsync(lease, Step(0, 1), 1000)).Outcome);
        Assert.Equal(JobOutcome.NotFound, (await Jobs.CancelAsync(Guid.NewGuid())).Outcome);
        Assert.Equal(JobStatus.Cancelled, (await Jobs.GetAsync(job.Id))!.Status);
        Assert.Empty(await Jobs.ReadInputsAsync(job.Id, 0, 10));
        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Null(await Jobs.TryLeaseAsync("node-2", 1000));

        var done = await SealedAsync("c");
        var (_, doneLease) = (await Jobs.TryLeaseAsync("node-1", 1000))!.Value;
        await Jobs.CommitStepAsync(doneLease, Step(0, 1), 1000);
        Assert.Equal(JobOutcome.Finished, (await Jobs.CancelAsync(done.Id)).Outcome);
    }

    [Fact]
    public async Task A_job_with_its_total_known_up_front_runs_without_inputs()
    {
        var (job, created) = await Jobs.CreateAsync(new JobSpec(JobKinds.Codes, Guid.NewGuid(), "admin-1", "codes-1", """{"count":5}""", 5));
        Assert.True(created);
        Assert.Equal((5L, true, """{"count":5}"""), (job.Total, job.InputsSealed, job.Parameters));
        Assert.Equal(job.Id, (await Jobs.CreateAsync(new JobSpec(JobKinds.Codes, Guid.NewGuid(), "admin-1", "codes-1", "{}", 5))).Job.Id);
        var (leased, lease) = (await Jobs.TryLeaseAsync("node-1", 1000))!.Value;
        Assert.Equal((job.Id, JobKinds.Codes), (leased.Id, leased.Kind));
        Assert.Equal(JobOutcome.Ok, (await Jobs.CommitStepAsync(lease, Step(0, 3), 1000)).Outcome);
        Assert.Equal(JobStatus.Succeeded, (await Jobs.CommitStepAsync(lease, Step(3, 5), 1000)).Job!.Status);
        Assert.Null(await Jobs.TryLeaseAsync("node-1", 1000));
    }

    private static JobSpec Issuance(string? key = null, string by = "admin-1", Guid? campaign = null) =>
        new(JobKinds.Issuance, campaign ?? Guid.NewGuid(), by, key, "{}", null);

    private async Task<Job> SealedAsync(params string[] inputs)
    {
        var (job, _) = await Jobs.CreateAsync(Issuance());
        await Jobs.AppendInputsAsync(job.Id, inputs);
        return (await Jobs.SealInputsAsync(job.Id)).Job!;
    }

    private static JobStep Step(long from, long to, (string Input, long Index)? failed = null)
    {
        var results = new Dictionary<string, long>();
        if (to - from - (failed is null ? 0 : 1) is > 0 and var ok)
        {
            results["ok"] = ok;
        }

        if (failed is not null)
        {
            results["sold_out"] = 1;
        }

        return new JobStep(from, to, results, failed is { } f ? [new JobFailure(f.Index, f.Input, "sold_out")] : []);
    }
}
