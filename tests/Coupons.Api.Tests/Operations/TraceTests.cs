using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Coupons.Api.Hosting;
using Coupons.Api.Tests.Crash;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Conformance;
using Coupons.Core;
using Coupons.Core.Checkout;
using Coupons.Core.Codes;
using Coupons.Embedded;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// Traces as an operator turns them on (README, "Traces"): the real service as its own process with
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> pointing at an OTLP/HTTP receiver, a coupon's life driven over
/// HTTP, and what the receiver got read back: the requests' spans, the store calls under them, the
/// store's own spans (the embedded store's commits; on Redis the scripts and the persister's batches),
/// and no token, signing key, code or query value in any of it.
/// </summary>
public sealed class TraceTests
{
    [Fact]
    public async Task On_the_embedded_store_requests_store_calls_and_commits_are_traced_without_secrets()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "coupons-traces-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var receiver = new OtlpReceiver();
            using var server = ServerProcess.Start(dataDir, CouponsApiFactory.SigningKeyText, Otel(receiver));
            var flow = await Flow.RunAsync(server, "TRACES-EMBEDDED-1");
            await receiver.WaitForAsync("store claim", "store claim_by_code", "store lock", "store redeem", "store find_coupon_by_code", "sqlite commit");

            var claim = AssertRequestWithStoreCall(receiver, $"/v1/campaigns/{flow.CampaignId}/claim", "store claim", "embedded");
            Assert.Equal(flow.CampaignId, claim["coupons.campaign.id"]);
            Assert.Equal(flow.CouponByIdId, claim["coupons.coupon.id"]);
            Assert.Equal("ok", claim["coupons.outcome"]);
            Assert.Equal(flow.CouponByCodeId, AssertRequestWithStoreCall(receiver, "/v1/codes/claim", "store claim_by_code", "embedded")["coupons.coupon.id"]);
            Assert.Equal("ok", AssertRequestWithStoreCall(receiver, $"/v1/coupons/{flow.CouponByIdId}/redeem", "store redeem", "embedded")["coupons.outcome"]);

            // A commit serves many requests: a trace of its own, with its size.
            var commits = receiver.Spans.Where(s => s.Name == "sqlite commit").ToList();
            Assert.All(commits, commit => Assert.Equal("", commit.ParentSpanId));
            Assert.All(commits, commit => Assert.Equal("sqlite", commit["db.system.name"]));
            Assert.Contains(commits, commit => long.Parse(commit["coupons.batch.size"]!, System.Globalization.CultureInfo.InvariantCulture) >= 1);

