using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Coupons.Bench.Service;

/// <summary>
/// The service started by the tool itself: the Release build of <c>src/Coupons.Api</c> on a fresh
/// embedded data directory and a free loopback port. Disposing kills it and deletes the data.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private ServiceProcess(Process process, string dataDir, Uri url)
    {
        _process = process;
        _dataDir = dataDir;
        Url = url;
    }

    public Uri Url { get; }

    public int ProcessId => _process.Id;

    public static async Task<ServiceProcess> StartAsync(string? assemblyPath, string signingKey, TextWriter log, CancellationToken cancellationToken)
    {
        var assembly = assemblyPath ?? await BuildAsync(log, cancellationToken);
        var port = FreeLoopbackPort();
        var url = new Uri($"http://127.0.0.1:{port}");
        var dataDir = Directory.CreateTempSubdirectory("coupons-bench-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            assembly, "--urls", url.ToString().TrimEnd('/'), $"--Coupons:Embedded:DataDir={dataDir}",
            $"--Coupons:Auth:SigningKey={signingKey}", "--Logging:LogLevel:Default=Warning",
            // All load comes from this one address: the per-address limit would measure itself.
            "--Coupons:Protection:Enabled=false",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the service");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                log.WriteLine($"service: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(process, dataDir, url);
        try
        {
            await WaitReadyAsync(url, process, TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        log.WriteLine($"started the service (pid {process.Id}) at {url} on data dir {dataDir}");
        return service;
    }

    public static async Task WaitReadyAsync(Uri url, Process? process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process is { HasExited: true })
            {
                throw new InvalidOperationException($"the service exited with code {process.ExitCode} before it was ready");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow to answer while it recovers.
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"{url} was not ready within {timeout.TotalSeconds:0} s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up with the rest of the temp folder.
        }
    }

    /// <summary>Builds <c>src/Coupons.Api</c> in Release into a temp folder, found from the tool's own location.</summary>
    private static async Task<string> BuildAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var root = FindRepositoryRoot() ?? throw new InvalidOperationException(
            "cannot find the repository (Coupons.slnx) above the tool; pass --service <path to Coupons.Api.dll> or --url");
        var output = Path.Combine(Path.GetTempPath(), "coupons-bench-api");
        log.WriteLine($"building src/Coupons.Api (Release) into {output}");
        var build = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "build", Path.Combine(root, "src", "Coupons.Api"), "-c", "Release", "-o", output, "--nologo", "-v", "q" })
        {
            build.ArgumentList.Add(argument);
        }

        using var process = Process.Start(build) ?? throw new InvalidOperationException("could not start dotnet build");
        var text = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"building the service failed:\n{text}");
        }

        return Path.Combine(output, "Coupons.Api.dll");
    }

    private static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Coupons.slnx")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
