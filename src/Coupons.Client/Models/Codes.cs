namespace Coupons.Client;

/// <summary>A campaign's generated code: available until a user claims it, then whose coupon it became.</summary>
/// <param name="Code">The code, ungrouped and upper case (a prefix, random symbols and a check character).</param>
/// <param name="Status">Available or claimed.</param>
/// <param name="UserId">Who claimed it; null while available.</param>
/// <param name="CouponId">The coupon it gave; null while available.</param>
/// <param name="ClaimedAt">When it was claimed; null while available.</param>
public sealed record CouponCode(string Code, CodeStatus Status, string? UserId, Guid? CouponId, DateTimeOffset? ClaimedAt);

/// <summary>Long work the service runs in the background (generating codes, issuing coupons to a list of users).</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Kind">What it does: <c>codes</c> or <c>issuance</c> (kinds may be added).</param>
/// <param name="Status">Queued, running, succeeded, failed or cancelled.</param>
/// <param name="CampaignId">The campaign it works on, if any.</param>
/// <param name="Total">Inputs in all (codes to make, users to issue to).</param>
/// <param name="Done">Inputs applied or refused so far.</param>
/// <param name="Results">Inputs by outcome: <c>ok</c> for those applied, else a problem code.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="FinishedAt">When it ended; null until then.</param>
public sealed record Job(
    Guid Id,
    string Kind,
    JobStatus Status,
    Guid? CampaignId,
    long Total,
    long Done,
    IReadOnlyDictionary<string, long> Results,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt);

/// <summary>An input a job refused, with why: a user an issuance gave no coupon (<c>sold_out</c>, <c>limit_reached</c>, ...).</summary>
/// <param name="Input">The input as it was given (a user id).</param>
/// <param name="Code">The problem code it was refused with.</param>
public sealed record JobFailure(string Input, string Code);
