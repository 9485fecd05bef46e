using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Coupons.Core;
using Coupons.Core.Jobs;

namespace Coupons.Api.Contracts;

/// <summary>A list of users to issue a campaign's coupons to, one each.</summary>
public sealed record IssuanceRequest(
    [property: Required, MinLength(1), MaxLength(IssuanceRequest.MaxUsers), Description("The users, each a token subject (1 to 128 characters); a user listed twice gets one coupon.")] IReadOnlyList<string>? UserIds) : IRequestBody
{
    /// <summary>Most users in a JSON body; longer lists go as text/csv.</summary>
    public const int MaxUsers = 10_000;
}

/// <summary>A job: its kind, where it is, how far, and its results counted by outcome code.</summary>
public sealed record JobResponse(
    string Id,
    string Kind,
    string Status,
    string? CampaignId,
    long Total,
    long Done,
    IReadOnlyDictionary<string, long> Results,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt)
{
    public static JobResponse From(Job job) => new(
        Ids.Format(job.Id),
        job.Kind,
        StatusName(job.Status),
        job.CampaignId is { } campaign ? Ids.Format(campaign) : null,
        job.Total,
        job.Done,
        job.Results,
        DateTimeOffset.FromUnixTimeMilliseconds(job.CreatedAtMs),
        job.FinishedAtMs is { } finished ? DateTimeOffset.FromUnixTimeMilliseconds(finished) : null);

    /// <summary>The contract's names of a job's statuses.</summary>
    public static IReadOnlyList<string> StatusNames => ["queued", "running", "succeeded", "failed", "cancelled"];

    private static string StatusName(JobStatus status) => StatusNames[(int)status - 1];
}

/// <summary>An input a job refused, with the code of its refusal.</summary>
public sealed record JobFailureResponse(long Index, string Input, string Code);

/// <summary>A page of a job's refused inputs; <c>nextCursor</c> as every listing's.</summary>
public sealed record JobFailurePage(IReadOnlyList<JobFailureResponse> Items, string? NextCursor);
