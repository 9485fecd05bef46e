using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Coupons.Conformance;

/// <summary>
/// A real redis-server for the tests, started on a free loopback port in a temporary folder, with
/// AOF on and fsync on every write (as the store's durability needs), stopped and deleted at the
/// end. The binary is <c>redis-server</c> on the PATH, or <c>COUPONS_REDIS_SERVER</c>.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "coupons-redis-tests", Guid.NewGuid().ToString("N"));

    public int Port { get; private set; }

    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// How long a test store's request calls may wait for Redis (<c>Coupons:Redis:Timeout</c>): far
    /// above the default of 250 ms, since a test machine's fsync (AOF on every write) can stall that
    /// long while other tests write; the tests of the timeout itself set their own.
    /// </summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary><see cref="CallTimeout"/> as a setting's text.</summary>
    public const string CallTimeoutSetting = "00:00:30";

    /// <summary>Stops the server with SIGSTOP, as a hung Redis: it holds its connections and answers nothing.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Lets a <see cref="Pause"/>d server go on (SIGCONT): it answers what it was sent meanwhile.</summary>
    public void Resume() => Signal("CONT");

    private void Signal(string signal) => TestProcesses.Signal(signal, _process!.Id);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Dir);
        Port = TestProcesses.FreePort();
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the server with SIGKILL, as a crash would, and starts it again on the same port and folder: it reloads its append-only file.</summary>
    public async Task CrashAndRestartAsync()
    {
        _process!.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        await StartAsync().ConfigureAwait(false);
    }

    private async Task StartAsync()
    {
        var binary = Environment.GetEnvironmentVariable("COUPONS_REDIS_SERVER") ?? "redis-server";
        try
        {
            _process = TestProcesses.Start(
                binary, "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Dir,
                "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"cannot run '{binary}': install redis-server (apt-get install redis-server) or set COUPONS_REDIS_SERVER", exception);
        }

        var deadline = Stopwatch.StartNew();
        while (!await AnswersAsync().ConfigureAwait(false))
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException($"redis-server did not answer on port {Port} (exited: {_process.HasExited})");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder does not fail a test.
        }
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray()).ConfigureAwait(false);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer).ConfigureAwait(false);
            return read > 0 && buffer[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
