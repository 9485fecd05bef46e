using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Coupons.Bench.Scenarios;

namespace Coupons.Bench.Tests;

/// <summary>
/// The whole scale-out deployment of <c>deploy/local-cluster.sh</c> (a 3-master Redis Cluster,
/// PostgreSQL with two shards, two API nodes with persisters, nginx in front), started on free
/// loopback ports in a folder of its own, and stopped after.
/// </summary>
public sealed class LocalCluster : IAsyncLifetime
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "coupons-local-cluster-tests", Guid.NewGuid().ToString("N"));
    private int _basePort;

    public Uri Url => new($"http://127.0.0.1:{_basePort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>API node 0 or 1, directly (not through nginx).</summary>
    public Uri Node(int index) => new($"http://127.0.0.1:{(_basePort + 1 + index).ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>Kills API node <paramref name="index"/> with SIGKILL, as a crash would.</summary>
    public void KillNode(int index)
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(_state, $"api-{(_basePort + 1 + index).ToString(CultureInfo.InvariantCulture)}.pid")).Trim(), CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill();
        process.WaitForExit();
    }

    public string ApiDll => Path.Combine(_state, "api", "Coupons.Api.dll");

    public string[] StoreSettings =>
    [
        "--Coupons:Redis:Configuration=" + string.Join(",", new[] { 11, 12, 13 }.Select(o => "127.0.0.1:" + (_basePort + o).ToString(CultureInfo.InvariantCulture))),
        $"--Coupons:Postgres:Shards:0=Host=127.0.0.1;Port={(_basePort + 20).ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=shard0",
        $"--Coupons:Postgres:Shards:1=Host=127.0.0.1;Port={(_basePort + 20).ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=shard1",
    ];

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "deploy", "local-cluster.sh")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("deploy/local-cluster.sh not found above " + AppContext.BaseDirectory);
        }
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_state)!);
        _basePort = FreeBasePort();
        var (exit, output) = await RunAsync("bash", Path.Combine(RepoRoot, "deploy", "local-cluster.sh"), "start");
        Assert.True(exit == 0, "deploy/local-cluster.sh start failed: " + output);
    }

    public async Task DisposeAsync() => await RunAsync("bash", Path.Combine(RepoRoot, "deploy", "local-cluster.sh"), "stop");

    public async Task<(int Exit, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoRoot };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["STATE"] = _state;
        start.Environment["BASE_PORT"] = _basePort.ToString(CultureInfo.InvariantCulture);
        // The loads come from one address and reuse users; the protections have tests of their own.
        // Calls may wait long for Redis: the machine runs other tests, and fsync (AOF on every write) can stall.
        start.Environment["API_ARGS"] = "--Coupons:Protection:Enabled=false --Coupons:Redis:Timeout=00:00:30";
        start.Environment["SIGNING_KEY"] = Cli.DefaultSigningKey;
        start.Environment["TAKE_OVER_AFTER"] = "00:00:02";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    /// <summary>A base port with every port the deployment uses free: +0..+2, +11..+13 and their cluster bus (+10000), +20.</summary>
    private static int FreeBasePort() => FreeBase(10_000, 200, 10, 0, 1, 2, 11, 12, 13, 10011, 10012, 10013, 20);

    /// <summary>
    /// A base port among <paramref name="slots"/> from <paramref name="from"/>, <paramref name="step"/>
    /// apart, whose ports at <paramref name="offsets"/> are all free. The tests that start servers
    /// on fixed ports keep below the kernel's ephemeral range (32768 and up, where clients' own
    /// ports come from: a load of 2,000 connections takes 2,000 of them) and each in a range of its
    /// own: the local cluster 10,000 (its bus ports 20,000), chaos 12,100, restore 13,000, spike
    /// 14,000, wrk 15,000.
    /// </summary>
    public static int FreeBase(int from, int slots, int step, params int[] offsets)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = from + (Random.Shared.Next(0, slots) * step);
            if (offsets.All(o => IsFree(candidate + o)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"no free ports from {from}");
    }

    /// <summary>Whether nothing listens on loopback <paramref name="port"/>.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>
/// Flash and mix loads through nginx against both API nodes, then one node killed under load; every
/// acknowledged change must reach PostgreSQL.
/// </summary>
[Collection(LocalClusterCollection.Name)]
public sealed class LocalClusterTests(LocalCluster cluster) : IClassFixture<LocalCluster>
{
    [Fact]
    public async Task Loads_through_nginx_keep_the_invariants_a_killed_node_is_served_around_and_every_acknowledged_change_reaches_postgres()
    {
        await using var context = await BenchContext.CreateAsync(
            new CommonOptions(cluster.Url, null, Cli.DefaultSigningKey, 16, 200, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), null, null, Quiet: true),
            TextWriter.Null, CancellationToken.None);

