using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Coupons.Core;
using Coupons.Embedded;

namespace Coupons.Recovery;

/// <summary>
/// <c>fill DIR COUPONS [USERS]</c> issues COUPONS coupons into a fresh data dir through the embedded
/// store itself (the very code the service runs, so the disk holds exactly what the service would
/// write), claimed by many concurrent callers over USERS users. <c>measure DIR API_DLL COUPONS</c>
/// starts the real API on it, kills it with SIGKILL under claim load, restarts it and times
/// start → <c>/health/ready</c>, then checks the issued count through the stats endpoint.
/// </summary>
internal static class RecoveryBench
{
    private const string SigningKey = "recovery-bench-signing-key-0123456789abcdef";
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["fill", var dir, var coupons, ..]:
                var count = long.Parse(coupons, Invariant);
                var users = args.Length > 3 ? long.Parse(args[3], Invariant) : count;
                await FillAsync(dir, count, users).ConfigureAwait(false);
                return 0;
            case ["recover", var dir]:
                Recover(dir);
                return 0;
            case ["measure", var dir, var dll, var coupons]:
                return await MeasureAsync(dir, dll, long.Parse(coupons, Invariant)).ConfigureAwait(false);
            default:
                await Console.Error.WriteLineAsync("usage: fill DIR COUPONS [USERS] | measure DIR API_DLL COUPONS | recover DIR").ConfigureAwait(false);
                return 2;
        }
    }

    private static async Task FillAsync(string dir, long coupons, long users)
    {
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            throw new InvalidOperationException($"{dir} is not empty");
        }

        var perUser = (int)Math.Max(1, (coupons + users - 1) / users);
        var options = new EmbeddedStoreOptions { DataDir = dir };
        var stopwatch = Stopwatch.StartNew();
        using (var store = new EmbeddedCouponStore(options, TimeProvider.System, BenchCodes.Own))
        {
            store.Open();
            var campaign = await store.CreateCampaignAsync(
                new CampaignDefinition
                {
                    Name = "recovery",
                    Discount = Discount.AmountOffOf(500),
                    PerUserLimit = perUser,
                    Validity = Validity.Relative(30),
                },
                coupons).ConfigureAwait(false);

            // Callers take the next claim number; claim i is made by user i % users, so every user
            // claims up to its limit and concurrent claims rarely share a user.
            long next = -1;
            long failed = 0;
            var progress = Stopwatch.StartNew();
            async Task Caller()
            {
                long i;
                while ((i = Interlocked.Increment(ref next)) < coupons)
                {
                    var user = "user-" + (i % users).ToString(Invariant);
                    while (true)
                    {
                        try
                        {
                            var result = await store.ClaimAsync(campaign.Id, user, null).ConfigureAwait(false);
                            if (result.Outcome != Outcome.Ok)
                            {
                                throw new InvalidOperationException($"claim {i} by {user}: {result.Outcome}");
                            }

                            break;
                        }
                        catch (OverloadedException)
                        {
                            Interlocked.Increment(ref failed);
                            await Task.Delay(10).ConfigureAwait(false);
                        }
                    }

                    if (i % 1_000_000 == 0 && i > 0)
                    {
                        Console.WriteLine($"  {i:N0} claimed, {i / progress.Elapsed.TotalSeconds:N0}/s");
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, 4096).Select(_ => Task.Run(Caller))).ConfigureAwait(false);
            var stats = await store.GetStatsAsync(campaign.Id).ConfigureAwait(false);
            Console.WriteLine($"filled: {stats!.Issued:N0} coupons for {Math.Min(users, coupons):N0} users (limit {perUser} each) in {stopwatch.Elapsed.TotalSeconds:F1} s ({failed} overloaded retries)");
        }

        Console.WriteLine($"database: {DirectorySize(dir) / (1024.0 * 1024):N0} MiB");
    }

    /// <summary>Opens the store in this process, for profiling recovery without the HTTP host around it.</summary>
    private static void Recover(string dir)
    {
        var gcs = GC.CollectionCount(0);
        var pause = GC.GetTotalPauseDuration();
        var stopwatch = Stopwatch.StartNew();
        using var store = new EmbeddedCouponStore(new EmbeddedStoreOptions { DataDir = dir }, TimeProvider.System, BenchCodes.Own);
        store.Open();
        var elapsed = stopwatch.Elapsed;
        using var self = Process.GetCurrentProcess();
        Console.WriteLine(
            $"recovered {store.CouponCount:N0} coupons in {elapsed.TotalSeconds:F2} s (store's own figure {store.RecoveryTime.TotalSeconds:F2} s); " +
            $"{GC.CollectionCount(0) - gcs} GCs ({GC.CollectionCount(2)} gen2), paused {(GC.GetTotalPauseDuration() - pause).TotalSeconds:F2} s; " +
            $"heap {GC.GetTotalMemory(false) / (1024 * 1024):N0} MiB, RSS {self.WorkingSet64 / (1024 * 1024):N0} MiB, CPU {self.TotalProcessorTime.TotalSeconds:F2} s");
        Console.WriteLine($"  steps: {store.RecoverySteps}");
    }

    private static async Task<int> MeasureAsync(string dir, string dll, long coupons)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var admin = Token("bench-admin", "admin");

        // First start: recovers the filled state, then takes claims (all refused as sold out, each
        // still a write of its counter) from 64 callers; killed with SIGKILL in the middle of that.
        using (var first = ApiProcess.Start(dll, dir))
        {
            var ready = await first.WaitReadyAsync(http, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
            Console.WriteLine($"first start → ready: {ready.TotalSeconds:F2} s; {first.RecoveryLine}");
            var campaigns = await CampaignIdsAsync(http, first.BaseAddress, admin).ConfigureAwait(false);
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 64).Select(i => ClaimLoopAsync(http, first.BaseAddress, campaigns[0], Token("load-" + i, null), stop.Token)).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            first.Kill();
            await stop.CancelAsync().ConfigureAwait(false);
            var answered = (await Task.WhenAll(load).ConfigureAwait(false)).Sum();
            Console.WriteLine($"killed with SIGKILL under load ({answered:N0} claims answered in 2 s)");
        }

        using var second = ApiProcess.Start(dll, dir);
        var recovered = await second.WaitReadyAsync(http, TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        var rssMiB = second.ResidentMiB();
        var cpu = second.ProcessorTime();
        var issued = 0L;
        foreach (var id in await CampaignIdsAsync(http, second.BaseAddress, admin).ConfigureAwait(false))
        {
            using var stats = await GetJsonAsync(http, new Uri(second.BaseAddress, $"/v1/campaigns/{id}/stats"), admin).ConfigureAwait(false);
            issued += stats.RootElement.GetProperty("issued").GetInt64();
        }

        Console.WriteLine($"after kill -9: start → ready {recovered.TotalSeconds:F2} s (CPU used by then {cpu.TotalSeconds:F2} s, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}); RSS when ready {rssMiB:N0} MiB; issued {issued:N0}");
        Console.WriteLine($"  {second.RecoveryLine}");
        second.Kill();
        if (issued != coupons)
        {
            await Console.Error.WriteLineAsync($"MISMATCH: {coupons:N0} issued before the kill, {issued:N0} after").ConfigureAwait(false);
            return 1;
        }

        return 0;
    }

    private static async Task<int> ClaimLoopAsync(HttpClient http, Uri baseAddress, string campaign, string token, CancellationToken stop)
    {
        var answered = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, $"/v1/campaigns/{campaign}/claim"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request, stop).ConfigureAwait(false);
                answered++;
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            // The server was killed under us: that is the point.
        }

        return answered;
    }

    private static async Task<string[]> CampaignIdsAsync(HttpClient http, Uri baseAddress, string admin)
    {
        using var page = await GetJsonAsync(http, new Uri(baseAddress, "/v1/campaigns?limit=100"), admin).ConfigureAwait(false);
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetString()!)];
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, Uri uri, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>An HS256 token as the service expects it (issuer and audience <c>coupons</c>).</summary>
    private static string Token(string subject, string? role)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object> { ["sub"] = subject, ["iss"] = "coupons", ["aud"] = "coupons", ["iat"] = now, ["nbf"] = now - 60, ["exp"] = now + 3600 };
        if (role is not null)
        {
            claims["role"] = role;
        }

        var unsigned = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "HS256", ["typ"] = "JWT" }))
            + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(SigningKey), Encoding.UTF8.GetBytes(unsigned));
        return unsigned + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static long DirectorySize(string dir) => new DirectoryInfo(dir).EnumerateFiles().Sum(f => f.Length);

    /// <summary>The API as a child process on a free loopback port, its output drained.</summary>
    private sealed class ApiProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Stopwatch _sinceStart;
        private string? _recoveryLine;

        private ApiProcess(Process process, Uri baseAddress, Stopwatch sinceStart)
        {
            _process = process;
            BaseAddress = baseAddress;
            _sinceStart = sinceStart;
        }

        public Uri BaseAddress { get; }

        public string? RecoveryLine => Volatile.Read(ref _recoveryLine);

        public static ApiProcess Start(string dll, string dir)
        {
            var port = FreePort();
            var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                dll, "--urls", $"http://127.0.0.1:{port}", $"--Coupons:Embedded:DataDir={Path.GetFullPath(dir)}",
                $"--Coupons:Auth:SigningKey={SigningKey}", "--Coupons:Protection:Enabled=false", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Coupons.Api.Hosting=Information",
            })
            {
                info.ArgumentList.Add(argument);
            }

            var sinceStart = Stopwatch.StartNew();
            var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
            var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}"), sinceStart);
            process.OutputDataReceived += (_, e) => api.Keep(e.Data);
            process.ErrorDataReceived += (_, e) => api.Keep(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return api;
        }

        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(
            int.TryParse(Environment.GetEnvironmentVariable("RECOVERY_POLL_MS"), out var ms) ? ms : 10);

        /// <summary>Polls <c>/health/ready</c> every RECOVERY_POLL_MS (10 ms unless set); returns the time since the process was started.</summary>
        public async Task<TimeSpan> WaitReadyAsync(HttpClient http, TimeSpan limit)
        {
            var ready = new Uri(BaseAddress, "/health/ready");
            while (_sinceStart.Elapsed < limit)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"the API exited with {_process.ExitCode}");
                }

                try
                {
                    using var response = await http.GetAsync(ready).ConfigureAwait(false);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return _sinceStart.Elapsed;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(PollInterval).ConfigureAwait(false);
            }

            throw new TimeoutException($"not ready after {limit}");
        }

        public long ResidentMiB()
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Invariant) / 1024;
        }

        /// <summary>User and system time the process used so far, from <c>/proc</c> (clock ticks of 1/100 s).</summary>
        public TimeSpan ProcessorTime()
        {
            var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return TimeSpan.FromSeconds((long.Parse(fields[11], Invariant) + long.Parse(fields[12], Invariant)) / 100.0);
        }

        public void Kill()
        {
            if (!_process.HasExited)
            {
                // Process.Kill sends SIGKILL on Linux: no shutdown code runs, as in a crash.
                _process.Kill();
                _process.WaitForExit();
            }
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }

        private void Keep(string? line)
        {
            if (line is not null && line.Contains("recovered", StringComparison.Ordinal))
            {
                Volatile.Write(ref _recoveryLine, line.Trim());
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
