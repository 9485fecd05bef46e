using System.Diagnostics;
using System.Globalization;

namespace Coupons.Conformance;

/// <summary>
/// A real Redis Cluster for the tests: three masters (no replicas) on loopback, each with AOF and
/// fsync on every write, joined with <c>redis-cli --cluster create</c>; stopped and deleted at the
/// end. Needs <c>redis-server</c> and <c>redis-cli</c> on the PATH.
/// </summary>
public sealed class RedisCluster : IAsyncLifetime
{
    private readonly List<Process> _nodes = [];

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "coupons-redis-cluster-tests", Guid.NewGuid().ToString("N"));

    public IReadOnlyList<int> Ports { get; private set; } = [];

    public string Configuration => string.Join(",", Ports.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture)));

    public async Task InitializeAsync()
    {
        Ports = FreePortsWithBusPorts(3);
        foreach (var port in Ports)
        {
            var dir = Path.Combine(Dir, port.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            _nodes.Add(Start("redis-server",
                "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir,
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"));
        }

        foreach (var port in Ports)
        {
            await WaitUntilAsync(async () => (await CliAsync(port, "PING")).Contains("PONG", StringComparison.Ordinal), $"node {port} to answer");
        }

        var create = new List<string> { "--cluster", "create" };
        create.AddRange(Ports.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture)));
        create.AddRange(["--cluster-replicas", "0", "--cluster-yes"]);
        await RunAsync("redis-cli", [.. create]);
        foreach (var port in Ports)
        {
            await WaitUntilAsync(async () => (await CliAsync(port, "CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal), $"node {port} to see the cluster ok");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (!node.HasExited)
            {
                node.Kill(entireProcessTree: true);
                await node.WaitForExitAsync();
            }

            node.Dispose();
        }

        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder does not fail a test.
        }
    }

    private static Process Start(string file, params string[] arguments) => TestProcesses.Start(file, arguments);

    private static Task<string> CliAsync(int port, params string[] command) =>
        RunAsync("redis-cli", ["-p", port.ToString(CultureInfo.InvariantCulture), .. command]);

    private static Task<string> RunAsync(string file, params string[] arguments) => TestProcesses.RunAsync(file, arguments);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (InvalidOperationException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                // Not up yet.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"waited 30 s for {what}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Free ports whose cluster bus port (port + 10000) is free too.</summary>
    private static List<int> FreePortsWithBusPorts(int count)
    {
        var ports = new List<int>();
        for (var port = 20000 + Random.Shared.Next(0, 9000); ports.Count < count && port < 30000; port++)
        {
            if (TestProcesses.IsFree(port) && TestProcesses.IsFree(port + 10000))
            {
                ports.Add(port);
            }
        }

        return ports.Count == count ? ports : throw new InvalidOperationException("no free ports for a Redis Cluster");
    }
}
