using System.Globalization;
using Coupons.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Coupons.Api.Http;

/// <summary>
/// The problem answers of the OpenAPI document, each described by the codes it can carry: those
/// every request under <c>/v1</c> can meet before its handler runs, those of the store, and an
/// operation's own refusals, from the table that answers them (<see cref="Problems.AnswerOf"/>).
/// </summary>
public static class ProblemResponses
{
    /// <summary>The protections (a malformed <c>X-Device-Id</c>, a block, a rate limit) and authentication.</summary>
    public static TBuilder ProducesGuardProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .ProducesCodes(StatusCodes.Status400BadRequest, $"{Problems.ValidationFailed}: a field, parameter or header (X-Device-Id) is not valid; errors names it.")
            .ProducesCodes(StatusCodes.Status401Unauthorized, "unauthorized: no valid bearer token.")
            .ProducesCodes(StatusCodes.Status403Forbidden, "blocked: the user, address or device is blocked.")
            .ProducesCodes(StatusCodes.Status429TooManyRequests, "rate_limited: a rate limit is reached (limit names it); Retry-After says when to try again.");

    /// <summary>What a role policy adds to the problems every request can meet.</summary>
    public static TBuilder ProducesRoleProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesCodes(StatusCodes.Status403Forbidden, "forbidden: the token's role may not do this.");

    /// <summary>What a route that calls the store can be answered when the store cannot take it.</summary>
    public static TBuilder ProducesStoreProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesCodes(
            StatusCodes.Status503ServiceUnavailable,
            "storage_unavailable: the store cannot take requests now (starting, or a disk write failed). overloaded: the service is shedding load. Retry-After says when to try again.");

    /// <summary>What reading a JSON body (<see cref="JsonBody"/>) adds to the problems every request can meet.</summary>
    public static TBuilder ProducesBodyProblems<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesCodes(StatusCodes.Status413PayloadTooLarge, $"payload_too_large: the body is over {JsonBody.MaxBytes / 1024} KiB.");

    /// <summary>An operation's own refusals, one problem answer per status, naming each outcome's code.</summary>
    public static TBuilder Refuses<TBuilder>(this TBuilder builder, Refusals refusals)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var byStatus in refusals.Outcomes.GroupBy(outcome => Problems.AnswerOf(outcome).Status))
        {
            builder.ProducesCodes(byStatus.Key, string.Join(" ", byStatus.Select(Describe)));
        }

        return builder;
    }

    private static string Describe(Outcome outcome)
    {
        var answer = Problems.AnswerOf(outcome);
        return answer.Field is { } field ? $"{answer.CodeOf(outcome)} ({field}): {answer.Text}." : $"{answer.CodeOf(outcome)}: {answer.Text}";
    }

    /// <summary>
    /// A problem answer, its description naming the codes it can carry. Codes given for the same
    /// status by a group and by its endpoint add up.
    /// </summary>
    public static TBuilder ProducesCodes<TBuilder>(this TBuilder builder, int status, string codes)
        where TBuilder : IEndpointConventionBuilder
    {
        // ApiExplorer reads no description from endpoint metadata (only from MVC attributes): the
        // document's response is described here.
        var key = status.ToString(CultureInfo.InvariantCulture);
        var reason = ReasonPhrases.GetReasonPhrase(status);
        return builder.ProducesProblem(status).AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.GetValueOrDefault(key) is OpenApiResponse response)
            {
                response.Description = string.IsNullOrEmpty(response.Description) || response.Description == reason
                    ? $"{reason}. {codes}"
                    : $"{response.Description} {codes}";
            }

            return Task.CompletedTask;
        });
    }
}
