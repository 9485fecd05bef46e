using System.Diagnostics.Metrics;
using Coupons.Core.Jobs;

namespace Coupons.Api.Hosting;

/// <summary>
/// Jobs' progress on <c>/metrics</c> (meter <c>Coupons</c>): inputs applied by kind and outcome code,
/// counted when their step commits, and steps committed by kind. Rates give a job's speed; the
/// job itself (<c>GET /v1/jobs/{id}</c>) gives its total and how far it is.
/// </summary>
internal sealed class JobMetrics
{
    private readonly Counter<long> _inputs;
    private readonly Counter<long> _steps;

    public JobMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Coupons");
        _inputs = meter.CreateCounter<long>("coupons.job.inputs", "{input}", "Inputs of jobs applied, by job kind and outcome code (ok for those applied without refusal)");
        _steps = meter.CreateCounter<long>("coupons.job.steps", "{step}", "Steps of jobs committed, by job kind");
    }

    public void Committed(Job job, JobStep step)
    {
        var kind = new KeyValuePair<string, object?>("kind", job.Kind);
        _steps.Add(1, kind);
        foreach (var (code, count) in step.Results)
        {
            _inputs.Add(count, kind, new KeyValuePair<string, object?>("outcome", code));
        }
    }
}