            AssertNothingSecret(receiver, flow);
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task On_redis_scripts_run_under_their_store_call_and_the_persister_traces_its_batches()
    {
        var dir = Path.Combine(Path.GetTempPath(), "coupons-traces-redis-" + Guid.NewGuid().ToString("N"));
        var redis = new RedisServer();
        var postgres = new PostgresServer("shard0", "shard1");
        try
        {
            await Task.WhenAll(redis.InitializeAsync(), postgres.InitializeAsync());
            using var receiver = new OtlpReceiver();
            using var server = ServerProcess.Start(
                dir, CouponsApiFactory.SigningKeyText,
                [.. Otel(receiver), "--Coupons:Store=redis", $"--Coupons:Redis:Configuration={redis.Configuration}", "--Coupons:Redis:Timeout=" + RedisServer.CallTimeoutSetting, "--Coupons:Redis:KeyPrefix=traces:",
                    $"--Coupons:Postgres:Shards:0={postgres.ConnectionString("shard0")}", $"--Coupons:Postgres:Shards:1={postgres.ConnectionString("shard1")}"]);
            var flow = await Flow.RunAsync(server, "TRACES-REDIS-1");
            await receiver.WaitForAsync("store claim", "EVALSHA claim", "store redeem", "EVALSHA transition", "persister round", "persister batch");

            var claim = AssertRequestWithStoreCall(receiver, $"/v1/campaigns/{flow.CampaignId}/claim", "store claim", "redis");
            var script = Assert.Single(receiver.Spans, s => s.Name == "EVALSHA claim" && s.ParentSpanId == claim.SpanId);
            Assert.Equal(("redis", "EVALSHA", "claim"), (script["db.system.name"], script["db.operation.name"], script["db.stored_procedure.name"]));
            Assert.Equal(claim.TraceId, script.TraceId);

            var batches = receiver.Spans.Where(s => s.Name == "persister batch").ToList();
            var rounds = receiver.Spans.Where(s => s.Name == "persister round").ToDictionary(s => s.SpanId);
            Assert.All(rounds.Values, round => Assert.Equal("", round.ParentSpanId));
            Assert.All(batches, batch => Assert.Contains(batch.ParentSpanId, rounds.Keys));
            Assert.All(batches, batch => Assert.Contains(batch["coupons.persister.shard"], new[] { "0", "1" }));
            Assert.All(batches, batch => Assert.Equal("postgresql", batch["db.system.name"]));
            Assert.Contains(batches, batch => long.Parse(batch["coupons.batch.size"]!, System.Globalization.CultureInfo.InvariantCulture) >= 1);

            AssertNothingSecret(receiver, flow);
        }
        finally
        {
            await Task.WhenAll(redis.DisposeAsync(), postgres.DisposeAsync());
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Only_with_an_endpoint_is_the_store_wrapped_and_a_tracer_registered()
    {
        await using (var untraced = new CouponsApiFactory())
        {
            await ((IAsyncLifetime)untraced).InitializeAsync();
            Assert.IsType<EmbeddedCouponStore>(untraced.Services.GetRequiredService<ICouponStore>());
            Assert.Null(untraced.Services.GetService<TracerProvider>());
        }

        await using var traced = new TracedFactory();
        await ((IAsyncLifetime)traced).InitializeAsync();
        var store = Assert.IsType<TracedStore>(traced.Services.GetRequiredService<ICouponStore>());
        Assert.Same(store, traced.Services.GetRequiredService<IOrderStore>());
        Assert.Same(store, traced.Services.GetRequiredService<ICodeStore>());
        Assert.NotNull(traced.Services.GetService<TracerProvider>());
    }

    /// <summary>The settings an operator sets (here on the command line, which configuration reads as it reads the environment).</summary>
    private static string[] Otel(OtlpReceiver receiver) =>
    [
        $"--OTEL_EXPORTER_OTLP_ENDPOINT={receiver.Endpoint}",
        "--OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
        "--OTEL_BSP_SCHEDULE_DELAY=200",
    ];

    /// <summary>The request's span (by its path), and the store call's under it in the same trace; returns the latter.</summary>
    private static OtlpSpan AssertRequestWithStoreCall(OtlpReceiver receiver, string path, string storeCall, string store)
    {
        var request = Assert.Single(receiver.Spans, s => s["url.path"] == path);
        Assert.Equal("POST " + request["http.route"], request.Name);
        var call = Assert.Single(receiver.Spans, s => s.Name == storeCall && s.ParentSpanId == request.SpanId);
        Assert.Equal(request.TraceId, call.TraceId);
        Assert.Equal(store, call["coupons.store"]);
        return call;
    }

    private static void AssertNothingSecret(OtlpReceiver receiver, Flow flow)
    {
        Assert.DoesNotContain(receiver.Spans, s => s["url.path"] is { } path && (path.StartsWith("/health", StringComparison.Ordinal) || path == "/metrics"));
        Assert.Contains(receiver.Spans, s => s["url.query"] is { } query && query.Contains("probe=Redacted", StringComparison.Ordinal));
        Assert.NotEmpty(receiver.Bodies);
        foreach (var secret in flow.Secrets)
        {
            Assert.False(receiver.AnyBodyContains(secret), $"a span carries '{secret}'");
        }
    }

    /// <summary>
    /// A campaign with a shared code; one user claims by id, another by the code; the service locks
    /// and redeems the first coupon and looks the second up by its own code; a user lists with a
    /// query value; the probes and the scraper call as they do.
    /// </summary>
    private sealed record Flow(string CampaignId, string CouponByIdId, string CouponByCodeId, IReadOnlyList<string> Secrets)
    {
        public static async Task<Flow> RunAsync(ServerProcess server, string sharedCode)
        {
            using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
            await server.WaitReadyAsync(anonymous, TimeSpan.FromSeconds(60), CancellationToken.None);
            var (adminToken, serviceToken, firstToken, secondToken) = (
                CouponsApiFactory.Token("traces-admin", "admin"), CouponsApiFactory.Token("traces-service", "service"),
                CouponsApiFactory.Token("traces-user-1"), CouponsApiFactory.Token("traces-user-2"));
            using var admin = Client(server, adminToken);
            using var service = Client(server, serviceToken);
            using var first = Client(server, firstToken);
            using var second = Client(server, secondToken);
            using var created = await admin.PostJsonAsync("/v1/campaigns", new JsonObject
            {
                ["name"] = "Traces",
                ["discount"] = new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 },
                ["totalStock"] = 5,
                ["perUserLimit"] = 1,
                ["validity"] = new JsonObject { ["days"] = 1 },
                ["code"] = sharedCode,
            });
            var campaignId = (await created.AssertStatusAsync(HttpStatusCode.Created)).Str("id");
            using var byId = await first.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
            var couponById = await byId.AssertStatusAsync(HttpStatusCode.Created);
            using var byCode = await second.PostJsonAsync("/v1/codes/claim", new JsonObject { ["code"] = sharedCode.ToLowerInvariant() });
            var couponByCode = await byCode.AssertStatusAsync(HttpStatusCode.Created);
            var couponId = couponById.Str("id");
            using (var locked = await service.PostJsonAsync($"/v1/coupons/{couponId}/lock", new JsonObject { ["orderId"] = "traces-order", ["orderAmount"] = 2_000 }))
            {
                await locked.AssertStatusAsync(HttpStatusCode.OK);
            }

            using (var redeemed = await service.PostJsonAsync($"/v1/coupons/{couponId}/redeem", new JsonObject { ["orderId"] = "traces-order" }))
            {
                await redeemed.AssertStatusAsync(HttpStatusCode.OK);
            }

            using (var found = await service.PostJsonAsync("/v1/codes/lookup", new JsonObject { ["code"] = couponByCode.Str("code") }))
            {
                await found.AssertStatusAsync(HttpStatusCode.OK);
            }

            const string query = "QUERY-VALUE-TRACES";
            (await first.GetPathAsync("/v1/me/coupons?limit=5&probe=" + query)).Dispose();
            (await anonymous.GetPathAsync("/metrics")).Dispose();
            (await anonymous.GetPathAsync("/health/live")).Dispose();
            return new Flow(campaignId, couponId, couponByCode.Str("id"),
            [
                CouponsApiFactory.SigningKeyText, adminToken, serviceToken, firstToken, secondToken, sharedCode,
                couponById.Str("code"), couponByCode.Str("code"), query,
            ]);
        }

        private static HttpClient Client(ServerProcess server, string token)
        {
            var client = new HttpClient { BaseAddress = server.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }
    }

    /// <summary>The in-memory host with an endpoint nothing listens on (port 9, discard): spans are made and their export fails quietly.</summary>
    private sealed class TracedFactory : CouponsApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")];
    }
}
