using Microsoft.OpenApi;

namespace Coupons.Api.Http;

public static class OpenApiBody
{
    /// <summary>
    /// Documents a JSON request body that the handler reads itself (see <see cref="JsonBody"/>),
    /// and the problem reading it adds (413). Unlike <c>Accepts&lt;T&gt;</c> it adds no content-type
    /// matching to routing, so a request without a token is answered 401 before anything looks at its body.
    /// </summary>
    public static TBuilder WithJsonBody<TBuilder, TBody>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.ProducesBodyProblems().AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken).ConfigureAwait(false);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });
}
