using Coupons.Api.Http;
using Coupons.Core;

namespace Coupons.Api.OpenApi;

/// <summary>The problem codes an endpoint can answer with, as endpoint metadata the OpenAPI document is made from.</summary>
public sealed record ProblemCodesMetadata(IReadOnlyList<ProblemCode> Codes);

/// <summary>
/// The problem answers of the OpenAPI document, each described by the codes it can carry: those
/// every request under <c>/v1</c> can meet before its handler runs, those of the store, and an
/// operation's own refusals, from the table that answers them (<see cref="Problems.AnswerOf"/>).
/// <see cref="ContractOperations"/> turns them into responses.
/// </summary>
public static class ProblemResponses
{
    /// <summary>The protections (a malformed <c>X-Device-Id</c>, a block, a rate limit), authentication, and a store or node that cannot take the request.</summary>
    public static TBuilder ProducesGuardProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesCodes(
            new ProblemCode(ProblemCodes.ValidationFailed, 400, "a parameter or header (X-Device-Id) is not valid; errors names it"),
            ProblemCodes.Of(ProblemCodes.Unauthorized),
            ProblemCodes.Of(ProblemCodes.Blocked),
            ProblemCodes.Of(ProblemCodes.RateLimited),
            ProblemCodes.Of(ProblemCodes.StorageUnavailable),
            ProblemCodes.Of(ProblemCodes.Overloaded));

    /// <summary>What a role policy adds to the problems every request can meet.</summary>
    public static TBuilder ProducesRoleProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesCodes(ProblemCodes.Of(ProblemCodes.Forbidden));

    /// <summary>What reading a JSON body (<see cref="JsonBody"/>) adds to the problems every request can meet.</summary>
    public static TBuilder ProducesBodyProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesCodes(
            new ProblemCode(ProblemCodes.ValidationFailed, 400, "the body is not valid: malformed JSON, a wrong type, an unknown or repeated field, a value out of range; errors names each field"),
            ProblemCodes.Of(ProblemCodes.PayloadTooLarge));

    /// <summary>An operation's own refusals, each answered as <see cref="Problems.AnswerOf"/> says.</summary>
    public static TBuilder Refuses<TBuilder>(this TBuilder builder, Refusals refusals)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesCodes([.. refusals.Outcomes.Select(Describe)]);

    private static ProblemCode Describe(Outcome outcome)
    {
        var answer = Problems.AnswerOf(outcome);
        return answer.Field is { } field
            ? new ProblemCode(ProblemCodes.ValidationFailed, answer.Status, $"{field}: {answer.Text}")
            : new ProblemCode(outcome.ToCode(), answer.Status, answer.Text);
    }

    /// <summary>Problem answers with these codes. Codes given by a group and by its endpoint add up.</summary>
    public static TBuilder ProducesCodes<TBuilder>(this TBuilder builder, params ProblemCode[] codes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProblemCodesMetadata(codes));
}
