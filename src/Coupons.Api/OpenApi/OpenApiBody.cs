using Coupons.Api.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Coupons.Api.OpenApi;

public static class OpenApiBody
{
    /// <summary>
    /// Documents a JSON request body that the handler reads itself (see <see cref="JsonBody"/>),
    /// and the problem reading it adds (413). The metadata names no content type, so routing does
    /// not match on it: a request without a token is answered 401 before anything looks at its body.
    /// </summary>
    public static TBuilder WithJsonBody<TBuilder, TBody>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesBodyProblems().WithMetadata(new JsonBodyMetadata(typeof(TBody), false));

    /// <summary>As <see cref="WithJsonBody{TBuilder, TBody}"/>, for a body that may be left out (<see cref="JsonBody.ReadOptionalAsync{T}"/>).</summary>
    public static TBuilder WithOptionalJsonBody<TBuilder, TBody>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesBodyProblems().WithMetadata(new JsonBodyMetadata(typeof(TBody), true));

    private sealed class JsonBodyMetadata(Type requestType, bool optional) : IAcceptsMetadata
    {
        public IReadOnlyList<string> ContentTypes => [];

        public Type? RequestType => requestType;

        public bool IsOptional => optional;
    }
}

/// <summary>What a success answer of an endpoint means, for the OpenAPI document (the generator writes only the status's name).</summary>
public sealed record AnswerText(int Status, string Text);

public static class AnswerTexts
{
    /// <summary>Says what the <paramref name="status"/> answer of this endpoint means.</summary>
    public static TBuilder Answers<TBuilder>(this TBuilder builder, int status, string text)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AnswerText(status, text));

    /// <summary>Says that this endpoint's 200 may be a node's last copy while the store fails, marked stale (<see cref="Http.LastCopies"/>).</summary>
    public static TBuilder MayAnswerStale<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(StaleAnswer.Instance);
}

/// <summary>An endpoint's 200 may come from a node's last copy, marked stale: the document names its headers.</summary>
public sealed class StaleAnswer
{
    public static readonly StaleAnswer Instance = new();

    private StaleAnswer()
    {
    }
}
