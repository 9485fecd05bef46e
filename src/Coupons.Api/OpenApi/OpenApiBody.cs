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
        builder.ProducesBodyProblems().WithMetadata(new JsonBodyMetadata(typeof(TBody)));

    private sealed class JsonBodyMetadata(Type requestType) : IAcceptsMetadata
    {
        public IReadOnlyList<string> ContentTypes => [];

        public Type? RequestType => requestType;

        public bool IsOptional => false;
    }
}
