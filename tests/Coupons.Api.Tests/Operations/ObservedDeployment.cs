using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Coupons.Api.Tests.Contract;
using Coupons.Api.Tests.Crash;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Conformance;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// Two nodes of the service as their own processes, as an operator runs them, and a real Prometheus
/// (Debian's <c>prometheus</c>) scraping both every second with the project's alert rules loaded: one
/// node on the embedded store, one on Redis with the persister to PostgreSQL and its protections on
/// (an address limit of 30 a minute, so that some of its claims are refused). Needs
/// <c>redis-server</c>, PostgreSQL's binaries and <c>prometheus</c> on the PATH.
/// </summary>
public sealed class ObservedDeployment : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "coupons-observed-" + Guid.NewGuid().ToString("N"));
    private readonly RedisServer _redis = new();
    private readonly PostgresServer _postgres = new("shard0", "shard1");
    private ServerProcess? _embedded;
    private ServerProcess? _scaledOut;
    private Process? _prometheus;

    public Uri Prometheus { get; private set; } = null!;

    public Uri Embedded => _embedded!.BaseAddress;

    public Uri ScaledOut => _scaledOut!.BaseAddress;

    public static HttpClient Client(Uri node, string userId, string? role = null)
    {
        var client = new HttpClient { BaseAddress = node };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CouponsApiFactory.Token(userId, role));
        return client;
    }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        await Task.WhenAll(_redis.InitializeAsync(), _postgres.InitializeAsync());
        const string stock = "--Coupons:Metrics:StockInterval=00:00:01";
        _embedded = ServerProcess.Start(Path.Combine(_dir, "embedded"), CouponsApiFactory.SigningKeyText, stock);
        _scaledOut = ServerProcess.Start(
            Path.Combine(_dir, "redis"), CouponsApiFactory.SigningKeyText, stock,
            "--Coupons:Store=redis", $"--Coupons:Redis:Configuration={_redis.Configuration}", "--Coupons:Redis:Timeout=" + RedisServer.CallTimeoutSetting, "--Coupons:Redis:KeyPrefix=observed:",
            $"--Coupons:Postgres:Shards:0={_postgres.ConnectionString("shard0")}", $"--Coupons:Postgres:Shards:1={_postgres.ConnectionString("shard1")}",
            "--Coupons:Protection:Enabled=true", "--Coupons:Protection:Ip:Limit=30");
        using var probe = new HttpClient();
        await _embedded.WaitReadyAsync(probe, TimeSpan.FromSeconds(60), CancellationToken.None);
        await _scaledOut.WaitReadyAsync(probe, TimeSpan.FromSeconds(60), CancellationToken.None);
        await StartPrometheusAsync(probe);
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is { HasExited: false })
        {
            _prometheus.Kill(entireProcessTree: true);
            await _prometheus.WaitForExitAsync();
        }

        _prometheus?.Dispose();
        _embedded?.Dispose();
        _scaledOut?.Dispose();
        await Task.WhenAll(_redis.DisposeAsync(), _postgres.DisposeAsync());
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartPrometheusAsync(HttpClient probe)
    {
        var port = ServerProcess.FreePort();
        var rules = Path.Combine(CommittedDocument.RepositoryRoot(), "deploy", "prometheus", "coupons-alerts.yml");
        var config = Path.Combine(_dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {rules}
            scrape_configs:
              - job_name: coupons
                static_configs:
                  - targets: ['{Embedded.Authority}', '{ScaledOut.Authority}']
            """);
        var start = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "--config.file=" + config, "--storage.tsdb.path=" + Path.Combine(_dir, "tsdb"),
                "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            },
        };
        _prometheus = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start (Debian: apt-get install prometheus)");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _prometheus.OutputDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        _prometheus.ErrorDataReceived += (_, e) => log.Enqueue(e.Data ?? "");
        _prometheus.BeginOutputReadLine();
        _prometheus.BeginErrorReadLine();
        Prometheus = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var ready = await probe.GetAsync(new Uri(Prometheus, "-/ready"));
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (_prometheus.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("prometheus did not become ready:\n" + string.Join('\n', log.TakeLast(30)));
            }

            await Task.Delay(100);
        }
    }
}