        var flash = await Scenarios.Scenarios.FlashAsync(context, users: 3000, stock: 400, perUserLimit: 1, rate: 1000, secondAttempts: 0.2, null, CancellationToken.None);
        Assert.True(flash.Passed, string.Join("; ", flash.Failures));

        var mix = await Scenarios.Scenarios.MixAsync(context, new Ratio(3, 7), rate: 300, TimeSpan.FromSeconds(3), null, CancellationToken.None);
        var answers = mix.Steps.SelectMany(s => s.Result.Answers.Values).SelectMany(a => a).ToList();
        Assert.All(answers, a => Assert.StartsWith("20", a.Key, StringComparison.Ordinal));
        Assert.True(answers.Sum(a => a.Value) > 500);

        // Both nodes took claims: nginx spreads them.
        foreach (var node in new[] { 0, 1 })
        {
            using var metrics = new HttpClient { BaseAddress = cluster.Node(node) };
            Assert.Contains("/v1/campaigns/{id}/claim", await metrics.GetStringAsync(new Uri("metrics", UriKind.Relative)), StringComparison.Ordinal);
        }

        using var http = new HttpClient { BaseAddress = cluster.Url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", context.AdminToken);
        using var campaigns = JsonDocument.Parse(await http.GetStringAsync(new Uri("v1/campaigns?limit=200", UriKind.Relative)));
        var ids = campaigns.RootElement.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
        Assert.NotEmpty(ids);

        // A node dies mid-load, single coupons and two-coupon orders alike: requests in flight on it
        // may fail (nginx does not resend a POST), then the other node serves everything; its
        // persister takes over the dead one's events, its sweeper takes back the plans of the orders
        // the dead node left half done (past Coupons:Redis:OrderPlanTimeout, 5 s).
        var load = Scenarios.Scenarios.MixAsync(context, new Ratio(3, 7), rate: 300, TimeSpan.FromSeconds(4), null, CancellationToken.None);
        var orders = OrdersCompare.MixAsync(context, new Ratio(3, 7), rate: 300, TimeSpan.FromSeconds(4), null, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(2));
        cluster.KillNode(0);
        var duringKill = await load;
        var failed = duringKill.Steps.SelectMany(s => s.Result.Answers.Values).SelectMany(a => a).Where(a => !a.Key.StartsWith("20", StringComparison.Ordinal)).Sum(a => a.Value);
        Assert.InRange(failed, 0, 64);
        var (orderStep, attempts) = await orders;
        var ordersFailed = orderStep.Result.Answers.Values.SelectMany(a => a).Where(a => a.Key[0] is not '2' && a.Key is not ("409 locked_by_other_order" or "409 already_used")).Sum(a => a.Value);
        Assert.InRange(ordersFailed, 0, 64);
        await Task.Delay(TimeSpan.FromSeconds(8));
        var verdict = await OrderMixVerifier.VerifyAsync(context.Service, attempts, sampleEvery: 1, CancellationToken.None);
        Assert.True(verdict.Violations.Count == 0, string.Join("; ", verdict.Violations));
        Assert.True(verdict.Held > 100, $"only {verdict.Held} orders hold their coupons");
        var afterKill = await Scenarios.Scenarios.MixAsync(context, new Ratio(3, 7), rate: 300, TimeSpan.FromSeconds(2), null, CancellationToken.None);
        Assert.All(afterKill.Steps.SelectMany(s => s.Result.Answers.Values).SelectMany(a => a), a => Assert.StartsWith("20", a.Key, StringComparison.Ordinal));

        // Every campaign agrees between Redis and PostgreSQL once the persisters have caught up (bounded).
        using var after = JsonDocument.Parse(await http.GetStringAsync(new Uri("v1/campaigns?limit=200", UriKind.Relative)));
        foreach (var id in after.RootElement.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()!))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                var (exit, output) = await cluster.RunAsync("dotnet", [cluster.ApiDll, "reconcile", id, .. cluster.StoreSettings]);
                if (exit == 0)
                {
                    break;
                }

                Assert.True(exit == 1 && DateTime.UtcNow < deadline, $"reconcile {id} exited {exit}: {output}");
                await Task.Delay(500);
            }
        }
    }
}

/// <summary>The tests that start a whole deployment on this machine: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class LocalClusterCollection
{
    public const string Name = "Local cluster";
}
