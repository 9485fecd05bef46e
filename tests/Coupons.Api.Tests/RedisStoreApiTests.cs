using System.Net;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Coupons.Api.Tests;

/// <summary>
/// The HTTP contract on the Redis store (<c>Coupons:Store=redis</c>): a coupon's whole life, the
/// refusals a client sees, and the user's list; the store's own behaviour is covered by the store
/// contract (<c>RedisConformance</c>).
/// </summary>
public sealed class RedisStoreApiTests(RedisApiFactory factory) : ApiTestBase<RedisApiFactory>(factory), IClassFixture<RedisApiFactory>
{
    [Fact]
    public async Task A_coupon_is_claimed_locked_redeemed_and_refunded_over_http()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 2));
        var (userId, user) = NewUser();

        using var claim = await user.PostAsync(new Uri($"/v1/campaigns/{campaignId}/claim", UriKind.Relative), null);
        var coupon = await claim.AssertStatusAsync(HttpStatusCode.Created);
        var couponId = coupon.Str("id");
        Assert.Equal($"/v1/coupons/{couponId}", claim.Headers.Location?.OriginalString);
        Assert.Equal((userId, "unused"), (coupon.Str("userId"), coupon.Str("status")));

        using var locked = await PostCouponAsync(Service, couponId, "lock", Order("order-1", 2_000));
        Assert.Equal(1_500, (await locked.AssertStatusAsync(HttpStatusCode.OK)).Long("payable"));
        using var redeemed = await PostCouponAsync(user, couponId, "redeem", Order("order-1"));
        Assert.Equal("used", (await redeemed.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("coupon").Str("status"));
        using var refunded = await PostCouponAsync(Service, couponId, "refund", Order("order-1"));
        Assert.Equal("unused", (await refunded.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));

        var stats = await StatsAsync(campaignId);
        Assert.Equal((2L, 1L, 1L, 0L), (stats.Long("totalStock"), stats.Long("issued"), stats.Long("refunded"), stats.Long("used")));
        Assert.Equal("unused", (await GetCouponAsync(user, couponId)).Str("status"));
    }

    [Fact]
    public async Task An_order_of_two_coupons_is_locked_and_redeemed_over_http_and_it_reaches_postgres_with_the_price_each_coupon_kept()
    {
        var (userId, user) = NewUser();
        var tenOff = await ClaimOfAsync(user, Campaign(new JsonObject { ["type"] = "amount_off", ["amountOff"] = 1_000 }, stacking: "stackable"));
        var shipping = await ClaimOfAsync(user, Campaign(new JsonObject { ["type"] = "free_shipping" }, stacking: "stackable"));
        var orderId = "order-" + Unique();
        var body = new JsonObject { ["userId"] = userId, ["couponIds"] = new JsonArray(shipping, tenOff), ["orderAmount"] = 5_000, ["shippingAmount"] = 450 };

        using (var locked = await Service.PostJsonAsync($"/v1/orders/{orderId}/lock", body))
        {
            var order = await locked.AssertStatusAsync(HttpStatusCode.OK);
            Assert.Equal(("locked", 1_450L, 4_000L), (order.Str("status"), order.Long("discount"), order.Long("payable")));
        }

        using (var used = await user.PostEmptyAsync($"/v1/orders/{orderId}/redeem"))
        {
            Assert.Equal("used", (await used.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var rows = new Dictionary<Guid, (string Status, long Shipping, long? Discount)>();
            await using (var connection = new Npgsql.NpgsqlConnection(Factory.Shards[Coupons.Postgres.Shards.For(userId, 2)]))
            {
                await connection.OpenAsync();
                await using var command = new Npgsql.NpgsqlCommand("SELECT id, status, order_shipping, order_discount FROM coupons WHERE user_id = $1", connection);
                command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = userId });
                try
                {
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        rows[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3));
                    }
                }
                catch (Npgsql.PostgresException exception) when (PersisterSchema.NotYetApplied(exception))
                {
                    // The persister applies the schema in the background: not there yet.
                }
            }

            if (rows.Count == 2 && rows.Values.All(row => row.Status == "used") && await StoredOrderAsync(userId, orderId) is ("used", var lines))
            {
                Assert.Equal(("used", 450L, (long?)1_000), rows[Guid.Parse(tenOff)]);
                Assert.Equal(("used", 450L, (long?)450), rows[Guid.Parse(shipping)]);
                Assert.Equal($"{Guid.Parse(tenOff):N}:1000,{Guid.Parse(shipping):N}:450", lines);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"PostgreSQL has not the order and both its coupons used after 20 s: {rows.Count} coupon rows");
            await Task.Delay(50);
        }
    }

    /// <summary>The order's status and lines as PostgreSQL holds them on its user's shard, or nulls.</summary>
    private async Task<(string? Status, string? Lines)> StoredOrderAsync(string userId, string orderId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Factory.Shards[Coupons.Postgres.Shards.For(userId, 2)]);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT status, lines FROM orders WHERE id = $1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = orderId });
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            return await reader.ReadAsync() ? (reader.GetString(0), reader.GetString(1)) : (null, null);
        }
        catch (Npgsql.PostgresException exception) when (PersisterSchema.NotYetApplied(exception))
        {
            return (null, null);
        }
    }

    [Fact]
    public async Task An_order_another_node_is_in_the_middle_of_is_busy_with_a_retry_after()
    {
        // What a node leaves in an order's record while it changes the order's coupons: a plan, with its deadline.
        var orderId = "order-" + Unique();
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Factory.Redis.Configuration))
        {
            var deadline = DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds();
            await redis.GetDatabase().HashSetAsync(new Coupons.Redis.Layout.RedisKeys("api-tests:").Order(orderId),
                [new("version", 1), new("pending", $$"""{"DeadlineMs":{{deadline}},"Steps":[]}""")]);
        }

        using var busy = await Service.PostEmptyAsync($"/v1/orders/{orderId}/release");

        await busy.AssertProblemAsync(HttpStatusCode.Conflict, "order_busy");
        Assert.Equal("1", busy.Headers.RetryAfter?.ToString());
    }

    [Fact]
    public async Task The_registered_client_waits_out_an_order_busy_and_tries_again()
    {
        // A plan that ends in a moment, with nothing in it: once past, the order's next request takes it back.
        var orderId = "order-" + Unique();
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(Factory.Redis.Configuration))
        {
            var deadline = DateTimeOffset.UtcNow.AddMilliseconds(1_500).ToUnixTimeMilliseconds();
            await redis.GetDatabase().HashSetAsync(new Coupons.Redis.Layout.RedisKeys("api-tests:").Order(orderId),
                [new("version", 1), new("pending", $$"""{"DeadlineMs":{{deadline}},"Steps":[]}""")]);
        }

        var statuses = new System.Collections.Concurrent.ConcurrentQueue<HttpStatusCode>();
        var services = new ServiceCollection();
        services.AddCouponsClient(options =>
            {
                options.BaseAddress = Factory.Server.BaseAddress;
                options.MaxRetryAfter = TimeSpan.FromSeconds(30);
            })
            .ConfigurePrimaryHttpMessageHandler(() => Factory.Server.CreateHandler())
            .AddHttpMessageHandler(() => new StatusLog(statuses));
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<CouponsClient>().WithBearerToken(CouponsApiFactory.Token("orders", "service"));

        var released = await client.TryReleaseOrderAsync(orderId);

        // Busy first (409, Retry-After: 1); a retry past the deadline finds the plan taken back and no order.
        Assert.Equal(ProblemCode.OrderNotFound, released.Problem!.Code);
        Assert.Equal(HttpStatusCode.Conflict, statuses.First());
        Assert.Equal(HttpStatusCode.NotFound, statuses.Last());
    }

    /// <summary>Inside the client's retries: the status of every attempt.</summary>
    private sealed class StatusLog(System.Collections.Concurrent.ConcurrentQueue<HttpStatusCode> statuses) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            statuses.Enqueue(response.StatusCode);
            return response;
        }
    }

    [Fact]
    public async Task Refusals_are_the_contracts_problems()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 1));
        var (_, first) = NewUser();
        var (_, second) = NewUser();
        var couponId = await ClaimAsync(first, campaignId);

        using var again = await first.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await again.AssertProblemAsync(HttpStatusCode.Conflict, "limit_reached");
        using var soldOut = await second.PostEmptyAsync($"/v1/campaigns/{campaignId}/claim");
        await soldOut.AssertProblemAsync(HttpStatusCode.Conflict, "sold_out");
        using var notMine = await PostCouponAsync(second, couponId, "lock", Order("order-9", 2_000));
        await notMine.AssertProblemAsync(HttpStatusCode.NotFound, "coupon_not_found");
        using var unknown = await second.PostEmptyAsync($"/v1/campaigns/{Guid.CreateVersion7()}/claim");
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound, "campaign_not_found");

        var rejected = (await StatsAsync(campaignId)).GetProperty("rejected");
        Assert.Equal((1L, 1L), (rejected.Long("limit_reached"), rejected.Long("sold_out")));
    }

    [Fact]
    public async Task An_idempotent_retry_gets_the_same_coupon_and_the_user_lists_it_once()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 5, perUserLimit: 2));
        var (_, user) = NewUser();

        async Task<JsonObject> ClaimWithKeyAsync(HttpStatusCode expected)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v1/campaigns/{campaignId}/claim", UriKind.Relative));
            request.Headers.Add("Idempotency-Key", "retry-1");
            using var response = await user.SendAsync(request);
            return JsonNode.Parse((await response.AssertStatusAsync(expected)).GetRawText())!.AsObject();
        }

        var first = await ClaimWithKeyAsync(HttpStatusCode.Created);
        var retry = await ClaimWithKeyAsync(HttpStatusCode.OK);

        Assert.Equal(first["id"]!.GetValue<string>(), retry["id"]!.GetValue<string>());
        using var mine = await user.GetAsync(new Uri("/v1/me/coupons", UriKind.Relative));
        var items = (await mine.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items");
        Assert.Equal([first["id"]!.GetValue<string>()], items.EnumerateArray().Select(c => c.Str("id")));
    }

    [Fact]
    public async Task Acknowledged_claims_and_redemptions_reach_postgres_on_their_users_shard()
    {
        var campaignId = await NewCampaignAsync(CampaignBody(totalStock: 20));
        var coupons = new List<(string User, string Coupon)>();
        for (var i = 0; i < 8; i++)
        {
            var (userId, user) = NewUser();
            coupons.Add((userId, await ClaimAsync(user, campaignId)));
        }

        using (var redeemed = await PostCouponAsync(Service, coupons[0].Coupon, "redeem", Order("order-pg", 2_000)))
        {
            await redeemed.AssertStatusAsync(HttpStatusCode.OK);
        }

        // The persister runs in the background: wait (bounded) until every row is there as acknowledged.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var rows = new Dictionary<string, (string User, string Status, int Shard)>();
            for (var shard = 0; shard < 2; shard++)
            {
                await using var connection = new Npgsql.NpgsqlConnection(Factory.Shards[shard]);
                await connection.OpenAsync();
                await using var command = new Npgsql.NpgsqlCommand("SELECT id, user_id, status FROM coupons", connection);
                try
                {
                    await using var reader = await command.ExecuteReaderAsync();
                    while (await reader.ReadAsync())
                    {
                        rows[reader.GetGuid(0).ToString()] = (reader.GetString(1), reader.GetString(2), shard);
                    }
                }
                catch (Npgsql.PostgresException exception) when (PersisterSchema.NotYetApplied(exception))
                {
                    // The persister applies the schema in the background: not there yet.
                }
            }

            var complete = coupons.All(c => rows.ContainsKey(c.Coupon)) && rows[coupons[0].Coupon].Status == "used";
            if (complete)
            {
                Assert.All(coupons, c => Assert.Equal((c.User, Coupons.Postgres.Shards.For(c.User, 2)), (rows[c.Coupon].User, rows[c.Coupon].Shard)));
                using var metrics = await Anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));
                var scraped = await metrics.Content.ReadAsStringAsync();
                Assert.Contains("coupons_persister_lag", scraped, StringComparison.Ordinal);
                Assert.Contains("coupons_redis_script_duration_seconds_bucket{otel_scope_name=\"Coupons\",script=\"claim\"", scraped, StringComparison.Ordinal);
                await AssertReconciledAsync(campaignId);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"PostgreSQL has {rows.Count} of {coupons.Count} coupons after 20 s");
            await Task.Delay(50);
        }
    }

    /// <summary>The reconcile command, with the same settings as the service, finds Redis and PostgreSQL agreeing (bounded wait for the persister).</summary>
    private async Task AssertReconciledAsync(string campaignId)
    {
        string[] arguments =
        [
            campaignId, "--Coupons:Redis:Configuration=" + Factory.Redis.Configuration, "--Coupons:Redis:Timeout=" + Coupons.Conformance.RedisServer.CallTimeoutSetting, "--Coupons:Redis:KeyPrefix=api-tests:",
            "--Coupons:Postgres:Shards:0=" + Factory.Shards[0], "--Coupons:Postgres:Shards:1=" + Factory.Shards[1],
        ];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await Coupons.Api.Hosting.ReconcileCommand.RunAsync(arguments, output, error);
            if (exit == 0)
            {
                Assert.Contains("agree", output.ToString(), StringComparison.Ordinal);
                return;
            }

            Assert.True(exit == 1 && DateTime.UtcNow < deadline, $"reconcile exited {exit}: {output} {error}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task The_reconcile_command_refuses_what_it_cannot_compare()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(2, await Coupons.Api.Hosting.ReconcileCommand.RunAsync(["not-an-id"], output, error));
        Assert.Equal(2, await Coupons.Api.Hosting.ReconcileCommand.RunAsync([Guid.CreateVersion7().ToString()], output, error));
        Assert.Contains("Coupons:Postgres:Shards", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_is_ready_on_redis()
    {
        using var ready = await Anonymous.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
