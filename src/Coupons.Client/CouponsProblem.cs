namespace Coupons.Client;

/// <summary>
/// A problem the service answered with (RFC 9457 problem details), with the contract's stable
/// <see cref="Code"/>. An answer that is not a problem document (say a proxy's error page) is given
/// one made from its status: <see cref="Code"/> is then <see cref="ProblemCode.ForStatus(int)"/>.
/// </summary>
public sealed record CouponsProblem
{
    /// <summary>A URI reference naming the problem type.</summary>
    public string? Type { get; init; }

    /// <summary>A short, human-readable summary.</summary>
    public string? Title { get; init; }

    /// <summary>The HTTP status.</summary>
    public int Status { get; init; }

    /// <summary>A human-readable explanation of this occurrence.</summary>
    public string? Detail { get; init; }

    /// <summary>A URI reference naming this occurrence.</summary>
    public string? Instance { get; init; }

    /// <summary>The stable code: what a program branches on.</summary>
    public ProblemCode Code { get; init; }

    /// <summary>For <see cref="ProblemCode.ValidationFailed"/>: the messages by field (like <c>discount.percentOff</c>).</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>For <see cref="ProblemCode.RateLimited"/>: which limit refused the request.</summary>
    public RateLimitKind? Limit { get; init; }

    /// <summary>For an order's refusal about one of its coupons: that coupon.</summary>
    public Guid? CouponId { get; init; }

    /// <summary>The service's trace id of the request, to quote when asking about it.</summary>
    public string? TraceId { get; init; }
}
