using System.Globalization;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Core.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Apis;

/// <summary>Long work that runs in the background: a job's progress and results, its refused inputs, cancelling it.</summary>
public static class JobsApi
{
    private static readonly ProblemCode NotFound = ProblemCodes.Of(ProblemCodes.JobNotFound);
    private static readonly ProblemCode Finished = ProblemCodes.Of(ProblemCodes.JobFinished);

    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/jobs", "Jobs").RequireRole(AuthExtensions.ServiceOrAdmin);
        api.MapGet("/{id}", GetJob).ProducesCodes(NotFound)
            .Answers(200, "The job.").WithName("GetJob").WithSummary("A job's progress and results (admin, service).")
            .WithDescription("status is queued, running, succeeded, failed or cancelled; results counts the inputs by outcome code (ok for those applied).");
        api.MapPost("/{id}/cancel", Cancel).ProducesCodes(NotFound, Finished)
            .Answers(200, "The job, cancelled.").WithName("CancelJob").WithSummary("Cancel a job (admin, service).")
            .WithDescription("The job takes no further step; what it applied stays applied. Cancelling a cancelled job changes nothing.");
        api.MapGet("/{id}/failures", Failures).ProducesCodes(NotFound)
            .Answers(200, "A page of refused inputs.").WithName("ListJobFailures").WithSummary("The inputs a job refused, with their codes (admin, service).")
            .WithDescription("In input order, a page at a time: pass nextCursor back as cursor until it is null.");
        return api;
    }

    internal static ProblemHttpResult NotFoundProblem() => Problems.Create(StatusCodes.Status404NotFound, ProblemCodes.JobNotFound, "No such job.");

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJob(string id, IJobStore jobs, CancellationToken ct)
    {
        var job = Ids.TryParse(id, out var jobId) ? await jobs.GetAsync(jobId, ct).ConfigureAwait(false) : null;
        return job is null ? NotFoundProblem() : TypedResults.Ok(JobResponse.From(job));
    }

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> Cancel(string id, IJobStore jobs, CancellationToken ct)
    {
        if (!Ids.TryParse(id, out var jobId))
        {
            return NotFoundProblem();
        }

        var result = await jobs.CancelAsync(jobId, ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            JobOutcome.Ok or JobOutcome.Replayed => TypedResults.Ok(JobResponse.From(result.Job!)),
            JobOutcome.Finished => Problems.Create(StatusCodes.Status409Conflict, ProblemCodes.JobFinished, "The job has finished."),
            _ => NotFoundProblem(),
        };
    }

    private static async Task<Results<Ok<JobFailurePage>, ProblemHttpResult>> Failures(
        string id, IJobStore jobs, [System.ComponentModel.Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [System.ComponentModel.Description("The nextCursor of the previous page.")] string? cursor, CancellationToken ct)
    {
        if (Paging.CheckLimit(limit, out var pageSize) is { } problem)
        {
            return problem;
        }

        long? after = null;
        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                return Problems.Validation("cursor", "is not a cursor this service gave");
            }

            after = index;
        }

        if (!Ids.TryParse(id, out var jobId) || await jobs.GetAsync(jobId, ct).ConfigureAwait(false) is null)
        {
            return NotFoundProblem();
        }

        var failures = await jobs.ListFailuresAsync(jobId, after, pageSize + 1, ct).ConfigureAwait(false);
        var items = failures.Take(pageSize).Select(f => new JobFailureResponse(f.Index, f.Input, f.Code)).ToList();
        var next = failures.Count > pageSize ? items[^1].Index.ToString(CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new JobFailurePage(items, next));
    }
}
