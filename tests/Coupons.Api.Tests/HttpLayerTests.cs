using System.Net;
using System.Security.Claims;
using Coupons.Api.Http;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Core;
using Microsoft.AspNetCore.Http;

namespace Coupons.Api.Tests;

/// <summary>The OpenAPI document's answers per operation, the outcome table, and the claims read once per request.</summary>
public sealed class HttpLayerTests(CouponsApiFactory factory) : ApiTestBase<CouponsApiFactory>(factory), IClassFixture<CouponsApiFactory>
{
    /// <summary>
    /// Every operation's documented answers: those it had before the route groups carried them
    /// (none may be lost), and what the groups add (403 blocked, 429 rate limited and 400 for a
    /// malformed X-Device-Id on every /v1 route, 503 on every route that calls the store, 413 with a body).
    /// </summary>
    public static TheoryData<string, string, string> Operations => new()
    {
        { "post", "/v1/campaigns", "201 400 401 403 413 429 503" },
        { "get", "/v1/campaigns", "200 400 401 403 429 503" },
        { "get", "/v1/campaigns/{id}", "200 400 401 403 404 429 503" },
        { "post", "/v1/campaigns/{id}/pause", "200 400 401 403 404 409 429 503" },
        { "post", "/v1/campaigns/{id}/resume", "200 400 401 403 404 409 429 503" },
        { "post", "/v1/campaigns/{id}/end", "200 400 401 403 404 429 503" },
        { "post", "/v1/campaigns/{id}/stock", "200 400 401 403 404 409 413 429 503" },
        { "post", "/v1/campaigns/{id}/claim", "200 201 400 401 403 404 409 429 503" },
        { "get", "/v1/campaigns/{id}/stats", "200 400 401 403 404 429 503" },
        { "get", "/v1/me/coupons", "200 400 401 403 429 503" },
        { "get", "/v1/coupons/{id}", "200 400 401 403 404 429 503" },
        { "post", "/v1/coupons/{id}/lock", "200 400 401 403 404 409 413 422 429 503" },
        { "post", "/v1/coupons/{id}/redeem", "200 400 401 403 404 409 413 422 429 503" },
        { "post", "/v1/coupons/{id}/release", "200 400 401 403 404 409 413 429 503" },
        { "post", "/v1/coupons/{id}/refund", "200 400 401 403 404 409 413 429 503" },
        { "get", "/v1/blocklist", "200 400 401 403 429" },
        { "post", "/v1/blocklist", "200 201 400 401 403 409 413 429" },
        { "delete", "/v1/blocklist/{kind}", "204 400 401 403 404 429" },
        { "get", "/v1/fraud/flags", "200 400 401 403 429" },
        { "delete", "/v1/fraud/flags/{signal}", "204 400 401 403 404 429" },
        { "get", "/v1/audit", "200 400 401 403 429" },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Every_operation_documents_its_answers(string method, string path, string statuses)
    {
        using var response = await Anonymous.GetPathAsync("/openapi/v1.json");
        var document = await response.AssertStatusAsync(HttpStatusCode.OK);
        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        var documented = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.Superset(statuses.Split(' ').ToHashSet(), documented);
    }

    [Fact]
    public async Task A_documented_problem_answer_names_the_codes_it_carries()
    {
        using var response = await Anonymous.GetPathAsync("/openapi/v1.json");
        var document = await response.AssertStatusAsync(HttpStatusCode.OK);
        var responses = document.GetProperty("paths").GetProperty("/v1/campaigns/{id}/claim").GetProperty("post").GetProperty("responses");
        var conflict = responses.GetProperty("409").GetProperty("description").GetString()!;
        foreach (var code in new[] { "campaign_not_active", "limit_reached", "sold_out" })
        {
            Assert.Contains(code, conflict, StringComparison.Ordinal);
        }

        Assert.Contains("rate_limited", responses.GetProperty("429").GetProperty("description").GetString()!, StringComparison.Ordinal);
        Assert.Contains("blocked", responses.GetProperty("403").GetProperty("description").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_refusal_has_an_answer_in_the_table()
    {
        foreach (var outcome in OutcomeCodes.Refusals)
        {
            var answer = Problems.AnswerOf(outcome);
            Assert.InRange(answer.Status, 400, 499);
            Assert.Equal(answer.Status, Problems.StatusOf(outcome));
        }
    }

    [Fact]
    public void An_outcome_an_operation_does_not_list_is_a_bug_not_an_undocumented_answer()
    {
        var refusals = new Refusals(Outcome.CouponNotFound);
        Assert.Equal(StatusCodes.Status404NotFound, refusals.Problem(Outcome.CouponNotFound).StatusCode);
        Assert.Throws<InvalidOperationException>(() => refusals.Problem(Outcome.SoldOut));
    }

    [Fact]
    public void The_stock_cap_is_answered_as_a_bad_add_field()
    {
        var problem = Problems.For(Outcome.StockCapExceeded);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Equal(Problems.ValidationFailed, problem.ProblemDetails.Extensions["code"]);
        Assert.True(((IDictionary<string, string[]>)problem.ProblemDetails.Extensions["errors"]!).ContainsKey("add"));
    }

    [Fact]
    public void Caller_reads_a_principals_claims_once_and_reads_a_new_principal_anew()
    {
        var principal = new CountingPrincipal(new ClaimsIdentity([new Claim("sub", "u1"), new Claim("role", "service")], "test"));
        var context = new DefaultHttpContext();
        Assert.Equal(new Caller("u1", CallerRole.Service), Caller.Remember(context, principal));
        context.User = principal;
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("u1", Caller.Of(context).UserId);
            Assert.Equal(CallerRole.Service, Caller.RoleOf(context));
        }

        Assert.Equal(1, principal.Reads);

        // Another principal (a request whose user changed) is read anew.
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "u2")], "test"));
        Assert.Equal(new Caller("u2", CallerRole.User), Caller.Find(context));
        context.User = new ClaimsPrincipal(new ClaimsIdentity());
        Assert.Null(Caller.Find(context));
        Assert.Equal(CallerRole.Unknown, Caller.RoleOf(context));
    }

    private sealed class CountingPrincipal(ClaimsIdentity identity) : ClaimsPrincipal(identity)
    {
        public int Reads { get; private set; }

        public override IEnumerable<ClaimsIdentity> Identities
        {
            get
            {
                Reads++;
                return base.Identities;
            }
        }
    }
}
