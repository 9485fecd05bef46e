using System.Net;

namespace Coupons.Client;

/// <summary>
/// The service refused a request with a problem: the typed <see cref="Problem"/>, its
/// <see cref="Code"/>, the status and, on 429 and 503, how long to wait (<see cref="RetryAfter"/>).
/// Failures to reach the service at all are the usual <see cref="HttpRequestException"/> and
/// <see cref="TaskCanceledException"/>.
/// </summary>
public sealed class CouponsApiException : Exception
{
    /// <summary>An exception for <paramref name="problem"/>, with the answer's <c>Retry-After</c> if it had one.</summary>
    public CouponsApiException(CouponsProblem problem, TimeSpan? retryAfter = null)
        : base(MessageOf(problem))
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
        RetryAfter = retryAfter;
    }

    /// <summary>The problem as the service answered it.</summary>
    public CouponsProblem Problem { get; }

    /// <summary>The problem's stable code.</summary>
    public ProblemCode Code => Problem.Code;

    /// <summary>The answer's HTTP status.</summary>
    public HttpStatusCode StatusCode => (HttpStatusCode)Problem.Status;

    /// <summary>How long the service asked to wait before trying again (<c>Retry-After</c>), if it said.</summary>
    public TimeSpan? RetryAfter { get; }

    private static string MessageOf(CouponsProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var text = $"{problem.Status} {problem.Code}: {problem.Title}";
        return problem.Detail is { Length: > 0 } detail ? $"{text} ({detail})" : text;
    }
}
