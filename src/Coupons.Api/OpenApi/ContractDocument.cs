using System.Text.Json.Nodes;
using Coupons.Api.Http;
using Coupons.Api.Protection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Coupons.Api.OpenApi;

/// <summary>
/// What the document says beyond its operations: the service, where it runs, its tags, the
/// schemas written by hand (<see cref="WireSchemas"/>), one problem response per status, the device
/// header, examples, and request bodies closed to unknown fields as <see cref="JsonBody"/> reads them.
/// </summary>
internal sealed class ContractDocument(OpenApiSettings settings) : IOpenApiDocumentTransformer
{
    public const string DeviceParameter = "DeviceId";

    /// <summary>The statuses a problem answer of an operation can have, each a shared response.</summary>
    private static readonly int[] ProblemStatuses = [400, 401, 403, 404, 409, 413, 422, 429, 503];

    public static string ResponseName(int status) => ReasonPhrases.GetReasonPhrase(status).Replace(" ", string.Empty, StringComparison.Ordinal) + "Problem";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = ContractText.Info;
        document.Servers = [new OpenApiServer { Url = settings.ServerUrl, Description = settings.ServerDescription }];
        document.Tags = new HashSet<OpenApiTag>(ContractText.Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, schema) in WireSchemas.Components(document))
        {
            document.Components.Schemas[name] = schema;
        }

        ApplyEnums(document.Components.Schemas);
        CloseRequestBodies(document);
        document.Components.Responses = ProblemStatuses.ToDictionary(ResponseName, status => (IOpenApiResponse)ProblemResponse(document, status));
        document.Components.Parameters = new Dictionary<string, IOpenApiParameter> { [DeviceParameter] = DeviceHeader() };
        ContractExamples.AddTo(document);
        return Task.CompletedTask;
    }

    private static void ApplyEnums(IDictionary<string, IOpenApiSchema> schemas)
    {
        foreach (var ((component, property), values) in WireSchemas.Enums)
        {
            if (PropertyOf(schemas, component, property) is { } schema)
            {
                schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            }
        }

        foreach (var (component, names) in WireSchemas.UuidProperties)
        {
            foreach (var name in names)
            {
                if (PropertyOf(schemas, component, name) is { } schema)
                {
                    schema.Format = "uuid";
                }
            }
        }
    }

    private static OpenApiSchema? PropertyOf(IDictionary<string, IOpenApiSchema> schemas, string component, string property) =>
        schemas.TryGetValue(component, out var schema) && schema is OpenApiSchema { Properties: { } properties }
            && properties.TryGetValue(property, out var found) ? found as OpenApiSchema : null;

    /// <summary>
    /// Request bodies refuse unknown fields, and a required field may not be null: the body's
    /// C# properties are nullable only so that a missing one is named in the problem.
    /// </summary>
    private static void CloseRequestBodies(OpenApiDocument document)
    {
        var bodies = document.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            .SelectMany(o => o.RequestBody?.Content?.Values ?? [])
            .Select(m => m.Schema).OfType<OpenApiSchemaReference>()
            .Select(r => r.Reference.Id).Distinct();
        foreach (var id in bodies)
        {
            if (id is null || !document.Components!.Schemas!.TryGetValue(id, out var found) || found is not OpenApiSchema { Properties: { } properties } schema)
            {
                continue;
            }

            schema.AdditionalPropertiesAllowed = false;
            foreach (var name in schema.Required ?? new HashSet<string>())
            {
                properties[name] = NotNull(properties[name]);
            }
        }
    }

    private static IOpenApiSchema NotNull(IOpenApiSchema property) => property switch
    {
        OpenApiSchema { OneOf: [OpenApiSchema { Type: JsonSchemaType.Null }, var only] } => only,
        OpenApiSchema { Type: { } type } schema when (type & JsonSchemaType.Null) != 0 => WithType(schema, type & ~JsonSchemaType.Null),
        _ => property,
    };

    private static OpenApiSchema WithType(OpenApiSchema schema, JsonSchemaType type)
    {
        schema.Type = type;
        return schema;
    }

    private static OpenApiResponse ProblemResponse(OpenApiDocument document, int status)
    {
        var codes = ProblemCodes.All.Where(c => c.Status == status).Select(c => c.Code).Distinct().ToList();
        var schema = new OpenApiSchema
        {
            AllOf =
            [
                new OpenApiSchemaReference(WireSchemas.Problem, document),
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. codes.Select(c => (JsonNode)JsonValue.Create(c))] },
                        ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Enum = [JsonValue.Create(status)] },
                    },
                },
            ],
        };
        var response = new OpenApiResponse
        {
            Description = $"{ReasonPhrases.GetReasonPhrase(status)}: a problem with one of the codes {string.Join(", ", codes)}.",
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
        };
        if (status is 429 or 503)
        {
            response.Headers = new Dictionary<string, IOpenApiHeader>
            {
                ["Retry-After"] = new OpenApiHeader
                {
                    Required = true,
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
                },
            };
        }

        return response;
    }

    private static OpenApiParameter DeviceHeader() => new()
    {
        Name = ClientFacts.DeviceHeader,
        In = ParameterLocation.Header,
        Description = "The client device's id, for the per-device rate limit and fraud signals; a malformed one is refused with 400.",
        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = ClientFacts.MaxDeviceIdLength, Pattern = "^[!-~]+$" },
    };
}
