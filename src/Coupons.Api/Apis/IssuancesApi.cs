using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
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
            .Answers(200, "The job an earlier call with this Idempotency-Key created; the body was not read.")
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
        [FromHeader(Name = "Idempotency-Key")][Description("Repeat the call safely: the same key gives the same job.")] string? idempotencyKey,
        CancellationToken ct)
    {
        var csv = context.Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true;
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

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = csv ? MaxCsvBytes : MaxJsonBytes;
        }

        var problem = csv ? await AppendCsvAsync(context.Request, jobs, job.Id, ct).ConfigureAwait(false) : await AppendJsonAsync(context.Request, jobs, job.Id, ct).ConfigureAwait(false);
        if (problem is not null)
        {
            // The job never ran: its inputs were not sealed. Cancelled, so nothing is half-applied.
            await jobs.CancelAsync(job.Id, CancellationToken.None).ConfigureAwait(false);
            return problem;
        }

        var sealedJob = (await jobs.SealInputsAsync(job.Id, ct).ConfigureAwait(false)).Job!;
        return TypedResults.Accepted($"/v1/jobs/{Ids.Format(job.Id)}", JobResponse.From(sealedJob));
    }

    private static async Task<ProblemHttpResult?> AppendJsonAsync(HttpRequest request, IJobStore jobs, Guid jobId, CancellationToken ct)
    {
        // Read as every body is (unknown and repeated fields refused, as the document says), with room for 10,000 ids.
        var (body, problem) = await JsonBody.ReadAsync<IssuanceRequest>(request, MaxJsonBytes).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.UserIds is not { Count: > 0 and <= IssuanceRequest.MaxUsers } users)
        {
            return Problems.Validation("userIds", $"must list 1 to {IssuanceRequest.MaxUsers} users");
        }

        for (var i = 0; i < users.Count; i++)
        {
            if (!IsUserId(users[i]))
            {
                return Problems.Validation($"userIds[{i}]", $"must be 1 to {StoreLimits.MaxUserIdLength} characters, not only white space, without control characters");
            }
        }

        await jobs.AppendInputsAsync(jobId, users, ct).ConfigureAwait(false);
        return null;
    }

    private static async Task<ProblemHttpResult?> AppendCsvAsync(HttpRequest request, IJobStore jobs, Guid jobId, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, leaveOpen: true);
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

    private static bool IsUserId(string value) =>
        value.Length is > 0 and <= StoreLimits.MaxUserIdLength && !string.IsNullOrWhiteSpace(value) && !value.Any(char.IsControl);
}
