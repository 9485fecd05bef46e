using System.Net;
using System.Text.Json.Nodes;
using Coupons.Api.Hosting;
using Coupons.Api.Tests.Codes;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Conformance;
using Coupons.Postgres;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Api.Tests;

/// <summary>
/// Redis lost with its disk, rebuilt from PostgreSQL by the <c>restore</c> command: a service on
/// Redis and two PostgreSQL shards makes campaigns (one split into four buckets), claims by id, by a
/// shared code and by a generated code, locks, a redemption and an order; once the persister has
/// stored it all, a new, empty Redis takes the place of the first and <c>restore</c> fills it. Then
/// <c>reconcile</c> agrees for every campaign, and a new service on the new Redis goes on: stock
/// ends exactly where it should, per-user limits and idempotency keys hold, a locked coupon and a
/// locked order are redeemed, a claimed code stays claimed, and the persister stores the new changes.
/// The new Redis is one server (<see cref="RestoreTests"/>) or a three-primary cluster
/// (<see cref="RestoreToClusterTests"/>).
/// </summary>
public abstract class RestoreTestsBase : IAsyncLifetime
{
    private const string Prefix = "restore-tests:";

    private readonly RedisServer _lost = new();
    private readonly PostgresServer _postgres = new("shard0", "shard1");
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "coupons-restore-tests-" + Guid.NewGuid().ToString("N"));

    private IReadOnlyList<string> Shards => [_postgres.ConnectionString("shard0"), _postgres.ConnectionString("shard1")];

    /// <summary>The Redis that takes the lost one's place, empty until the restore.</summary>
    protected abstract IAsyncLifetime Empty { get; }

    protected abstract string EmptyConfiguration { get; }

    public Task InitializeAsync() => Task.WhenAll(_lost.InitializeAsync(), Empty.InitializeAsync(), _postgres.InitializeAsync());

    public async Task DisposeAsync()
    {
        await Task.WhenAll(_lost.DisposeAsync(), Empty.DisposeAsync(), _postgres.DisposeAsync());
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Redis_rebuilt_from_postgres_agrees_with_it_and_serves_on_with_exact_stock_limits_locks_orders_and_codes()
    {
        World before;
        await using (var first = new Host(_lost.Configuration, Shards, _dataDir))
        {
            await first.InitializeAsync();
            before = await new Steps(first).MakeWorldAsync();
            await WaitForPersisterAsync(_lost.Configuration, before);
        }

        var (restored, restoreOutput) = await RunAsync(RestoreCommand.RunAsync, []);
        Assert.True(restored == 0, restoreOutput);
        Assert.Contains("restored 3 campaign(s), 8 coupon(s), 3 generated code(s), 1 order(s)", restoreOutput, StringComparison.Ordinal);
        var (again, againOutput) = await RunAsync(RestoreCommand.RunAsync, []);
        Assert.True(again == 2 && againOutput.Contains("refused", StringComparison.Ordinal), againOutput);
        foreach (var campaign in before.Campaigns)
        {
            var (agrees, reconcileOutput) = await RunAsync(ReconcileCommand.RunAsync, [campaign]);
            Assert.True(agrees == 0, reconcileOutput);
        }

        await using var second = new Host(EmptyConfiguration, Shards, _dataDir);
        await second.InitializeAsync();
        await new Steps(second).GoOnAsync(before);
        await WaitForPersisterAsync(EmptyConfiguration, before);
    }

    private async Task<(int Exit, string Output)> RunAsync(Func<string[], TextWriter, TextWriter, Task<int>> command, string[] args)
    {
        using var output = new StringWriter();
        var exit = await command(
            [.. args, $"--Coupons:Redis:Configuration={EmptyConfiguration}", $"--Coupons:Redis:KeyPrefix={Prefix}",
                $"--Coupons:Postgres:Shards:0={Shards[0]}", $"--Coupons:Postgres:Shards:1={Shards[1]}"],
            output,
            output);
        return (exit, output.ToString());
    }

    /// <summary>Until PostgreSQL has every campaign and coupon as Redis has it, and the order and the code's claim.</summary>
    private async Task WaitForPersisterAsync(string redis, World world)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var reconciler = new Reconciler(connection, new RedisKeys(Prefix), new PostgresOptions { Shards = [.. Shards] });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var differences = new List<Difference>();
            try
            {
                foreach (var campaign in world.Campaigns)
                {
                    differences.AddRange(await reconciler.CompareAsync(Guid.Parse(campaign)));
                }

                if (differences.Count == 0 && await CountAsync(0, "SELECT count(*) FROM codes WHERE coupon_id IS NOT NULL") >= 1
                    && await CountAsync(0, "SELECT count(*) FROM orders") + await CountAsync(1, "SELECT count(*) FROM orders") == 1)
                {
                    return;
                }
            }
            catch (Npgsql.PostgresException exception) when (PersisterSchema.NotYetApplied(exception))
            {
                differences.Add(new Difference("schema", "missing", "", ""));
            }

            Assert.True(DateTime.UtcNow < deadline, "the persister has not caught up in 30 s: " + string.Join("; ", differences));
            await Task.Delay(100);
        }
    }

    private async Task<long> CountAsync(int shard, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Shards[shard]);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>What the first service made, for the second to go on with.</summary>
    private sealed record World(
        string[] Campaigns, string Split, string AtLimitUser, string KeyUser, string KeyCoupon, string LockedUser, string LockedCoupon,
        string OrderUser, string OrderId, string SharedCode, string SharedUser, string ClaimedCode, string FreeCode);

    /// <summary>The service on the Redis store with both shards, its code keys in a folder both services share.</summary>
    private sealed class Host(string redis, IReadOnlyList<string> shards, string dataDir) : CouponsApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> Settings =>
        [
            ("Coupons:Store", "redis"),
            ("Coupons:Redis:Configuration", redis),
            ("Coupons:Redis:Timeout", RedisServer.CallTimeoutSetting),
            ("Coupons:Redis:KeyPrefix", Prefix),
            ("Coupons:Redis:StockPerBucket", "3"),
            ("Coupons:Redis:MaxBuckets", "4"),
            ("Coupons:Postgres:Shards:0", shards[0]),
            ("Coupons:Postgres:Shards:1", shards[1]),
            ("Coupons:Embedded:DataDir", dataDir),
        ];
    }

    private sealed class Steps(Host host) : ApiTestBase<Host>(host)
    {
        public async Task<World> MakeWorldAsync()
        {
            // Ten units in four buckets, at most two a user.
            var split = await NewCampaignAsync(CampaignBody(totalStock: 10, perUserLimit: 2));
            var (atLimit, atLimitClient) = NewUser();
            await ClaimAsync(atLimitClient, split);
            await ClaimAsync(atLimitClient, split);
            var (keyUser, keyClient) = NewUser();
            using var keyed = await ClaimWithKeyAsync(keyClient, split, "key-1");
            var keyCoupon = (await keyed.AssertStatusAsync(HttpStatusCode.Created)).Str("id");
            var (lockedUser, lockedClient) = NewUser();
            var lockedCoupon = await ClaimAsync(lockedClient, split);
            using (var locked = await PostCouponAsync(Service, lockedCoupon, "lock", Order("order-lock", 2_000)))
            {
                await locked.AssertStatusAsync(HttpStatusCode.OK);
            }

            var (_, usedClient) = NewUser();
            var usedCoupon = await ClaimAsync(usedClient, split);
            using (var locked = await PostCouponAsync(Service, usedCoupon, "lock", Order("order-used", 2_000)))
            {
                await locked.AssertStatusAsync(HttpStatusCode.OK);
            }

            using (var used = await PostCouponAsync(usedClient, usedCoupon, "redeem", Order("order-used")))
            {
                await used.AssertStatusAsync(HttpStatusCode.OK);
            }

            var (orderUser, orderClient) = NewUser();
            var orderCoupon = await ClaimAsync(orderClient, split);
            var orderId = "order-" + Unique();
            var order = new JsonObject { ["userId"] = orderUser, ["couponIds"] = new JsonArray(orderCoupon), ["orderAmount"] = 5_000, ["shippingAmount"] = 0 };
            using (var orderLocked = await Service.PostJsonAsync($"/v1/orders/{orderId}/lock", order))
            {
                Assert.Equal("locked", (await orderLocked.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
            }

            var sharedCode = "RESTORE-" + Unique().ToUpperInvariant();
            var sharedBody = CampaignBody(totalStock: 5);
            sharedBody["code"] = sharedCode;
            var shared = await NewCampaignAsync(sharedBody);
            var (sharedUser, sharedClient) = NewUser();
            using (var byShared = await CodeSteps.ClaimAsync(sharedClient, sharedCode))
            {
                await byShared.AssertStatusAsync(HttpStatusCode.Created);
            }

            var generated = await NewCampaignAsync(CampaignBody(totalStock: 5));
            await CodeSteps.GenerateAsync(Admin, generated, 3);
            var codes = (await CodeSteps.AllCodesAsync(Admin, generated)).Select(c => c.Str("code")).ToList();
            var (_, codeClient) = NewUser();
            using (var byCode = await CodeSteps.ClaimAsync(codeClient, codes[0]))
            {
                await byCode.AssertStatusAsync(HttpStatusCode.Created);
            }

            return new World(
                [split, shared, generated], split, atLimit, keyUser, keyCoupon, lockedUser, lockedCoupon, orderUser, orderId, sharedCode, sharedUser, codes[0], codes[1]);
        }

        public async Task GoOnAsync(World world)
        {
            var stats = await StatsAsync(world.Split);
            Assert.Equal((10L, 6L, 2L, 1L), (stats.Long("totalStock"), stats.Long("issued"), stats.Long("locked"), stats.Long("used")));

            using (var atLimit = await Factory.ClientFor(world.AtLimitUser).PostEmptyAsync($"/v1/campaigns/{world.Split}/claim"))
            {
                await atLimit.AssertProblemAsync(HttpStatusCode.Conflict, "limit_reached");
            }

            using (var replayed = await ClaimWithKeyAsync(Factory.ClientFor(world.KeyUser), world.Split, "key-1"))
            {
                Assert.Equal(world.KeyCoupon, (await replayed.AssertStatusAsync(HttpStatusCode.OK)).Str("id"));
            }

            using (var redeemed = await PostCouponAsync(Factory.ClientFor(world.LockedUser), world.LockedCoupon, "redeem", Order("order-lock")))
            {
                Assert.Equal("used", (await redeemed.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("coupon").Str("status"));
            }

            using (var orderUsed = await Factory.ClientFor(world.OrderUser).PostEmptyAsync($"/v1/orders/{world.OrderId}/redeem"))
            {
                Assert.Equal("used", (await orderUsed.AssertStatusAsync(HttpStatusCode.OK)).Str("status"));
            }

            await AssertCodesAsync(world);
            await AssertStockEndsExactlyAsync(world.Split, left: 4);
            using var mine = await Factory.ClientFor(world.AtLimitUser).GetPathAsync("/v1/me/coupons");
            Assert.Equal(2, (await mine.AssertStatusAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength());
        }

        private async Task AssertCodesAsync(World world)
        {
            var (_, other) = NewUser();
            using (var taken = await CodeSteps.ClaimAsync(other, world.ClaimedCode))
            {
                await taken.AssertProblemAsync(HttpStatusCode.Conflict, "code_already_claimed");
            }

            using (var free = await CodeSteps.ClaimAsync(other, world.FreeCode))
            {
                await free.AssertStatusAsync(HttpStatusCode.Created);
            }

            using (var sharedAgain = await CodeSteps.ClaimAsync(Factory.ClientFor(world.SharedUser), world.SharedCode))
            {
                // Claimed before under the code's own key: the same coupon again, not a second one.
                await sharedAgain.AssertStatusAsync(HttpStatusCode.OK);
            }

            using var sharedNew = await CodeSteps.ClaimAsync(other, world.SharedCode);
            await sharedNew.AssertStatusAsync(HttpStatusCode.Created);
        }

        /// <summary>New users claim at once: exactly <paramref name="left"/> get a coupon, every other one is refused sold_out.</summary>
        private async Task AssertStockEndsExactlyAsync(string campaign, int left)
        {
            var created = await Task.WhenAll(Enumerable.Range(0, left + 6).Select(async _ =>
            {
                using var response = await NewUser().Client.PostEmptyAsync($"/v1/campaigns/{campaign}/claim");
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    return true;
                }

                await response.AssertProblemAsync(HttpStatusCode.Conflict, "sold_out");
                return false;
            }));
            Assert.Equal(left, created.Count(c => c));
            var stats = await StatsAsync(campaign);
            Assert.Equal((10L, 10L), (stats.Long("totalStock"), stats.Long("issued")));
        }

        private static Task<HttpResponseMessage> ClaimWithKeyAsync(HttpClient user, string campaign, string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/campaigns/{campaign}/claim");
            request.Headers.Add("Idempotency-Key", key);
            return user.SendAsync(request);
        }
    }
}

/// <summary>The restore into one redis-server.</summary>
public sealed class RestoreTests : RestoreTestsBase
{
    private readonly RedisServer _empty = new();

    protected override IAsyncLifetime Empty => _empty;

    protected override string EmptyConfiguration => _empty.Configuration;
}

/// <summary>The restore into a Redis Cluster of three primaries: every write to one slot, orders under a plan there.</summary>
public sealed class RestoreToClusterTests : RestoreTestsBase
{
    private readonly RedisCluster _empty = new();

    protected override IAsyncLifetime Empty => _empty;

    protected override string EmptyConfiguration => _empty.Configuration;
}
