using Coupons.Core.Jobs;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis.Jobs;

/// <summary>
/// jobcreate.lua's arguments: KEYS 1 the job, 2 the idempotency key's mapping (only with a key);
/// ARGV 1 the job's id, then its fields. Answers null when created, else the id of the job the key
/// already names.
/// </summary>
internal readonly record struct CreateJobArguments(Job Job, string? IdempotencyKey)
{
    public async Task<Guid?> RunAsync(IDatabaseAsync db, RedisKeys keys)
    {
        RedisKey[] scriptKeys = IdempotencyKey is { } key
            ? [keys.Job(Job.Id), keys.JobByIdempotencyKey(Job.CreatedBy, key)]
            : [keys.Job(Job.Id)];
        var answer = (RedisResult[])(await Script.JobCreate.RunAsync(db, scriptKeys, [RedisKeys.Id(Job.Id), .. JobRecord.NewFields(Job)]).ConfigureAwait(false))!;
        return (string?)answer[0] == "created" ? null : RedisKeys.ParseId((string)answer[1]!);
    }
}

/// <summary>jobappend.lua's arguments: KEYS 1 the job, 2 its inputs; ARGV the inputs.</summary>
internal readonly record struct AppendInputsArguments(Guid JobId, IReadOnlyList<string> Inputs)
{
    public async Task<JobOutcome> RunAsync(IDatabaseAsync db, RedisKeys keys)
    {
        var values = new RedisValue[Inputs.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = Inputs[i];
        }

        return (string?)await Script.JobAppend.RunAsync(db, [keys.Job(JobId), keys.JobInputs(JobId)], values).ConfigureAwait(false) switch
        {
            "ok" => JobOutcome.Ok,
            "inputs_sealed" => JobOutcome.InputsSealed,
            "job_not_found" => JobOutcome.NotFound,
            var other => throw new InvalidOperationException($"jobappend.lua answered '{other}'"),
        };
    }
}

/// <summary>
/// jobstore.lua's arguments: KEYS 1 the job, 2 its refused inputs, 3 its inputs (deleted once it is finished); ARGV 1 the version read, 2 the
/// number of fields, then the fields as field, value pairs, then the refused inputs as score,
/// member pairs. Answers true when stored, false when the job changed since it was read.
/// </summary>
/// <param name="Fields">Field, value pairs (<see cref="JobRecord.ProgressFields"/>, <see cref="JobRecord.LeaseFields"/>).</param>
internal readonly record struct StoreJobArguments(Guid JobId, long VersionRead, RedisValue[] Fields, IReadOnlyList<JobFailure> Failures)
{
    public async Task<bool> RunAsync(IDatabaseAsync db, RedisKeys keys)
    {
        var values = new RedisValue[2 + Fields.Length + (2 * Failures.Count)];
        values[0] = VersionRead;
        values[1] = Fields.Length / 2;
        Fields.CopyTo(values, 2);
        var at = 2 + Fields.Length;
        foreach (var failure in Failures)
        {
            values[at++] = failure.Index;
            values[at++] = JobRecord.FailureMember(failure);
        }

        return (long)await Script.JobStore.RunAsync(db, [keys.Job(JobId), keys.JobFailures(JobId), keys.JobInputs(JobId)], values).ConfigureAwait(false) == 1;
    }
}
