using Coupons.Conformance;
using Coupons.Core.Jobs;
using Coupons.Redis.Jobs;
using Coupons.Redis.Layout;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Coupons.Redis.Tests;

/// <summary>
/// What is particular to the Redis job store (the contract itself is <c>RedisJobConformance</c>):
/// a job's keys in one slot, the runnable index cleaned of what a crash or a finish left in it, and
/// jobs kept when Redis is killed and restarts from its append-only file.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class JobStoreTests(RedisServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2025, 6, 15, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..12] + ":";
    private ConnectionMultiplexer _redis = null!;
    private RedisKeys _keys = null!;
    private RedisJobStore _jobs = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        _keys = new RedisKeys(_prefix);
        _jobs = new RedisJobStore(_redis, _keys, _time);
    }

    public Task DisposeAsync()
    {
        _redis.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void A_jobs_keys_share_the_slot_its_id_carries_and_a_keyed_job_shares_its_keys_slot()
    {
        var keyed = JobIds.New(JobIds.SlotOfKey("admin-1", "push-1"), Start.ToUnixTimeMilliseconds());
        string[] names = [_keys.Job(keyed), _keys.JobInputs(keyed), _keys.JobFailures(keyed), _keys.JobByIdempotencyKey("admin-1", "push-1")];
        Assert.Single(names.Select(SlotOfKeyName).Distinct());
        Assert.Equal(JobIds.SlotOf(keyed), SlotOfKeyName(names[0]));
        // The caller's id is length-prefixed: "ab" + "c" and "a" + "bc" are different keys.
        Assert.NotEqual(_keys.JobByIdempotencyKey("ab", "c"), _keys.JobByIdempotencyKey("a", "bc"));
    }

    [Fact]
    public async Task The_runnable_index_drops_finished_jobs_and_old_entries_of_jobs_never_created()
    {
        var db = _redis.GetDatabase();
        var never = JobIds.New(Start.ToUnixTimeMilliseconds());
        await db.SortedSetAddAsync(_keys.RunnableJobs, RedisKeys.Id(never), Start.ToUnixTimeMilliseconds()); // a creator that died between its two writes
        var (job, _) = await _jobs.CreateAsync(new JobSpec(JobKinds.Issuance, Guid.NewGuid(), "admin-1", null, "{}", null));
        await _jobs.AppendInputsAsync(job.Id, ["a"]);
        await _jobs.SealInputsAsync(job.Id);

        var (_, lease) = (await _jobs.TryLeaseAsync("node-1", 1_000))!.Value;
        Assert.Equal(2, await db.SortedSetLengthAsync(_keys.RunnableJobs)); // young: its creator may still be writing it
        await _jobs.CommitStepAsync(lease, new JobStep(0, 1, new Dictionary<string, long> { ["ok"] = 1 }, []), 1_000);
        Assert.Equal(1, await db.SortedSetLengthAsync(_keys.RunnableJobs));

        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await _jobs.TryLeaseAsync("node-1", 1_000));
        Assert.Equal(0, await db.SortedSetLengthAsync(_keys.RunnableJobs));

        // A finished job whose removal was lost (a crash after its last commit) goes at the next look.
        await db.SortedSetAddAsync(_keys.RunnableJobs, RedisKeys.Id(job.Id), job.CreatedAtMs);
        Assert.Null(await _jobs.TryLeaseAsync("node-1", 1_000));
        Assert.Equal(0, await db.SortedSetLengthAsync(_keys.RunnableJobs));
    }

    [Fact]
    public async Task Jobs_are_kept_when_redis_is_killed_and_restarts_from_its_append_only_file()
    {
        // A server of its own: the shared one must not go away under the other tests.
        var own = new RedisServer();
        await own.InitializeAsync();
        try
        {
            Guid jobId;
            JobLease lease;
            using (var redis = await ConnectionMultiplexer.ConnectAsync(own.Configuration))
            {
                var jobs = new RedisJobStore(redis, _keys, _time);
                var (job, _) = await jobs.CreateAsync(new JobSpec(JobKinds.Issuance, Guid.NewGuid(), "admin-1", "push-1", "{}", null));
                jobId = job.Id;
                await jobs.AppendInputsAsync(jobId, ["a", "b, \"c\"", "d"]);
                await jobs.SealInputsAsync(jobId);
                (_, lease) = (await jobs.TryLeaseAsync("node-1", 1_000))!.Value;
                var results = new Dictionary<string, long> { ["ok"] = 1, ["sold_out"] = 1 };
                Assert.Equal(JobOutcome.Ok, (await jobs.CommitStepAsync(lease, new JobStep(0, 2, results, [new JobFailure(1, "b, \"c\"", "sold_out")]), 1_000)).Outcome);
            }

            await own.CrashAndRestartAsync();

            using var after = await ConnectionMultiplexer.ConnectAsync(own.Configuration);
            var reopened = new RedisJobStore(after, _keys, _time);
            var kept = (await reopened.GetAsync(jobId))!;
            Assert.Equal((2L, 3L, JobStatus.Running), (kept.Done, kept.Total, kept.Status));
            Assert.Equal(["d"], await reopened.ReadInputsAsync(jobId, 2, 10));
            Assert.Equal([new JobFailure(1, "b, \"c\"", "sold_out")], await reopened.ListFailuresAsync(jobId, null, 10));
            Assert.Equal(jobId, (await reopened.CreateAsync(new JobSpec(JobKinds.Issuance, Guid.NewGuid(), "admin-1", "push-1", "{}", null))).Job.Id);
            // Nodes share Redis, so a lease outlives Redis's restart: the job is taken again once it expires.
            Assert.Null(await reopened.TryLeaseAsync("node-2", 1_000));
            _time.Advance(TimeSpan.FromSeconds(1));
            var (_, taken) = (await reopened.TryLeaseAsync("node-2", 1_000))!.Value;
            Assert.Equal(JobOutcome.LeaseLost, (await reopened.CommitStepAsync(lease, new JobStep(2, 3, new Dictionary<string, long>(), []), 1_000)).Outcome);
            Assert.Equal(JobStatus.Succeeded, (await reopened.CommitStepAsync(taken, new JobStep(2, 3, new Dictionary<string, long> { ["ok"] = 1 }, []), 1_000)).Job!.Status);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    /// <summary>The slot Redis Cluster puts a key in: its hash tag's.</summary>
    private static int SlotOfKeyName(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var close = key.IndexOf('}', open + 1);
        return HashSlots.Of(key[(open + 1)..close]);
    }
}
