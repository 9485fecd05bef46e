using System.Buffers;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Hosting;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Core;
using Coupons.Core.Codes;
using Coupons.Core.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Coupons.Api.Apis;

/// <summary>
/// A campaign's generated codes (admin): made in bulk by a job, listed a page at a time, or
/// exported whole as CSV. Codes are kept sealed and opened only on the way out to the admin.
/// </summary>
public static class CampaignCodesApi
{
    public const string CsvType = "text/csv";
    private const int ExportPage = 2_000;
    private static readonly Refusals Generating = new(Outcome.CampaignNotFound, Outcome.CampaignEnded);
    private static readonly Refusals Listing = new(Outcome.CampaignNotFound);

    /// <summary>What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).</summary>
    private static readonly SearchValues<char> FormulaStarts = SearchValues.Create("=+-@\t\r");

    public static RouteGroupBuilder MapCampaignCodesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/campaigns", "Codes").RequireRole(AuthExtensions.Admin);
        api.MapPost("/{id}/codes", Generate).Refuses(Generating).WithJsonBody<RouteHandlerBuilder, GenerateCodesRequest>()
            .Answers(202, "The generation job; Location is its path. Follow it at GET /v1/jobs/{id}.")
            .Answers(200, "The job an earlier call with this Idempotency-Key created; nothing new was started.")
            .WithName("GenerateCodes").WithSummary("Generate unique codes for the campaign, as a job (admin).")
            .WithDescription("Each code is the prefix, random symbols of an alphabet without look-alikes (2-9 and A-Z without I, L, O), and a check character, so a typo is refused without a lookup; unique across every campaign. Each code gives one coupon, to the first user who claims it (POST /v1/codes/claim); generating codes reserves no stock.");
        api.MapGet("/{id}/codes", List).Refuses(Listing)
            .Answers(200, "A page of the campaign's codes (as application/json), or every code as text/csv.")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                if (operation.Responses?.TryGetValue("200", out var ok) == true)
                {
                    ok.Content?.Add(CsvType, new Microsoft.OpenApi.OpenApiMediaType
                    {
                        Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String, Description = "A header line code,status,userId,couponId,claimedAt, then one line a code (RFC 4180). A userId that starts with =, +, -, @, a tab or a carriage return is written with a leading apostrophe ('), so that a spreadsheet does not run it as a formula; the JSON listing gives it as it is." },
                    });
                }

                return Task.CompletedTask;
            })
            .WithName("ListCodes").WithSummary("The campaign's generated codes: a page, or all of them as CSV (admin).")
            .WithDescription("Codes by generation job (oldest first), then in the order made, optionally of one status. With Accept: text/csv the whole list streams as CSV, and limit and cursor are not taken.");
        return api;
    }

    private static async Task<Results<Accepted<JobResponse>, Ok<JobResponse>, ProblemHttpResult>> Generate(
        string id,
        HttpContext context,
        ICouponStore store,
        IJobStore jobs,
        JobWakeup wakeup,
        [FromHeader(Name = "Idempotency-Key")][Description("Repeat the call safely: the same key gives the same job.")] string? idempotencyKey,
        CancellationToken ct)
    {
        var (body, problem) = await JsonBody.ReadAsync<GenerateCodesRequest>(context.Request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var length = body!.Length ?? CouponCodes.DefaultLength;
        var errors = CouponCodes.ValidateGeneration(body.Count ?? 0, body.Prefix, length);
        if (body.Count is null)
        {
            errors = new Dictionary<string, string>(errors) { ["count"] = "is required" };
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        if (IdempotencyKeys.Problem(idempotencyKey) is { } badKey)
        {
            return badKey;
        }

        var campaign = Ids.TryParse(id, out var campaignId) ? await store.GetCampaignAsync(campaignId, ct).ConfigureAwait(false) : null;
        if (campaign is null)
        {
            return Generating.Problem(Outcome.CampaignNotFound);
        }

        if (campaign.Status == CampaignStatus.Ended)
        {
            return Generating.Problem(Outcome.CampaignEnded);
        }

        var parameters = new CodeGenerationParameters(CouponCodes.NormalizePrefix(body.Prefix), length).ToJson();
        var spec = new JobSpec(JobKinds.Codes, campaignId, Caller.Of(context).UserId, idempotencyKey, parameters, body.Count!.Value);
        var (job, created) = await jobs.CreateAsync(spec, ct).ConfigureAwait(false);
        if (created)
        {
            wakeup.Wake();
        }

        return created
            ? TypedResults.Accepted($"/v1/jobs/{Ids.Format(job.Id)}", JobResponse.From(job))
            : TypedResults.Ok(JobResponse.From(job));
    }

    private static async Task<Results<Ok<PageResponse<CodeResponse>>, EmptyHttpResult, ProblemHttpResult>> List(
        string id,
        HttpContext context,
        ICouponStore store,
        ICodeStore codes,
        CodeProtector protector,
        [Description("Only codes in this status: available, claimed.")] string? status,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor,
        CancellationToken ct)
    {
        CodeStatus? filter = null;
        if (status is not null)
        {
            var index = CodeResponse.StatusNames.ToList().IndexOf(status);
            if (index < 0)
            {
                return Problems.Validation("status", "must be one of available, claimed");
            }

            filter = (CodeStatus)(index + 1);
        }

        var csv = WantsCsv(context.Request);
        CodeCursor? after = null;
        var pageSize = ExportPage;
        if (!csv)
        {
            if (Paging.CheckLimit(limit, out pageSize) is { } problem)
            {
                return problem;
            }

            if (cursor is not null)
            {
                if (!CodeCursor.TryParse(cursor, out var parsed))
                {
                    return Problems.Validation("cursor", "is not a cursor this service gave");
                }

                after = parsed;
            }
        }

        if (!Ids.TryParse(id, out var campaignId) || await store.GetCampaignAsync(campaignId, ct).ConfigureAwait(false) is null)
        {
            return Listing.Problem(Outcome.CampaignNotFound);
        }

        if (csv)
        {
            await ExportAsync(context.Response, codes, protector, campaignId, filter, ct).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        var page = await codes.ListCodesAsync(campaignId, filter, after, pageSize, ct).ConfigureAwait(false);
        return TypedResults.Ok(new PageResponse<CodeResponse>(
            [.. page.Items.Select(entry => CodeResponse.From(entry, protector.Unprotect(entry.Sealed, campaignId)))],
            page.NextAfter?.ToText()));
    }

    /// <summary>Every code of the campaign as CSV, a page at a time from the store straight to the response.</summary>
    private static async Task ExportAsync(HttpResponse response, ICodeStore codes, CodeProtector protector, Guid campaignId, CodeStatus? filter, CancellationToken ct)
    {
        response.ContentType = CsvType + "; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"codes-{Ids.Format(campaignId)}.csv\"";
        var text = new StringBuilder("code,status,userId,couponId,claimedAt\n");
        CodeCursor? after = null;
        do
        {
            var page = await codes.ListCodesAsync(campaignId, filter, after, ExportPage, ct).ConfigureAwait(false);
            foreach (var entry in page.Items)
            {
                var row = CodeResponse.From(entry, protector.Unprotect(entry.Sealed, campaignId));
                text.Append(row.Code).Append(',').Append(row.Status).Append(',').Append(Csv(row.UserId)).Append(',')
                    .Append(row.CouponId).Append(',').Append(row.ClaimedAt?.ToString("O", CultureInfo.InvariantCulture)).Append('\n');
            }

            await response.WriteAsync(text.ToString(), ct).ConfigureAwait(false);
            text.Clear();
            after = page.NextAfter;
        }
        while (after is not null);
    }

    /// <summary>
    /// A field as RFC 4180 writes it: quoted, quotes doubled, when it holds a comma, a quote or a line
    /// break. A field a spreadsheet would take for a formula (one that starts with =, +, -, @, a tab
    /// or a carriage return) is led by an apostrophe, as OWASP advises against CSV injection: codes
    /// and their prefixes are of the code alphabet, but a user id is whatever a token's subject says,
    /// so a user could be named <c>=HYPERLINK(...)</c> for the admin who opens the export. The JSON
    /// listing gives every value as it is.
    /// </summary>
    internal static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var text = FormulaStarts.Contains(value[0]) ? "'" + value : value;
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    private static bool WantsCsv(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(accept => accept.MediaType.Equals(CsvType, StringComparison.OrdinalIgnoreCase));
}
