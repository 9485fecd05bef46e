using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Coupons.Api.Tests.Crash;

/// <summary>
/// The real service as a child process (<c>dotnet Coupons.Api.dll</c> from the test output folder),
/// on a free loopback port, its output drained and the last lines kept for failure messages.
/// Disposing it kills it if it still runs.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private const int KeptLines = 200;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();
    private readonly Stopwatch _sinceStart;
    private string? _recoveryLine;

    private ServerProcess(Process process, Uri baseAddress, Stopwatch sinceStart)
    {
        _process = process;
        BaseAddress = baseAddress;
        _sinceStart = sinceStart;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The store's own "recovered in" log line, once it appeared.</summary>
    public string? RecoveryLine => Volatile.Read(ref _recoveryLine);

    /// <param name="settings">More command-line settings (<c>--Key=value</c>), after the defaults.</param>
    public static ServerProcess Start(string dataDir, string signingKey, params string[] settings)
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "Coupons.Api.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("the API assembly is not next to the tests", dll);
        }

        var info = new ProcessStartInfo(DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in new List<string>
        {
            dll,
            "--urls", $"http://127.0.0.1:{port}",
            $"--Coupons:Embedded:DataDir={dataDir}",
            $"--Coupons:Auth:SigningKey={signingKey}",
            // Every client is on 127.0.0.1 and the load reuses users: no limits here.
            "--Coupons:Protection:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Coupons=Information",
        }.Concat(settings))
        {
            info.ArgumentList.Add(argument);
        }

        // Only the command line configures the child: nothing from the test's own environment.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("Coupons__", StringComparison.OrdinalIgnoreCase) || k == "ASPNETCORE_URLS").ToList())
        {
            info.Environment.Remove(name);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var sinceStart = Stopwatch.StartNew();
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"), sinceStart);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("the server process did not start");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200; returns the time since the process was started.</summary>
    public async Task<TimeSpan> WaitReadyAsync(HttpClient client, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ready = new Uri(BaseAddress, "health/ready");
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode} before it was ready:\n{Tail()}");
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await client.GetAsync(ready, attempt.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return _sinceStart.Elapsed;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException
                || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet.
            }

            await Task.Delay(25, cancellationToken);
        }

        throw new TimeoutException($"the server was not ready within {timeout.TotalSeconds:F0} s:\n{Tail()}");
    }

    /// <summary>
    /// SIGKILL on Linux: no shutdown code runs, whatever is in flight is cut off. The server is the
    /// dotnet host itself (no child processes), so the signal goes straight to it: walking the
    /// process tree first would give in-flight requests time to finish.
    /// </summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        if (!_process.WaitForExit(10_000))
        {
            throw new InvalidOperationException($"the server process {_process.Id} did not exit after SIGKILL");
        }
    }

    public string Tail() => string.Join('\n', _tail);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.Contains("Embedded store ready", StringComparison.Ordinal))
        {
            Volatile.Write(ref _recoveryLine, line.Trim());
        }

        _tail.Enqueue(line);
        while (_tail.Count > KeptLines && _tail.TryDequeue(out _))
        {
        }
    }

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>The dotnet host that runs these tests (the SDK sets DOTNET_HOST_PATH), else the one on the PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        return "dotnet";
    }
}
