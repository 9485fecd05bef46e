using System.Globalization;
using System.Text.Json.Nodes;
using Coupons.Api.Http;
using Coupons.Api.Protection;
using Coupons.Core;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Coupons.Api.OpenApi;

/// <summary>
/// Completes each operation of the contract: its problem answers from the codes its endpoint
/// declares (<see cref="ProblemResponses"/>), one shared response per status; the bounds of its
/// parameters; the device header every <c>/v1</c> route reads; and <c>Location</c> on a 201.
/// </summary>
internal sealed class ContractOperations : IOpenApiOperationTransformer
{
    /// <summary>The extension listing, by status, exactly the codes an operation can answer with.</summary>
    public const string CodesExtension = "x-problem-codes";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("the operation has no document");
        var codes = context.Description.ActionDescriptor.EndpointMetadata.OfType<ProblemCodesMetadata>().SelectMany(m => m.Codes).ToList();
        AddProblems(operation, document, codes);
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            Constrain(parameter, operation.OperationId);
        }

        if (context.Description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameterReference(ContractDocument.DeviceParameter, document));
        }

        foreach (var answer in context.Description.ActionDescriptor.EndpointMetadata.OfType<AnswerText>())
        {
            if (operation.Responses?.GetValueOrDefault(answer.Status.ToString(CultureInfo.InvariantCulture)) is OpenApiResponse response)
            {
                response.Description = answer.Text;
            }
        }

        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<StaleAnswer>().Any()
            && operation.Responses?.GetValueOrDefault("200") is OpenApiResponse ok)
        {
            DescribeStale(ok);
        }

        foreach (var created in new[] { "201", "202" }.Select(s => operation.Responses?.GetValueOrDefault(s)).OfType<OpenApiResponse>())
        {
            created.Headers ??= new Dictionary<string, IOpenApiHeader>();
            created.Headers["Location"] = new OpenApiHeader
            {
                Required = true,
                Description = "The path of what was created or started (relative to the server).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }

        return Task.CompletedTask;
    }

    /// <summary>The headers of an answer from a node's last copy (<see cref="Http.LastCopies"/>), absent from a fresh one.</summary>
    private static void DescribeStale(OpenApiResponse response)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[Http.LastCopies.StaleHeader] = new OpenApiHeader
        {
            Description = "Present only when the store is failing and this answer is the node's last copy: its age in whole seconds. Absent from a fresh answer.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "0" },
        };
        response.Headers["Warning"] = new OpenApiHeader
        {
            Description = "With X-Coupons-Stale: `110 - \"Response is Stale\"`.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        };
    }

    private static void AddProblems(OpenApiOperation operation, OpenApiDocument document, List<ProblemCode> codes)
    {
        if (codes.Count == 0)
        {
            return;
        }

        operation.Responses ??= [];
        var byStatus = new JsonObject();
        foreach (var group in codes.GroupBy(c => c.Status).OrderBy(g => g.Key))
        {
            var status = group.Key.ToString(CultureInfo.InvariantCulture);
            var distinct = group.GroupBy(c => c.Code).Select(g => (Code: g.Key, Meaning: string.Join("; or ", g.Select(c => c.Meaning).Distinct()))).ToList();
            operation.Responses[status] = new OpenApiResponseReference(ContractDocument.ResponseName(group.Key), document)
            {
                Description = $"{ReasonPhrases.GetReasonPhrase(group.Key)}. " + string.Join(" ", distinct.Select(c => $"`{c.Code}`: {c.Meaning.TrimEnd('.')}.")),
            };
            byStatus[status] = new JsonArray([.. distinct.Select(c => (JsonNode)JsonValue.Create(c.Code))]);
        }

        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions[CodesExtension] = new JsonNodeExtension(byStatus);
    }

    private static void Constrain(OpenApiParameter parameter, string? operationId)
    {
        if (parameter.Schema is not OpenApiSchema schema)
        {
            return;
        }

        switch (parameter.In, parameter.Name)
        {
            case (ParameterLocation.Path, "id"):
                schema.Format = "uuid";
                parameter.Description ??= "The id (a UUID).";
                break;
            case (ParameterLocation.Query, "limit"):
                schema.Minimum = "1";
                schema.Maximum = StoreLimits.MaxPageSize.ToString(CultureInfo.InvariantCulture);
                schema.Default = JsonValue.Create(StoreLimits.DefaultPageSize);
                break;
            case (ParameterLocation.Query, "campaignId"):
                schema.Format = "uuid";
                break;
            case (ParameterLocation.Header, "Idempotency-Key"):
                schema.MinLength = 1;
                schema.MaxLength = StoreLimits.MaxIdempotencyKeyLength;
                schema.Pattern = "^[!-~]+$";
                break;
            case (ParameterLocation.Query, "status") when operationId is "ListMyCoupons" or "ListUserCoupons":
                SetEnum(schema, WireNames.CouponStatusNames);
                break;
            case (ParameterLocation.Query, "status") when operationId == "ListCampaigns":
                SetEnum(schema, WireNames.CampaignStatusNames);
                break;
            case (ParameterLocation.Path, "userId"):
                schema.MinLength = 1;
                schema.MaxLength = StoreLimits.MaxUserIdLength;
                parameter.Description ??= "The user: a token's sub.";
                break;
            case (_, "kind"):
                SetEnum(schema, WireSchemas.BlockKinds);
                break;
            case (_, "signal"):
                SetEnum(schema, WireSchemas.FraudSignalNames);
                break;
            case (ParameterLocation.Query, "value"):
                parameter.Required = true;
                schema.MinLength = 1;
                schema.MaxLength = operationId == "DismissFraudFlag" ? 256 : StoreLimits.MaxUserIdLength;
                break;
        }
    }

    private static void SetEnum(OpenApiSchema schema, IEnumerable<string> values)
    {
        schema.Type = JsonSchemaType.String;
        schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
    }
}
