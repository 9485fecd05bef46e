using System.Net;
using System.Text.Json;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests;

/// <summary>Health, OpenAPI, metrics, and what routes that do not exist answer.</summary>
public sealed class HostingTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_200_without_a_token(string path)
    {
        using var response = await Anonymous.GetPathAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_openapi_document_names_every_route_of_the_contract()
    {
        using var response = await Anonymous.GetPathAsync("/openapi/v1.json");
        var document = await response.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var paths = document.GetProperty("paths");
        var expected = new Dictionary<string, string[]>
        {
            ["/v1/campaigns"] = ["post", "get"],
            ["/v1/campaigns/{id}"] = ["get"],
            ["/v1/campaigns/{id}/pause"] = ["post"],
            ["/v1/campaigns/{id}/resume"] = ["post"],
            ["/v1/campaigns/{id}/end"] = ["post"],
            ["/v1/campaigns/{id}/stock"] = ["post"],
            ["/v1/campaigns/{id}/claim"] = ["post"],
            ["/v1/campaigns/{id}/stats"] = ["get"],
            ["/v1/me/coupons"] = ["get"],
            ["/v1/coupons/{id}"] = ["get"],
            ["/v1/coupons/{id}/lock"] = ["post"],
            ["/v1/coupons/{id}/redeem"] = ["post"],
            ["/v1/coupons/{id}/release"] = ["post"],
            ["/v1/coupons/{id}/refund"] = ["post"],
        };
        var actual = paths.EnumerateObject().Select(p => p.Name).ToList();
        foreach (var (path, methods) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing; the document has: {string.Join(", ", actual)}");
            foreach (var method in methods)
            {
                Assert.True(item.TryGetProperty(method, out _), $"{method} {path} is missing");
            }
        }
    }

    [Fact]
    public async Task The_openapi_document_declares_the_bearer_scheme_and_the_problem_answers()
    {
        using var response = await Anonymous.GetPathAsync("/openapi/v1.json");
        var document = await response.AssertStatusAsync(HttpStatusCode.OK);
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Equal("JWT", scheme.GetProperty("bearerFormat").GetString());

        var claim = document.GetProperty("paths").GetProperty("/v1/campaigns/{id}/claim").GetProperty("post");
        Assert.Equal(1, claim.GetProperty("security").GetArrayLength());
        var codes = claim.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "200", "201", "400", "401", "403", "404", "409", "503" }, codes);
    }

    [Fact]
    public async Task The_openapi_document_describes_request_bodies_and_the_idempotency_header()
    {
        using var response = await Anonymous.GetPathAsync("/openapi/v1.json");
        var document = await response.AssertStatusAsync(HttpStatusCode.OK);
        var text = document.GetRawText();
        Assert.Contains("/v1/campaigns/{id}/claim", text, StringComparison.Ordinal);
        Assert.Contains("Idempotency-Key", text, StringComparison.Ordinal);
        foreach (var operation in FindOperations(document, "post"))
        {
            var (path, op) = operation;
            if (path.EndsWith("/lock", StringComparison.Ordinal) || path.EndsWith("/stock", StringComparison.Ordinal) || path.TrimEnd('/') == "/v1/campaigns")
            {
                Assert.True(op.TryGetProperty("requestBody", out var body), $"POST {path} documents its body");
                Assert.True(body.GetProperty("content").TryGetProperty("application/json", out _), $"POST {path} takes JSON");
            }
        }
    }

    [Fact]
    public async Task Metrics_answer_prometheus_text()
    {
        using (var warmup = await Anonymous.GetPathAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, warmup.StatusCode);
        }

        using var response = await Anonymous.GetPathAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        Assert.True(mediaType is "text/plain" or "application/openmetrics-text", mediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE ", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "/nope")]
    [InlineData("GET", "/v1")]
    [InlineData("GET", "/v2/campaigns")]
    [InlineData("POST", "/v1/coupons/0198f0f0-0000-7000-8000-000000000000/destroy")]
    [InlineData("GET", "/v1/campaigns/0198f0f0-0000-7000-8000-000000000000/nothing/here")]
    public async Task An_unknown_route_is_a_404_problem_with_a_code(string method, string path)
    {
        foreach (var client in new[] { Anonymous, Admin })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
            using var response = await client.SendAsync(request);
            await response.AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
    }

    [Theory]
    [InlineData("DELETE", "/v1/campaigns/0198f0f0-0000-7000-8000-000000000000")]
    [InlineData("PUT", "/v1/campaigns")]
    [InlineData("GET", "/v1/coupons/0198f0f0-0000-7000-8000-000000000000/lock")]
    public async Task A_known_route_with_another_method_is_a_405_problem_with_a_code(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await Admin.SendAsync(request);
        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Theory]
    [InlineData("GET", "/v1/campaigns/0198f0f0-0000-7000-8000-000000000000")]
    [InlineData("GET", "/v1/me/coupons?status=bogus")]
    public async Task Problems_made_by_the_handlers_are_json_whatever_the_client_accepts(string method, string path)
    {
        var client = Factory.ClientFor("user-" + Unique(), "admin");
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await client.SendAsync(request);
        await response.AssertClientErrorAsync();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "/nope")]
    [InlineData("DELETE", "/v1/campaigns")]
    [InlineData("GET", "/v1/campaigns?limit=abc")]
    public async Task Problems_made_by_the_framework_are_json_whatever_the_client_accepts(string method, string path)
    {
        var client = Factory.ClientFor("admin-" + Unique(), "admin");
        client.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        using var response = await client.SendAsync(request);
        await response.AssertClientErrorAsync();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Problems_carry_no_server_details()
    {
        using var response = await Admin.GetPathAsync("/v1/campaigns/0198f0f0-0000-7000-8000-000000000000");
        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");
        Assert.False(problem.TryGetProperty("exception", out _));
        Assert.False(response.Headers.Contains("Server"));
    }

    private static IEnumerable<(string Path, JsonElement Operation)> FindOperations(JsonElement document, string method)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            if (path.Value.TryGetProperty(method, out var operation))
            {
                yield return (path.Name, operation);
            }
        }
    }
}
