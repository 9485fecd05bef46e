using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Coupons.Api.Tests.Contract;

/// <summary>
/// Holds an answer against the committed OpenAPI document: its path and method are documented, its
/// status is one the operation declares, its required headers are there, its body validates against
/// the schema for that status and media type (objects closed: a field the document does not name
/// fails), a problem's code is among those the operation lists for the status, and a request the
/// service accepted (2xx) is one the document allows.
/// </summary>
public static class ContractChecker
{
    /// <summary>Answers outside the contract's document: health probes, the Prometheus scrape and the document itself (the README describes them).</summary>
    private static readonly HashSet<string> Undocumented = ["/health/live", "/health/ready", "/metrics", "/openapi/v1.json"];

    private static readonly ConcurrentDictionary<string, JsonSchema> Compiled = new();

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    public static List<string> Check(string method, string requestPath, string? requestBody, HttpResponseMessage response, string body)
    {
        var document = CommittedDocument.Current;
        var status = (int)response.StatusCode;
        var violations = new List<string>();
        if (Undocumented.Contains(requestPath))
        {
            return violations;
        }

        if (method == "HEAD")
        {
            // No route takes HEAD; the answer has no body to hold against a schema.
            if (status is not (400 or 401 or 403 or 404 or 405 or 429 or 503))
            {
                violations.Add($"HEAD {requestPath} was answered {status}: no route takes HEAD");
            }

            return violations;
        }

        // Routing matches a path with or without one trailing slash.
        var path = document.PathFor(requestPath.Length > 1 && requestPath.EndsWith('/') ? requestPath[..^1] : requestPath);
        var operation = path is null ? null : document.Operation(path, method);
        if (operation is null || IsRoutingNotFound(operation, status, body))
        {
            // No such route: routing's own answers (404, 405), or what the guards in front of routing answer first.
            if (status is 400 or 401 or 403 or 404 or 405 or 429 or 503)
            {
                Validate(violations, $"routing {status}", "#/components/schemas/Problem", body);
            }
            else
            {
                violations.Add($"{method} {requestPath} is not in the document, yet was answered {status}");
            }

            return violations;
        }

        var where = $"{method} {path} {status}";
        var responses = operation["responses"]!.AsObject();
        if ((responses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? responses["default"]) is not { } declared)
        {
            violations.Add($"{where}: the document declares no such status (declared: {string.Join(", ", responses.Select(r => r.Key))}); body: {Shorten(body)}");
            return violations;
        }

        CheckResponse(violations, where, document.Resolve(declared), response, body);
        CheckProblemCode(violations, where, operation, status, response, body);
        if (status is >= 200 and < 300 && requestBody is not null && operation["requestBody"] is { } requestSchema)
        {
            var schema = document.Resolve(requestSchema)["content"]?["application/json"]?["schema"];
            if (schema is not null)
            {
                Validate(violations, $"{where} request body (accepted by the service)", schema, requestBody);
            }
        }

        return violations;
    }

    /// <summary>What is off when <paramref name="json"/> is held against the component schema <paramref name="component"/> (objects closed).</summary>
    public static List<string> CheckComponent(string component, string json)
    {
        var violations = new List<string>();
        Validate(violations, component, JsonValue.Create("#/components/schemas/" + component), json);
        return violations;
    }

    /// <summary>
    /// A 404 <c>not_found</c> the operation does not list: routing found no route for a path that
    /// looks like a documented one (an empty segment, an escaped slash), not the operation's answer.
    /// </summary>
    private static bool IsRoutingNotFound(JsonObject operation, int status, string body)
    {
        if (status != 404 || operation["x-problem-codes"]?["404"]?.AsArray().Any(c => c!.GetValue<string>() == "not_found") == true)
        {
            return false;
        }

        try
        {
            return JsonNode.Parse(body)?["code"]?.GetValue<string>() == "not_found";
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void CheckResponse(List<string> violations, string where, JsonObject declared, HttpResponseMessage response, string body)
    {
        foreach (var (name, header) in declared["headers"]?.AsObject() ?? [])
        {
            if (header?["required"]?.GetValue<bool>() == true && !response.Headers.Contains(name) && !response.Content.Headers.Contains(name))
            {
                violations.Add($"{where}: the required header {name} is missing");
            }
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (declared["content"] is not JsonObject content)
        {
            if (body.Length > 0)
            {
                violations.Add($"{where}: the document declares no body, yet one came ({mediaType}): {Shorten(body)}");
            }

            return;
        }

        if (mediaType is null || content[mediaType]?["schema"] is not { } schema)
        {
            violations.Add($"{where}: answered as {mediaType ?? "(no content type)"}, the document declares {string.Join(", ", content.Select(c => c.Key))}");
            return;
        }

        Validate(violations, where, schema, mediaType.Contains("json", StringComparison.Ordinal) ? body : JsonSerializer.Serialize(body));
    }

    private static void CheckProblemCode(List<string> violations, string where, JsonObject operation, int status, HttpResponseMessage response, string body)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json"
            || operation["x-problem-codes"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] is not JsonArray codes)
        {
            return;
        }

        var code = JsonNode.Parse(body)?["code"]?.GetValue<string>();
        if (!codes.Any(c => c!.GetValue<string>() == code))
        {
            violations.Add($"{where}: code {code} is not among the operation's codes for this status ({string.Join(", ", codes)})");
        }
    }

    private static void Validate(List<string> violations, string where, JsonNode schema, string body)
    {
        JsonDocument instance;
        try
        {
            instance = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            violations.Add($"{where}: the body is not JSON ({e.Message}): {Shorten(body)}");
            return;
        }

        using (instance)
        {
            var results = Compile(schema).Evaluate(instance.RootElement, Evaluation);
            if (!results.IsValid)
            {
                var errors = (results.Details ?? []).Where(d => d.Errors is not null)
                    .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"));
                violations.Add($"{where}: the body does not validate against the document: {string.Join("; ", errors.Take(8))}; body: {Shorten(body)}");
            }
        }
    }

    private static JsonSchema Compile(JsonNode schema) => Compiled.GetOrAdd(schema is JsonValue ? schema.GetValue<string>() : schema.ToJsonString(), key =>
    {
        var document = CommittedDocument.Current;
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = ClosedDefinitions(document.Schemas),
        };
        if (schema is JsonValue reference)
        {
            root["$ref"] = reference.GetValue<string>();
        }
        else
        {
            foreach (var (name, value) in schema.AsObject())
            {
                root[name] = value?.DeepClone();
            }
        }

        var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        return JsonSchema.FromText(text, options, new Uri($"https://coupons.test/contract/{Compiled.Count}/{Guid.NewGuid():N}"));
    });

    /// <summary>
    /// The document's schemas with every object that names its properties closed: the document may
    /// leave answers open for fields added later, but the service must send none it does not describe yet.
    /// </summary>
    private static JsonObject ClosedDefinitions(JsonObject schemas)
    {
        var definitions = schemas.DeepClone().AsObject();
        foreach (var (_, definition) in definitions)
        {
            if (definition is JsonObject obj && obj["properties"] is not null && obj["additionalProperties"] is null)
            {
                obj["additionalProperties"] = false;
            }
        }

        return definitions;
    }

    private static string Shorten(string text) => text.Length > 600 ? text[..600] + "…" : text;
}
