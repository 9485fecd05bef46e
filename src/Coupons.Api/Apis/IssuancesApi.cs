using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Hosting;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Core;
using Coupons.Core.Jobs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coupons.Api.Apis;

/// <summary>
/// Pushed issuance: a campaign's coupons to a list of users, as a background job. The list comes as
/// JSON (up to 10,000) or as text/csv, one user a line (up to 1,000,000), read as it streams in
/// and appended to the job in batches: the upload is never held whole in memory.
/// </summary>
public static class IssuancesApi
{
    public const int MaxCsvLines = 1_000_000;
    private const int Batch = 5_000;
    private const long MaxCsvBytes = MaxCsvLines * (StoreLimits.MaxUserIdLength + 2L);
    private const int MaxJsonBytes = 2 * 1024 * 1024;
    private static readonly Refusals Issuing = new(Outcome.CampaignNotFound);

    public static RouteHandlerBuilder MapIssuancesApi(this IEndpointRouteBuilder app) =>
        app.MapApiGroup("/v1/campaigns", "Campaigns").RequireRole(AuthExtensions.ServiceOrAdmin)
            .MapPost("/{id}/issuances", Create).Refuses(Issuing).WithJsonBody<RouteHandlerBuilder, IssuanceRequest>()
            .Answers(202, "The issuance job; Location is its path. Follow it at GET /v1/jobs/{id}.")
            .Answers(200, "The job an earlier call with this Idempotency-Key created; nothing new was started (a JSON list is still checked, a CSV list is not read).")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody?.Content?.Add("text/csv", new Microsoft.OpenApi.OpenApiMediaType
                {
                    Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Description = "One user id a line (at most 1,000,000 lines; empty lines are skipped)." },
                });
                return Task.CompletedTask;
            })
            .WithName("IssueCoupons").WithSummary("Issue one coupon of the campaign to each listed user, as a job (admin, service).")
            .WithDescription("Each user gets one coupon under the campaign's rules (status, stock, per-user limit), exactly once per job even across restarts; refusals are the job's failures. Send {\"userIds\": [...]} (at most 10,000) as application/json, or one user id a line (at most 1,000,000) as text/csv.");

    private static async Task<Results<Accepted<JobResponse>, Ok<JobResponse>, ProblemHttpResult>> Create(
        string id,
        HttpContext context,
        ICouponStore store,
        IJobStore jobs,
        JobWakeup wakeup,
        [FromHeader(Name = "Idempotency-Key")][Description("Repeat the call safely: the same key gives the same job.")] string? idempotencyKey,
        CancellationToken ct)
    {
        // A JSON list (2 MiB at most) is read and checked first, as every JSON body is, even when the
        // key gives an earlier job; a CSV list is read only into a new job, as it streams in.
        var csv = context.Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true;
        IReadOnlyList<string>? listed = null;
        if (!csv)
        {
            (listed, var invalid) = await ReadJsonAsync(context).ConfigureAwait(false);
            if (invalid is not null)
            {
                return invalid;
            }
        }

        if (IdempotencyKeys.Problem(idempotencyKey) is { } badKey)
        {
            return badKey;
        }

        if (!Ids.TryParse(id, out var campaignId) || await store.GetCampaignAsync(campaignId, ct).ConfigureAwait(false) is null)
        {
            return Issuing.Problem(Outcome.CampaignNotFound);
        }

        var spec = new JobSpec(JobKinds.Issuance, campaignId, Caller.Of(context).UserId, idempotencyKey, "{}", null);
        var (job, created) = await jobs.CreateAsync(spec, ct).ConfigureAwait(false);
        if (!created)
        {
            return TypedResults.Ok(JobResponse.From(job));
        }

        if (listed is not null)
        {
            await jobs.AppendInputsAsync(job.Id, listed, ct).ConfigureAwait(false);
        }
        else if (await AppendCsvAsync(context, jobs, job.Id, ct).ConfigureAwait(false) is { } problem)
        {
            // The job never ran: its inputs were not sealed. Cancelled, so nothing is half-applied.
            await jobs.CancelAsync(job.Id, CancellationToken.None).ConfigureAwait(false);
            return problem;
        }

        var sealedJob = (await jobs.SealInputsAsync(job.Id, ct).ConfigureAwait(false)).Job!;
        wakeup.Wake();
        return TypedResults.Accepted($"/v1/jobs/{Ids.Format(job.Id)}", JobResponse.From(sealedJob));
    }

    /// <summary>The users of a JSON body (unknown and repeated fields refused, as the document says), or why it is refused.</summary>
    private static async Task<(IReadOnlyList<string>? Users, ProblemHttpResult? Problem)> ReadJsonAsync(HttpContext context)
    {
        RaiseBodyLimit(context, MaxJsonBytes);
        var (body, problem) = await JsonBody.ReadAsync<IssuanceRequest>(context.Request, MaxJsonBytes).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (body!.UserIds is not { Count: > 0 and <= IssuanceRequest.MaxUsers } users)
        {
            return (null, Problems.Validation("userIds", $"must list 1 to {IssuanceRequest.MaxUsers} users"));
        }

        for (var i = 0; i < users.Count; i++)
        {
            if (!IsUserId(users[i]))
            {
                return (null, Problems.Validation($"userIds[{i}]", $"must be 1 to {StoreLimits.MaxUserIdLength} characters, not only white space, without control characters"));
            }
        }

        return (users, null);
    }

    private static async Task<ProblemHttpResult?> AppendCsvAsync(HttpContext context, IJobStore jobs, Guid jobId, CancellationToken ct)
    {
        RaiseBodyLimit(context, MaxCsvBytes);
        using var reader = new StreamReader(context.Request.Body, leaveOpen: true);
        var batch = new List<string>(Batch);
        var line = 0;
        var users = 0L;
        try
        {
            while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } text)
            {
                line++;
                if (text.Length == 0)
                {
                    continue;
                }

                if (line > MaxCsvLines || !IsUserId(text))
                {
                    return Problems.Validation($"line {line}", line > MaxCsvLines
                        ? $"a list has at most {MaxCsvLines} lines"
                        : $"must be a user id of 1 to {StoreLimits.MaxUserIdLength} characters, not only white space, without control characters");
                }

                batch.Add(text);
                users++;
                if (batch.Count == Batch)
                {
                    await jobs.AppendInputsAsync(jobId, batch, ct).ConfigureAwait(false);
                    batch.Clear();
                }
            }
        }
        catch (BadHttpRequestException exception)
        {
            return Problems.Unreadable(exception);
        }

        if (batch.Count > 0)
        {
            await jobs.AppendInputsAsync(jobId, batch, ct).ConfigureAwait(false);
        }

        return users == 0 ? Problems.Validation("body", "lists no user") : null;
    }

    /// <summary>Lets this request's body be larger than the server's limit for every other route (where the server allows it: Kestrel).</summary>
    private static void RaiseBodyLimit(HttpContext context, long maxBytes)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }
    }

    private static bool IsUserId(string? value) =>
        value is { Length: > 0 and <= StoreLimits.MaxUserIdLength } && !string.IsNullOrWhiteSpace(value) && !value.Any(char.IsControl);
}
