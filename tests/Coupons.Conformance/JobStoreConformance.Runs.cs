using Coupons.Core;
using Coupons.Core.Jobs;

namespace Coupons.Conformance;

/// <summary>The refused inputs, paged; and whole runs through <see cref="JobRunner"/> and <see cref="IssuanceHandler"/> on the coupon store beside the jobs.</summary>
public abstract partial class JobStoreConformance
{
    [Fact]
    public async Task Refused_inputs_are_paged_in_input_order()
    {
        // The same user twice with the same code is two failures, at two places.
        var inputs = Enumerable.Range(0, 1_300).Select(i => i % 100 == 7 ? "twice, \"quoted\"" : $"user {i} ü").ToArray();
        var (job, _) = await Jobs.CreateAsync(new JobSpec(JobKinds.Issuance, Guid.NewGuid(), "admin-1", null, "{}", null));
        await Jobs.AppendInputsAsync(job.Id, inputs);
        await Jobs.SealInputsAsync(job.Id);
        var (_, lease) = (await Jobs.TryLeaseAsync("node-1", 10_000))!.Value;

        var expected = new List<JobFailure>();
        foreach (var (from, to) in new[] { (0L, 100L), (100L, 1_300L) })
        {
            // The second step refuses 1,100 inputs at once: more than a script takes in one command.
            var failures = Enumerable.Range((int)from, (int)(to - from))
                .Where(i => from > 0 || i % 3 == 0)
                .Select(i => new JobFailure(i, inputs[i], i % 2 == 0 ? "sold_out" : "limit_reached"))
                .ToList();
            var results = failures.GroupBy(f => f.Code).ToDictionary(g => g.Key, g => (long)g.Count());
            results["ok"] = to - from - failures.Count;
            Assert.Equal(JobOutcome.Ok, (await Jobs.CommitStepAsync(lease, new JobStep(from, to, results, failures), 10_000)).Outcome);
            expected.AddRange(failures);
        }

        var paged = new List<JobFailure>();
        long? after = null;
        while (await Jobs.ListFailuresAsync(job.Id, after, 128) is { Count: > 0 } page)
        {
            Assert.True(page.Count <= 128);
            paged.AddRange(page);
            after = page[^1].Index;
        }

        Assert.Equal(expected, paged);
        Assert.Equal(expected.Skip(3).Take(2), await Jobs.ListFailuresAsync(job.Id, expected[2].Index, 2));
        Assert.Equal(expected.Skip(1).Take(1), await Jobs.ListFailuresAsync(job.Id, 1, 1)); // after an input that was not refused
        Assert.Empty(await Jobs.ListFailuresAsync(Guid.NewGuid(), null, 10));
        var done = (await Jobs.GetAsync(job.Id))!;
        Assert.Equal(JobStatus.Succeeded, done.Status);
        Assert.Equal(expected.Count(f => f.Code == "sold_out"), done.Results["sold_out"]);
        Assert.Equal(1_300, done.Results.Values.Sum());
    }

    [Fact]
    public async Task An_issuance_redone_from_the_same_step_gives_each_user_exactly_one_coupon()
    {
        var campaign = await Coupons.CreateCampaignAsync(Terms(), 250);
        var users = Enumerable.Range(0, 300).Select(i => i % 50 == 0 ? $"user {i}, \"ü\"" : $"user-{i}").ToArray();
        var (job, _) = await Jobs.CreateAsync(new JobSpec(JobKinds.Issuance, campaign.Id, "admin-1", null, "{}", null));
        await Jobs.AppendInputsAsync(job.Id, users);
        await Jobs.SealInputsAsync(job.Id);
        var handler = new IssuanceHandler(Coupons, Jobs, stepSize: 100);

        // A node runs the first step and dies before committing it.
        var (leased, _) = (await Jobs.TryLeaseAsync("node-1", 1000))!.Value;
        await handler.RunStepAsync(leased, 0, CancellationToken.None);
        Time.Advance(TimeSpan.FromSeconds(2));

        var other = await OtherNodeAsync();
        var runner = new JobRunner(other, [new IssuanceHandler(Coupons, other, stepSize: 100)], "node-2", leaseMs: 1000);
        Assert.True(await runner.RunOnceAsync(CancellationToken.None));
        var done = (await Jobs.GetAsync(job.Id))!;
        Assert.Equal((JobStatus.Succeeded, 300L), (done.Status, done.Done));
        Assert.Equal(250, done.Results["ok"]);
        Assert.Equal(50, done.Results["sold_out"]);
        Assert.Equal(250, (await Coupons.GetCampaignAsync(campaign.Id))!.Issued);
        foreach (var user in users.Take(250))
        {
            Assert.Single((await Coupons.ListUserCouponsAsync(user, null, null, 10)).Items);
        }

        var failures = await Jobs.ListFailuresAsync(job.Id, null, 100);
        Assert.Equal(users.Skip(250).Select((u, i) => new JobFailure(250 + i, u, "sold_out")), failures);
        Assert.False(await runner.RunOnceAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Runners_on_two_nodes_finish_every_job_once()
    {
        var campaign = await Coupons.CreateCampaignAsync(Terms(), 1_000);
        var jobs = new List<(Guid Id, string[] Users)>();
        for (var j = 0; j < 4; j++)
        {
            var users = Enumerable.Range(0, 60).Select(i => $"j{j}-user-{i}").ToArray();
            var (job, _) = await Jobs.CreateAsync(new JobSpec(JobKinds.Issuance, campaign.Id, "admin-1", null, "{}", null));
            await Jobs.AppendInputsAsync(job.Id, users);
            await Jobs.SealInputsAsync(job.Id);
            jobs.Add((job.Id, users));
        }

        var other = await OtherNodeAsync();
        var runners = new[] { (Jobs, "node-1"), (other, "node-2") }
            .Select(n => new JobRunner(n.Item1, [new IssuanceHandler(Coupons, n.Item1, stepSize: 25)], n.Item2, leaseMs: 60_000));
        await Task.WhenAll(runners.Select(runner => Task.Run(async () =>
        {
            while (await runner.RunOnceAsync(CancellationToken.None))
            {
            }
        })));

        foreach (var (id, users) in jobs)
        {
            var job = (await Jobs.GetAsync(id))!;
            Assert.Equal((JobStatus.Succeeded, 60L, 60L), (job.Status, job.Done, job.Results["ok"]));
        }

        Assert.Equal(240, (await Coupons.GetCampaignAsync(campaign.Id))!.Issued);
    }

    private static CampaignDefinition Terms() => new()
    {
        Name = "Jobs",
        Discount = Discount.AmountOffOf(500),
        MinOrderAmount = 1_000,
        PerUserLimit = 1,
        LockTtlSeconds = 60,
        Validity = Validity.Relative(30),
    };
}
