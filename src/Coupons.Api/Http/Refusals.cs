using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Http;

/// <summary>
/// The outcomes one operation may refuse with. Its problem answers in the OpenAPI document
/// (<see cref="ProblemResponses.Refuses"/>) and its answers at run time (<see cref="Problem"/>) are
/// both made from this list and <see cref="Problems.AnswerOf"/>, so they cannot disagree: an
/// outcome the list does not name is a bug, answered 500 and logged, never an undocumented status.
/// </summary>
public sealed class Refusals
{
    private readonly Outcome[] _outcomes;

    public Refusals(params Outcome[] outcomes)
    {
        // Every outcome must have a row in the table: a missing one fails at start, not on a request.
        foreach (var outcome in outcomes)
        {
            _ = Problems.AnswerOf(outcome);
        }

        _outcomes = outcomes;
    }

    public IReadOnlyList<Outcome> Outcomes => _outcomes;

    /// <summary>The problem <paramref name="outcome"/> is answered with, naming the coupon it is about (<see cref="Problems.ForCoupon"/>).</summary>
    public ProblemHttpResult Problem(Outcome outcome, string? couponId) =>
        Array.IndexOf(_outcomes, outcome) >= 0
            ? Problems.ForCoupon(outcome, couponId)
            : throw new InvalidOperationException($"the store answered {outcome}, which is not among the refusals this operation documents");

    /// <summary>The problem <paramref name="outcome"/> is answered with.</summary>
    public ProblemHttpResult Problem(Outcome outcome) => Problem(outcome, null);
}
