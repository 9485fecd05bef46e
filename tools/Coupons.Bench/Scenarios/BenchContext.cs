using System.Collections.Concurrent;
using System.Globalization;
using Coupons.Bench.Service;
using Coupons.Client;

namespace Coupons.Bench.Scenarios;

/// <summary>The options every scenario shares.</summary>
public sealed record CommonOptions(
    Uri? Url,
    string? ServiceAssembly,
    string SigningKey,
    int Connections,
    int Users,
    TimeSpan Warmup,
    TimeSpan Drain,
    TimeSpan RequestTimeout,
    string? OutputFolder,
    int? ServerPid,
    bool Quiet);

/// <summary>
/// What a scenario runs against: the target (given by URL or started here), a client, tokens for
/// an admin, the order system and a set of users, and a probe of the server's memory.
/// </summary>
public sealed class BenchContext : IAsyncDisposable
{
    private readonly ServiceProcess? _service;
    private readonly int? _serverPid;

    private BenchContext(CommonOptions options, ServiceProcess? service, Uri url, TextWriter log)
    {
        Options = options;
        _service = service;
        _serverPid = service?.ProcessId ?? options.ServerPid;
        Url = url;
        Log = log;
        Tokens = new Tokens(options.SigningKey, TimeProvider.System);
        AdminToken = Tokens.Issue("bench-admin", "admin");
        ServiceToken = Tokens.Issue("bench-orders", "service");
        Client = new BenchClient(url, options.Connections, options.RequestTimeout);
        Admin = Client.As(AdminToken);
        Service = Client.As(ServiceToken);
    }

    public CommonOptions Options { get; }
    public Uri Url { get; }
    public TextWriter Log { get; }
    public Tokens Tokens { get; }
    public string AdminToken { get; }
    public string ServiceToken { get; }
    public BenchClient Client { get; }

    /// <summary>The client calling as the admin.</summary>
    public CouponsClient Admin { get; }

    /// <summary>The client calling as the order system.</summary>
    public CouponsClient Service { get; }

    public string TargetDescription => _service is null ? Url.ToString() : $"{Url} (started by the tool, fresh embedded store)";

    public static async Task<BenchContext> CreateAsync(CommonOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        if (options.Url is not null)
        {
            return new BenchContext(options, null, options.Url, log);
        }

        var service = await ServiceProcess.StartAsync(options.ServiceAssembly, options.SigningKey, log, cancellationToken);
        return new BenchContext(options, service, service.Url, log);
    }

    /// <summary>The server's resident memory in MB, when its process is known (started here or <c>--server-pid</c>).</summary>
    public double? ServerMemoryMb()
    {
        if (_serverPid is not { } pid)
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kilobytes = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return Math.Round(kilobytes / 1024.0, 1);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>CPU seconds the server has used so far (user + system), when its process is known.</summary>
    public double? ServerCpuSeconds()
    {
        if (_serverPid is not { } pid)
        {
            return null;
        }

        try
        {
            // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after the ")" that ends the name.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / 100.0;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Creates a campaign for a load test; returns its id.</summary>
    public Task<Guid> CreateCampaignAsync(string name, long stock, int perUserLimit, CancellationToken cancellationToken, string? code = null, string? stacking = null) =>
        BenchClient.CreateCampaignAsync(Admin, name, stock, perUserLimit, cancellationToken, code, stacking);

    /// <summary>Claims as fast as the connections allow until <paramref name="pool"/> holds <paramref name="count"/> coupons (not measured).</summary>
    public Task FillPoolAsync(Guid campaignId, CouponsClient[] users, ConcurrentQueue<Guid> pool, long count, CancellationToken cancellationToken) =>
        FillAsync("coupons for redemptions", count - pool.Count, users, async user =>
        {
            var answer = await user.ClaimAnswerAsync(campaignId, null, cancellationToken);
            if (answer.IsSuccess)
            {
                pool.Enqueue(answer.CouponId);
            }

            return answer.IsSuccess;
        });

    /// <summary>Claims, not measured, until <paramref name="pairs"/> holds <paramref name="count"/> pairs: a coupon of each of two campaigns, one user's.</summary>
    public Task FillPairsAsync(Guid[] campaigns, CouponsClient[] users, ConcurrentQueue<(Guid First, Guid Second)> pairs, long count, CancellationToken cancellationToken) =>
        FillAsync("pairs of coupons for orders", count - pairs.Count, users, async user =>
        {
            var first = await user.ClaimAnswerAsync(campaigns[0], null, cancellationToken);
            var second = await user.ClaimAnswerAsync(campaigns[1], null, cancellationToken);
            if (first.IsSuccess && second.IsSuccess)
            {
                pairs.Enqueue((first.CouponId, second.CouponId));
            }

            return first.IsSuccess && second.IsSuccess;
        });

    /// <summary>Runs <paramref name="claim"/> <paramref name="missing"/> times over the connections, each time as the next user; stops after 100 failures.</summary>
    private async Task FillAsync(string what, long missing, CouponsClient[] users, Func<CouponsClient, Task<bool>> claim)
    {
        if (missing <= 0)
        {
            return;
        }

        Log.WriteLine($"claiming {missing} {what} to use");
        long next = 0;
        long failures = 0;
        var offset = Random.Shared.Next(users.Length);
        await Task.WhenAll(Enumerable.Range(0, Options.Connections).Select(_ => Task.Run(async () =>
        {
            long number;
            while ((number = Interlocked.Increment(ref next)) <= missing && Volatile.Read(ref failures) < 100)
            {
                if (!await claim(users[(int)((offset + number) % users.Length)]))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })));
        if (failures >= 100)
        {
            throw new InvalidOperationException($"claiming {what} failed: claims were refused");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }
}
