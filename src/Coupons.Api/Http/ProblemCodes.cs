using Coupons.Core;

namespace Coupons.Api.Http;

/// <summary>One code a problem answer can carry, the status it comes with and what it means.</summary>
public sealed record ProblemCode(string Code, int Status, string Meaning);

/// <summary>
/// Every code a problem answer of this service can carry: the codes the HTTP layer gives, and the
/// store's refusals as <see cref="Problems.AnswerOf"/> answers them. Codes are only ever added.
/// The OpenAPI document's <c>ProblemCode</c> enum and its problem responses are made from this list.
/// </summary>
public static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string Blocked = "blocked";
    public const string NotFound = "not_found";
    public const string BlocklistFull = "blocklist_full";
    public const string PayloadTooLarge = "payload_too_large";
    public const string RateLimited = "rate_limited";
    public const string StorageUnavailable = "storage_unavailable";
    public const string Overloaded = "overloaded";
    public const string InternalError = "internal_error";
    public const string JobNotFound = "job_not_found";
    public const string JobFinished = "job_finished";

    /// <summary>The values of a 429 problem's <c>limit</c>: which rate limit refused.</summary>
    public static readonly IReadOnlyList<string> Limits = ["ip", "device", "user", "campaign", Protection.CodeGuessing.Limit];

    private static readonly ProblemCode[] Transport =
    [
        new(ValidationFailed, 400, "a field, parameter or header is not valid; errors names each"),
        new(Unauthorized, 401, "no valid bearer token: none, expired, or badly signed"),
        new(Forbidden, 403, "the token's role may not do this"),
        new(Blocked, 403, "the user, address or device is on the blocklist"),
        new(NotFound, 404, "no such resource"),
        new("method_not_allowed", 405, "the path does not take this method"),
        new("not_acceptable", 406, "the answer cannot be given in an accepted type"),
        new("request_timeout", 408, "the request was not received in time"),
        new(BlocklistFull, 409, "the blocklist is full"),
        new(JobNotFound, 404, "no such job"),
        new(JobFinished, 409, "the job has finished and can no longer be cancelled"),
        new("length_required", 411, "the request needs a Content-Length"),
        new(PayloadTooLarge, 413, $"the body is over {JsonBody.MaxBytes / 1024} KiB"),
        new("unsupported_media_type", 415, "the body's content type is not taken"),
        new(RateLimited, 429, "a rate limit is reached (limit names it); Retry-After says when to try again"),
        new(InternalError, 500, "a fault on the service's side"),
        new(StorageUnavailable, 503, "the store cannot take requests now (starting, or a disk write failed); Retry-After says when to try again"),
        new(Overloaded, 503, "the service is shedding load; Retry-After says when to try again"),
    ];

    /// <summary>Every code, by status then as listed.</summary>
    public static IReadOnlyList<ProblemCode> All { get; } =
    [
        .. Transport.Concat(OutcomeCodes.Refusals
                .Select(outcome => (Outcome: outcome, Answer: Problems.AnswerOf(outcome)))
                .Where(refusal => refusal.Answer.Field is null)
                .Select(refusal => new ProblemCode(refusal.Outcome.ToCode(), refusal.Answer.Status, refusal.Answer.Text)))
            .OrderBy(code => code.Status),
    ];

    /// <summary>The meaning of <paramref name="code"/>.</summary>
    public static ProblemCode Of(string code) =>
        All.FirstOrDefault(known => known.Code == code) ?? throw new ArgumentOutOfRangeException(nameof(code), code, "not a problem code of this service");
}
