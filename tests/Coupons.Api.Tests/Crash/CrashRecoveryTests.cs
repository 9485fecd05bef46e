using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Coupons.Api.Tests.Crash;

/// <summary>
/// Invariant 4 of DESIGN.md, end to end: the real server process under concurrent claims, locks,
/// redemptions, releases, refunds and stock additions is killed with SIGKILL while requests are in
/// flight, restarted on the same data dir, and must show every acknowledged change, keep stock and
/// per-user limits, report stats that match its coupons, and hold each coupon's audit trail up to
/// its state. Several cycles on one data dir.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    // 48 characters: above the 32-byte minimum for HS256.
    private const string SigningKey = "crash-test-signing-key-0123456789abcdefghijklmno";

    private const int Cycles = 4;
    private const int Workers = 16;
    private const int MaxOpsPerWorker = 50_000;
    private const int CheckParallelism = 16;
    private const long InitialStock = 300;
    private const long StockStep = 25;
    private const int PerUserLimit = 2;
    private const int KeysPerUser = 3;
    private const int MaxUsers = 3_000;
    private const long OrderAmount = 10_000;
    private const string Service = "service";

    private static readonly TimeSpan LoadTime = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan CutOffDrainLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WorkerHardCap = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StockEvery = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Acknowledged_changes_survive_kill_9_and_the_invariants_hold_after_restart()
    {
        using var overall = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = overall.Token;
        var total = Stopwatch.StartNew();
        var dataDir = Directory.CreateTempSubdirectory("coupons-crash-").FullName;
        ServerProcess? server = null;
        CrashClient? client = null;
        try
        {
            server = ServerProcess.Start(dataDir, SigningKey);
            client = new CrashClient(server.BaseAddress, SigningKey);
            var firstReady = await server.WaitReadyAsync(client.Http, ReadyLimit, ct);
            output.WriteLine($"first start (empty data dir): ready {firstReady.TotalMilliseconds:F0} ms after process start");

            var model = new CrashModel(await CreateCampaignAsync(client, ct), InitialStock);
            var readyTimes = new List<TimeSpan>();
            long inFlightAtKills = 0;
            for (var cycle = 1; cycle <= Cycles; cycle++)
            {
                model.ResetCycleCounters();
                var inFlight = await RunLoadThenKillAsync(server, client, model, cycle, ct);
                inFlightAtKills += inFlight;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"cycle {cycle}: killed pid {server.ProcessId} with {inFlight} requests in flight; this cycle {model.AckedCount} acknowledged, {model.UncertainCount} unanswered (cut off by the kill), {model.RefusedCount} refused as expected (sold_out/limit_reached)"));

                client.Dispose();
                client = null;
                server.Dispose();
                server = null;

                server = ServerProcess.Start(dataDir, SigningKey);
                client = new CrashClient(server.BaseAddress, SigningKey);
                var ready = await server.WaitReadyAsync(client.Http, ReadyLimit, ct);
                readyTimes.Add(ready);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"cycle {cycle}: restart to /health/ready {ready.TotalMilliseconds:F0} ms; server said: {server.RecoveryLine ?? "(no recovery line yet)"}"));

                var checkTime = Stopwatch.StartNew();
                var report = await VerifyAsync(client, model, ct);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cycle {cycle}: checked in {checkTime.ElapsedMilliseconds} ms: {report}"));
                Assert.True(model.Violations.IsEmpty, Failure(model, server, cycle));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"restart-to-ready: {string.Join(", ", readyTimes.Select(t => $"{t.TotalMilliseconds:F0} ms"))}; whole test {total.Elapsed.TotalSeconds:F1} s"));
            Assert.All(readyTimes, t => Assert.True(t < ReadyLimit, $"restart took {t.TotalSeconds:F1} s to be ready"));
            Assert.True(inFlightAtKills > 0, "no kill happened while requests were in flight: the test proved nothing");
        }
        finally
        {
            client?.Dispose();
            server?.Dispose();
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
    }

    private static async Task<string> CreateCampaignAsync(CrashClient client, CancellationToken ct)
    {
        var reply = await client.SendCheckedAsync(HttpMethod.Post, "v1/campaigns", client.Token(CrashClient.AdminUser, "admin"), new
        {
            name = "crash test",
            discount = new { type = "amount_off", amountOff = 500 },
            totalStock = InitialStock,
            perUserLimit = PerUserLimit,
            validity = new { days = 30 },
        }, ct);
        Assert.True(reply.Status == 201, $"creating the campaign: {reply}");
        return reply.Text("id")!;
    }

    /// <summary>
    /// Runs the workers for <see cref="LoadTime"/>, then kills the server under them: whatever they
    /// have in flight is cut off, and once the process is gone they stop. Returns how many requests
    /// were in flight just before the kill.
    /// </summary>
    private static async Task<long> RunLoadThenKillAsync(ServerProcess server, CrashClient client, CrashModel model, int cycle, CancellationToken ct)
    {
        using var noNewRequests = new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workers = Enumerable.Range(0, Workers)
            .Select(w => Task.Run(() => WorkerAsync(client, model, w, cycle, noNewRequests.Token, stop.Token), CancellationToken.None))
            .ToArray();
        long inFlight;
        try
        {
            await Task.Delay(LoadTime, ct);
            inFlight = Interlocked.Read(ref model.InFlight);
            server.Kill();

            // The workers keep starting requests until one fails or the process is gone, so the
            // kill lands on requests in flight, not on an idle server.
            await noNewRequests.CancelAsync();

            // The cut-off requests fail at once (connection reset); the request timeout bounds the rest.
            await Task.WhenAny(Task.WhenAll(workers), Task.Delay(CutOffDrainLimit, ct));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(workers);
        }

        return inFlight;
    }

    private static async Task WorkerAsync(CrashClient client, CrashModel model, int worker, int cycle, CancellationToken noNewRequests, CancellationToken stop)
    {
        var random = new Random((cycle * 1_000) + worker);
        var running = Stopwatch.StartNew();
        var sinceStock = Stopwatch.StartNew();
        for (var i = 0; i < MaxOpsPerWorker && !noNewRequests.IsCancellationRequested && !model.ServerGone && running.Elapsed < WorkerHardCap; i++)
        {
            // Each step below sends at most one request.
            if (worker == 0 && sinceStock.Elapsed >= StockEvery)
            {
                sinceStock.Restart();
                await AddStockAsync(client, model, stop);
                continue;
            }

            var roll = random.Next(100);
            if (roll < 40)
            {
                await ClaimNewAsync(client, model, random, stop);
            }
            else if (roll < 50)
            {
                await ReplayClaimAsync(client, model, random, stop);
            }
            else if (!await ChangeCouponAsync(client, model, random, stop))
            {
                await ClaimNewAsync(client, model, random, stop);
            }
        }
    }

    private static async Task<Reply> SendAsync(CrashClient client, CrashModel model, HttpMethod method, string path, string token, object? body, CancellationToken stop, string? key = null)
    {
        Interlocked.Increment(ref model.InFlight);
        try
        {
            var reply = await client.SendAsync(method, path, token, body, stop, key);
            if (reply.IsSuccess)
            {
                Interlocked.Increment(ref model.AckedCount);
            }
            else if (reply.IsUncertain)
            {
                Interlocked.Increment(ref model.UncertainCount);
                if (reply.NoAnswer)
                {
                    model.ServerGone = true;
                }
            }

            return reply;
        }
        finally
        {
            Interlocked.Decrement(ref model.InFlight);
        }
    }

    private static async Task AddStockAsync(CrashClient client, CrashModel model, CancellationToken stop)
    {
        Interlocked.Add(ref model.StockHigh, StockStep);
        var reply = await SendAsync(client, model, HttpMethod.Post, $"v1/campaigns/{model.CampaignId}/stock", client.Token(CrashClient.AdminUser, "admin"), new { add = StockStep }, stop);
        if (reply.IsSuccess)
        {
            var low = Interlocked.Add(ref model.StockLow, StockStep);
            var totalStock = reply.Body.GetProperty("totalStock").GetInt64();
            if (totalStock < low || totalStock > Interlocked.Read(ref model.StockHigh))
            {
                model.Violation($"add stock answered totalStock {totalStock}, expected between {low} and {Interlocked.Read(ref model.StockHigh)}");
            }
        }
        else if (!reply.IsUncertain)
        {
            model.Violation($"add stock refused: {reply}");
        }
    }

    private static async Task ClaimNewAsync(CrashClient client, CrashModel model, Random random, CancellationToken stop)
    {
        var slot = model.NextClaimSlot();
        var userIndex = slot / KeysPerUser;
        if (userIndex >= MaxUsers)
        {
            await ReplayClaimAsync(client, model, random, stop);
            return;
        }

        // Consecutive slots go to the same user with different keys, so one user's claims race each other.
        var user = CrashModel.UserName(userIndex);
        var key = $"claim-{slot % KeysPerUser}";
        var reply = await SendAsync(client, model, HttpMethod.Post, $"v1/campaigns/{model.CampaignId}/claim", client.Token(user), null, stop, key);
        if (reply.IsSuccess)
        {
            RecordClaim(model, user, key, reply);
        }
        else if (reply.Status == 409 && reply.Code is "sold_out" or "limit_reached")
        {
            Interlocked.Increment(ref model.RefusedCount);
        }
        else if (!reply.IsUncertain)
        {
            model.Violation($"claim by {user} with key {key} answered {reply}");
        }
    }

    private static void RecordClaim(CrashModel model, string user, string key, Reply reply)
    {
        var id = reply.Text("id");
        if (id is null || reply.Text("userId") != user || reply.Text("campaignId") != model.CampaignId || reply.Text("status") != "unused")
        {
            model.Violation($"claim by {user} with key {key} acknowledged with an unexpected coupon: {reply}");
            return;
        }

        var first = model.AckedClaims.GetOrAdd((user, key), id);
        if (first != id)
        {
            model.Violation($"claim by {user} with key {key} acknowledged twice with different coupons: {first} and {id}");
            return;
        }

        var coupon = new CouponModel(id, user);
        if (model.Coupons.TryAdd(id, coupon))
        {
            model.AddAcked(new AckedClaim(user, key, id));
            var held = model.AckedByUser.GetOrAdd(user, _ => new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
            held[id] = 0;
            if (held.Count > PerUserLimit)
            {
                model.Violation($"{user} was acknowledged {held.Count} coupons, over perUserLimit {PerUserLimit}: {string.Join(", ", held.Keys)}");
            }

            model.Idle.Enqueue(coupon);
        }
        else if (reply.Status == 201)
        {
            model.Violation($"claim by {user} with key {key} answered 201 (new) for coupon {id}, which an earlier claim already returned");
        }
    }

    private static async Task ReplayClaimAsync(CrashClient client, CrashModel model, Random random, CancellationToken stop)
    {
        if (model.PickAcked(random) is not { } claim)
        {
            return;
        }

        var reply = await SendAsync(client, model, HttpMethod.Post, $"v1/campaigns/{model.CampaignId}/claim", client.Token(claim.User), null, stop, claim.Key);
        if (reply.IsUncertain)
        {
            return;
        }

        if (reply.Status != 200 || reply.Text("id") != claim.CouponId)
        {
            model.Violation($"replay of the claim by {claim.User} with key {claim.Key} (coupon {claim.CouponId}) answered {reply}");
        }
    }

    /// <summary>Takes one idle coupon and moves it one step; false when no coupon was free or this roll left it alone.</summary>
    private static async Task<bool> ChangeCouponAsync(CrashClient client, CrashModel model, Random random, CancellationToken stop)
    {
        if (!model.Idle.TryDequeue(out var coupon))
        {
            return false;
        }

        string op;
        object body;
        string target;
        string? targetOrder;
        switch (coupon.Status)
        {
            case "unused":
                coupon.Orders++;
                targetOrder = $"order-{coupon.Id}-{coupon.Orders}";
                op = random.Next(2) == 0 ? "lock" : "redeem";
                target = op == "lock" ? "locked" : "used";
                body = new { orderId = targetOrder, orderAmount = OrderAmount };
                break;
            case "locked" when random.Next(10) < 7:
                op = "redeem";
                target = "used";
                targetOrder = coupon.OrderId;
                body = new { orderId = coupon.OrderId };
                break;
            case "locked":
                op = "release";
                target = "unused";
                targetOrder = null;
                body = new { orderId = coupon.OrderId };
                Interlocked.Increment(ref model.ReleasedHigh);
                break;
            case "used" when random.Next(10) < 4:
                op = "refund";
                target = "unused";
                targetOrder = null;
                body = new { orderId = coupon.OrderId };
                Interlocked.Increment(ref model.RefundedHigh);
                break;
            default:
                model.Idle.Enqueue(coupon);
                return false;
        }

        coupon.PendingOp = $"{op} ({JsonSerializer.Serialize(body, JsonSerializerOptions.Web)})";
        coupon.PendingStatus = target;
        coupon.PendingOrderId = targetOrder;
        var reply = await SendAsync(client, model, HttpMethod.Post, $"v1/coupons/{coupon.Id}/{op}", client.Token(CrashClient.ServiceUser, Service), body, stop);
        if (reply.IsUncertain)
        {
            // Cut off: it may or may not have happened. The coupon waits for the check after the restart.
            return true;
        }

        var shown = reply.Body.ValueKind == JsonValueKind.Object && reply.Body.TryGetProperty("coupon", out var inner) ? inner : reply.Body;
        var shownStatus = shown.ValueKind == JsonValueKind.Object && shown.TryGetProperty("status", out var s) ? s.GetString() : null;
        var shownOrder = shown.ValueKind == JsonValueKind.Object && shown.TryGetProperty("orderId", out var o) ? o.GetString() : null;
        if (!reply.IsSuccess || shownStatus != target || shownOrder != targetOrder)
        {
            model.Violation($"{op} of coupon {coupon.Id} (known {coupon.Status}/{coupon.OrderId ?? "-"}) expected {target}/{targetOrder ?? "-"}, answered {reply}");
            coupon.Broken = true;
            coupon.PendingOp = null;
            return true;
        }

        coupon.Status = target;
        coupon.OrderId = targetOrder;
        coupon.PendingOp = null;
        if (op == "refund")
        {
            Interlocked.Increment(ref model.RefundedLow);
        }
        else if (op == "release")
        {
            Interlocked.Increment(ref model.ReleasedLow);
        }

        model.Idle.Enqueue(coupon);
        return true;
    }

    /// <summary>Everything after a restart, with no load running. Records violations; returns a one-line report.</summary>
    private static async Task<string> VerifyAsync(CrashClient client, CrashModel model, CancellationToken ct)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = CheckParallelism, CancellationToken = ct };
        var serviceToken = client.Token(CrashClient.ServiceUser, Service);
        var adminToken = client.Token(CrashClient.AdminUser, "admin");

        // 1. Every acknowledged coupon is there, belongs to its user, and is in an acknowledged state
        //    (or the state after the one change to it that was cut off).
        var coupons = model.Coupons.Values.Where(c => !c.Broken).ToList();
        int cutOffKept = 0, cutOffLost = 0;
        await Parallel.ForEachAsync(coupons, options, async (coupon, token) =>
        {
            var reply = await client.SendCheckedAsync(HttpMethod.Get, $"v1/coupons/{coupon.Id}", serviceToken, null, token);
            if (reply.Status != 200)
            {
                model.Violation($"acknowledged coupon {coupon.Id} of {coupon.UserId} (known {coupon.Describe()}) is gone after the restart: {reply}");
                coupon.Broken = true;
                return;
            }

            var status = reply.Text("status");
            var order = reply.Text("orderId");
            if (reply.Text("userId") != coupon.UserId || reply.Text("campaignId") != model.CampaignId)
            {
                model.Violation($"coupon {coupon.Id} of {coupon.UserId} came back with another owner or campaign: {reply}");
                coupon.Broken = true;
                return;
            }

            var known = status == coupon.Status && order == coupon.OrderId;
            var cutOff = coupon.PendingOp is not null && status == coupon.PendingStatus && order == coupon.PendingOrderId;
            if (!known && !cutOff)
            {
                model.Violation($"coupon {coupon.Id} of {coupon.UserId}: expected {coupon.Describe()}, found {status}/{order ?? "-"} after the restart");
                coupon.Broken = true;
                return;
            }

            if (coupon.PendingOp is not null)
            {
                Interlocked.Increment(ref known ? ref cutOffLost : ref cutOffKept);
            }

            coupon.Status = status!;
            coupon.OrderId = order;
            coupon.PendingOp = null;

            // Its audit trail survived with it: the newest entry ends in the state it has now, and
            // the oldest is its claim by its owner (entries are written with the changes).
            var audit = await client.SendCheckedAsync(HttpMethod.Get, $"v1/audit?subject={coupon.Id}&limit=200", adminToken, null, token);
            var entries = audit.Status == 200 ? audit.Body.GetProperty("items").EnumerateArray().ToList() : [];
            var expectedAfter = order is not null && status is "locked" or "used" ? $"{status} by order {order}" : status;
            if (entries.Count == 0
                || entries[0].GetProperty("after").GetString() != expectedAfter
                || entries[^1].GetProperty("action").GetString() != "coupon.claimed"
                || entries[^1].GetProperty("actor").GetProperty("id").GetString() != coupon.UserId)
            {
                model.Violation($"coupon {coupon.Id} is {status}/{order ?? "-"} after the restart, but its audit trail says otherwise: {audit}");
            }
        });

        // 2. Every acknowledged claim, replayed with its key, gives the same coupon back as a replay.
        await Parallel.ForEachAsync(model.AckedClaims.ToList(), options, async (claim, token) =>
        {
            var ((user, key), id) = claim;
            var reply = await client.SendCheckedAsync(HttpMethod.Post, $"v1/campaigns/{model.CampaignId}/claim", client.Token(user), null, token, key);
            if (reply.Status != 200 || reply.Text("id") != id)
            {
                model.Violation($"after the restart, the replay of the claim by {user} with key {key} (acknowledged coupon {id}) answered {reply}");
            }
        });

        // 3. Every user that ever claimed: at most perUserLimit coupons, including its acknowledged ones.
        //    Together these are all the campaign's coupons, so they must add up to the stats.
        var users = model.UsersTouched(MaxUsers);
        long listed = 0, listedUsed = 0, listedLocked = 0, listedExpired = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, users), options, async (index, token) =>
        {
            var user = CrashModel.UserName(index);
            var mine = new List<JsonElement>();
            string? cursor = null;
            for (var page = 0; page < 10; page++)
            {
                var path = cursor is null ? "v1/me/coupons?limit=200" : $"v1/me/coupons?limit=200&cursor={Uri.EscapeDataString(cursor)}";
                var reply = await client.SendCheckedAsync(HttpMethod.Get, path, client.Token(user), null, token);
                if (reply.Status != 200)
                {
                    model.Violation($"listing the coupons of {user} answered {reply}");
                    return;
                }

                mine.AddRange(reply.Body.GetProperty("items").EnumerateArray().Where(c => c.GetProperty("campaignId").GetString() == model.CampaignId));
                cursor = reply.Text("nextCursor");
                if (cursor is null)
                {
                    break;
                }
            }

            if (mine.Count > PerUserLimit)
            {
                model.Violation($"{user} holds {mine.Count} coupons of the campaign, over perUserLimit {PerUserLimit}: {string.Join(", ", mine.Select(c => c.GetProperty("id").GetString()))}");
            }

            if (mine.Any(c => c.GetProperty("userId").GetString() != user))
            {
                model.Violation($"the listing of {user} holds someone else's coupon: {string.Join(", ", mine)}");
            }

            var ids = mine.Select(c => c.GetProperty("id").GetString()).ToHashSet(StringComparer.Ordinal);
            if (model.AckedByUser.TryGetValue(user, out var acked))
            {
                foreach (var id in acked.Keys.Where(id => !ids.Contains(id)))
                {
                    model.Violation($"the listing of {user} lacks the acknowledged coupon {id}");
                }
            }

            Interlocked.Add(ref listed, mine.Count);
            Interlocked.Add(ref listedUsed, mine.Count(c => c.GetProperty("status").GetString() == "used"));
            Interlocked.Add(ref listedLocked, mine.Count(c => c.GetProperty("status").GetString() == "locked"));
            Interlocked.Add(ref listedExpired, mine.Count(c => c.GetProperty("status").GetString() == "expired"));
        });

        // 4. Stats: stock adds up, never oversold, and the gauges match the coupons.
        var statsReply = await client.SendCheckedAsync(HttpMethod.Get, $"v1/campaigns/{model.CampaignId}/stats", adminToken, null, ct);
        var campaignReply = await client.SendCheckedAsync(HttpMethod.Get, $"v1/campaigns/{model.CampaignId}", adminToken, null, ct);
        if (statsReply.Status != 200 || campaignReply.Status != 200)
        {
            model.Violation($"stats answered {statsReply}; campaign answered {campaignReply}");
            return "no stats";
        }

        var stats = statsReply.Body;
        long Stat(string name) => stats.GetProperty(name).GetInt64();
        var (totalStock, issued, remaining, used, locked, refunded, released, expired) =
            (Stat("totalStock"), Stat("issued"), Stat("remainingStock"), Stat("used"), Stat("locked"), Stat("refunded"), Stat("released"), Stat("expired"));
        var ackedCoupons = model.Coupons.Count;
        void Check(bool ok, string what)
        {
            if (!ok)
            {
                model.Violation($"stats after the restart: {what}; stats {stats}");
            }
        }

        Check(issued + remaining == totalStock, $"issued {issued} + remainingStock {remaining} != totalStock {totalStock}");
        Check(issued <= totalStock, $"issued {issued} > totalStock {totalStock} (oversold)");
        Check(totalStock >= model.StockLow && totalStock <= model.StockHigh, $"totalStock {totalStock} outside [{model.StockLow} acknowledged, {model.StockHigh} attempted]");
        Check(issued >= ackedCoupons, $"issued {issued} < {ackedCoupons} distinct acknowledged claims");
        Check(issued == listed, $"issued {issued} != {listed} coupons listed across all {users} users");
        Check(used == listedUsed, $"used {used} != {listedUsed} coupons listed as used");
        Check(locked == listedLocked, $"locked {locked} != {listedLocked} coupons listed as locked");
        Check(expired == listedExpired, $"expired {expired} != {listedExpired} coupons listed as expired");
        Check(refunded >= model.RefundedLow && refunded <= model.RefundedHigh, $"refunded {refunded} outside [{model.RefundedLow} acknowledged, {model.RefundedHigh} attempted]");
        Check(released >= model.ReleasedLow && released <= model.ReleasedHigh, $"released {released} outside [{model.ReleasedLow} acknowledged, {model.ReleasedHigh} attempted]");
        var campaign = campaignReply.Body;
        Check(campaign.GetProperty("issued").GetInt64() == issued && campaign.GetProperty("remainingStock").GetInt64() == remaining && campaign.GetProperty("totalStock").GetInt64() == totalStock,
            $"the campaign shows {campaign} but its stats differ");

        // What the server shows now is the known state for the next cycle.
        model.StockLow = model.StockHigh = totalStock;
        model.RefundedLow = model.RefundedHigh = refunded;
        model.ReleasedLow = model.ReleasedHigh = released;
        model.Idle.Clear();
        foreach (var coupon in model.Coupons.Values.Where(c => !c.Broken))
        {
            model.Idle.Enqueue(coupon);
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{coupons.Count} acknowledged coupons, of them {cutOffKept + cutOffLost} with a change cut off by the kill ({cutOffKept} of these changes were committed, {cutOffLost} not), {model.AckedClaims.Count} claims replayed, {users} users listed; totalStock {totalStock}, issued {issued} ({issued - ackedCoupons} never acknowledged), remaining {remaining}, used {used}, locked {locked}, released {released}, refunded {refunded}");
    }

    private static string Failure(CrashModel model, ServerProcess server, int cycle)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"cycle {cycle}: {model.Violations.Count} violations after kill -9 and restart:\n");
        foreach (var violation in model.Violations.Take(30))
        {
            text.Append("  ").Append(violation).Append('\n');
        }

        var tail = server.Tail().Split('\n');
        text.Append("server output (last lines):\n").Append(string.Join('\n', tail.Skip(Math.Max(0, tail.Length - 40))));
        return text.ToString();
    }
}
