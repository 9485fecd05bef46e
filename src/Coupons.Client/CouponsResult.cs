using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Coupons.Client;

/// <summary>
/// The answer to a call that does not throw on a problem: either a value, or the problem the service
/// answered with. For refusals that are an ordinary part of a flow (<c>sold_out</c>,
/// <c>limit_reached</c>, <c>locked_by_other_order</c>), without the cost of an exception.
/// </summary>
/// <typeparam name="T">The value of a success.</typeparam>
public readonly struct CouponsResult<T>
{
    private readonly T? _value;

    internal CouponsResult(int status, T value)
    {
        Status = status;
        _value = value;
    }

    internal CouponsResult(CouponsProblem problem, TimeSpan? retryAfter)
    {
        Status = problem.Status;
        Problem = problem;
        RetryAfter = retryAfter;
        _value = default;
    }

    /// <summary>The answer's HTTP status, as a number (201, 409, ...).</summary>
    public int Status { get; }

    /// <summary>The answer's HTTP status.</summary>
    public HttpStatusCode StatusCode => (HttpStatusCode)Status;

    /// <summary>Whether the call succeeded (<see cref="Value"/> is set, <see cref="Problem"/> is null).</summary>
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool IsSuccess => Problem is null;

    /// <summary>The value of a success; default on a problem.</summary>
    public T? Value => _value;

    /// <summary>The problem the service answered with; null on a success.</summary>
    public CouponsProblem? Problem { get; }

    /// <summary>The problem's code; default (no value) on a success.</summary>
    public ProblemCode Code => Problem?.Code ?? default;

    /// <summary>How long the service asked to wait before trying again (<c>Retry-After</c>), if it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The value, or a <see cref="CouponsApiException"/> for the problem.</summary>
    public T GetValueOrThrow() => IsSuccess ? _value! : throw new CouponsApiException(Problem, RetryAfter);
}
