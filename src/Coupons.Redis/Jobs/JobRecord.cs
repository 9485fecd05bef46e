using System.Globalization;
using Coupons.Core.Jobs;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis.Jobs;

/// <summary>A job as read from its hash: the job, its current lease (null when none was taken), and the version a change must find.</summary>
internal sealed record StoredJob(Job Job, JobLease? Lease, long Version);

/// <summary>
/// The fields of a job's hash: the job's own (status as its stored number, <c>''</c> for no value),
/// its lease (<c>leaseOwner</c>, <c>leaseToken</c>, <c>leaseExpiresAt</c>), <c>sealed</c>,
/// <c>version</c>, and its results as one field per code, <c>r:&lt;code&gt;</c>; and how a refused
/// input is written in the failures' sorted set.
/// </summary>
internal static class JobRecord
{
    private const string ResultPrefix = "r:";

    /// <summary>Every field of a new job, as field, value pairs.</summary>
    public static RedisValue[] NewFields(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return
        [
            "id", RedisKeys.Id(job.Id), "kind", job.Kind, "campaign", job.CampaignId is { } campaign ? RedisKeys.Id(campaign) : "",
            "createdBy", job.CreatedBy, "parameters", job.Parameters, "createdAt", job.CreatedAtMs, "version", 0,
            .. ProgressFields(job),
        ];
    }

    /// <summary>The fields a change may move: status, total, progress, sealed, finished at, and the results.</summary>
    public static RedisValue[] ProgressFields(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var fields = new List<RedisValue>
        {
            "status", (int)job.Status, "total", job.Total, "done", job.Done, "sealed", job.InputsSealed ? "1" : "0",
            "finishedAt", job.FinishedAtMs is { } finished ? finished : "",
        };
        foreach (var (code, count) in job.Results)
        {
            fields.Add(ResultPrefix + code);
            fields.Add(count);
        }

        return [.. fields];
    }

    public static RedisValue[] LeaseFields(JobLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return ["leaseOwner", lease.Owner, "leaseToken", lease.Token, "leaseExpiresAt", lease.ExpiresAtMs];
    }

    /// <summary>The job in <paramref name="entries"/>, or null when the hash does not exist.</summary>
    public static StoredJob? Read(HashEntry[] entries)
    {
        var fields = StoredFields.Of(entries);
        if (fields.IsEmpty)
        {
            return null;
        }

        var results = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = (string)entry.Name!;
            if (name.StartsWith(ResultPrefix, StringComparison.Ordinal))
            {
                results[name[ResultPrefix.Length..]] = (long)entry.Value;
            }
        }

        var id = fields.Id("id");
        var job = new Job(
            id,
            fields.Text("kind"),
            (JobStatus)fields.Number("status"),
            fields.OptionalText("campaign") is { } campaign ? RedisKeys.ParseId(campaign) : null,
            fields.Text("createdBy"),
            fields.Text("parameters"),
            fields.Number("total"),
            fields.Number("done"),
            results,
            fields.Text("sealed") == "1",
            fields.Number("createdAt"),
            fields.OptionalNumber("finishedAt"));
        var lease = fields.OptionalText("leaseOwner") is { } owner
            ? new JobLease(id, owner, fields.Number("leaseToken"), fields.Number("leaseExpiresAt"))
            : null;
        return new StoredJob(job, lease, fields.Number("version"));
    }

    /// <summary>
    /// A refused input as a member of the failures' sorted set: its index (members must differ even
    /// when two inputs and their codes are the same), its code, then the input itself, which may
    /// hold any character, last. Neither the index nor a code holds a line break.
    /// </summary>
    public static RedisValue FailureMember(JobFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (failure.Code.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException($"an outcome code has no line break: '{failure.Code}'", nameof(failure));
        }

        return failure.Index.ToString(CultureInfo.InvariantCulture) + "\n" + failure.Code + "\n" + failure.Input;
    }

    public static JobFailure ReadFailure(RedisValue member)
    {
        var text = (string)member!;
        var first = text.IndexOf('\n', StringComparison.Ordinal);
        var second = text.IndexOf('\n', first + 1);
        return new JobFailure(long.Parse(text.AsSpan(0, first), CultureInfo.InvariantCulture), Input: text[(second + 1)..], Code: text[(first + 1)..second]);
    }
}
