using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Coupons.Api.Tests.Contract;

/// <summary>
/// The committed document (<c>docs/openapi.json</c>) is the one the service serves, and it names
/// exactly the routes the service maps. To update it after changing the contract:
/// <c>UPDATE_OPENAPI=1 dotnet test tests/Coupons.Api.Tests -c Release --filter OpenApiDocumentTests</c>.
/// </summary>
public sealed class OpenApiDocumentTests(CouponsApiFactory factory) : IClassFixture<CouponsApiFactory>
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task The_served_document_is_the_committed_one()
    {
        using var response = await factory.CreateClient().GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";
        var committed = File.Exists(CommittedDocument.PathOf) ? (await File.ReadAllTextAsync(CommittedDocument.PathOf)).ReplaceLineEndings("\n") : string.Empty;
        if (served == committed)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(CommittedDocument.PathOf, served);
            return;
        }

        var servedLines = served.Split('\n');
        var committedLines = committed.Split('\n');
        var line = Enumerable.Range(0, Math.Min(servedLines.Length, committedLines.Length)).FirstOrDefault(i => servedLines[i] != committedLines[i], Math.Min(servedLines.Length, committedLines.Length));
        Assert.Fail(
            $"docs/openapi.json differs from the served document from line {line + 1}:\n" +
            $"  committed: {committedLines.ElementAtOrDefault(line)}\n  served:    {servedLines.ElementAtOrDefault(line)}\n" +
            "Update it with: UPDATE_OPENAPI=1 dotnet test tests/Coupons.Api.Tests -c Release --filter OpenApiDocumentTests");
    }

    [Fact]
    public void The_document_names_exactly_the_routes_the_service_maps()
    {
        var mapped = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.Trim('/'), Methods: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"]))
            .Where(e => e.Path.StartsWith("/v1/", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => $"{m} {e.Path}"))
            .Order().ToList();
        var documented = CommittedDocument.Current.Root["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))
            .Order().ToList();
        Assert.Equal(mapped, documented);
    }

    [Fact]
    public void Every_example_validates_against_its_schema()
    {
        var examples = CommittedDocument.Current.Schemas
            .SelectMany(s => (s.Value!["examples"]?.AsArray() ?? []).Select(e => (Component: s.Key, Example: e!.ToJsonString())))
            .ToList();
        Assert.True(examples.Count >= 8, $"expected examples on the main schemas, found {examples.Count}");
        Assert.All(examples, e => Assert.Empty(ContractChecker.CheckComponent(e.Component, e.Example)));
    }

    [Theory]
    [InlineData("Discount", """{"type":"percent_off","percentOff":20}""", true)]
    [InlineData("Discount", """{"type":"percent_off","percentOff":20,"amountOff":null}""", false)] // a field of another type
    [InlineData("Discount", """{"type":"free_lunch","amountOff":5}""", false)]
    [InlineData("Validity", """{"days":30}""", true)]
    [InlineData("Validity", """{"days":30,"to":"2026-12-01T00:00:00Z"}""", false)]
    [InlineData("Validity", """{"days":30,"from":"2026-12-01T00:00:00Z"}""", false)]
    [InlineData("Validity", """{"from":"2026-12-01T00:00:00Z"}""", false)]
    [InlineData("Validity", """{"from":"2026-12-01T00:00:00Z","to":"2026-12-02T00:00:00Z"}""", true)]
    [InlineData("Problem", """{"title":"t","status":409,"code":"sold_out"}""", true)]
    [InlineData("Problem", """{"title":"t","status":409,"code":"sold_out","extra":1}""", false)] // objects are closed in the checks
    [InlineData("Problem", """{"title":"t","status":409,"code":"no_such_code"}""", false)]
    [InlineData("CouponPage", """{"items":[],"nextCursor":null}""", true)]
    [InlineData("CouponPage", """{"items":[{"id":"x"}],"nextCursor":null}""", false)]
    public void The_checker_refuses_what_the_document_does_not_describe(string component, string json, bool valid) =>
        Assert.Equal(valid, ContractChecker.CheckComponent(component, json).Count == 0);

    [Fact]
    public void Each_operation_lists_only_codes_its_shared_responses_allow()
    {
        var document = CommittedDocument.Current;
        foreach (var (path, item) in document.Root["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                foreach (var (status, codes) in operation!["x-problem-codes"]?.AsObject() ?? [])
                {
                    var response = document.Resolve(operation["responses"]![status]!);
                    var allowed = response["content"]!["application/problem+json"]!["schema"]!["allOf"]![1]!["properties"]!["code"]!["enum"]!.AsArray()
                        .Select(c => c!.GetValue<string>()).ToHashSet();
                    var listed = codes!.AsArray().Select(c => c!.GetValue<string>()).ToList();
                    Assert.True(listed.All(allowed.Contains), $"{method} {path} {status}: {string.Join(", ", listed)} not all in {string.Join(", ", allowed)}");
                }
            }
        }
    }
}
