using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Coupons.Api.Tests.Crash;

/// <summary>
/// A server process on a data dir of its own, for a test that kills it in the middle of a job and
/// starts it again on the same dir. <see cref="Client"/> always talks to the process now running;
/// disposing stops it and deletes the dir.
/// </summary>
internal sealed class JobCrashServer : IDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _dataDir;
    private readonly string _signingKey;

    private JobCrashServer(string dataDir, string signingKey)
    {
        _dataDir = dataDir;
        _signingKey = signingKey;
        Process = ServerProcess.Start(dataDir, signingKey);
        Client = new CrashClient(Process.BaseAddress, signingKey);
    }

    public ServerProcess Process { get; private set; }

    public CrashClient Client { get; private set; }

    /// <summary>Starts a server on a new data dir (named with <paramref name="dirPrefix"/>) and waits until it is ready.</summary>
    public static async Task<JobCrashServer> StartAsync(string dirPrefix, string signingKey, CancellationToken cancellationToken)
    {
        var server = new JobCrashServer(Directory.CreateTempSubdirectory(dirPrefix).FullName, signingKey);
        try
        {
            await server.Process.WaitReadyAsync(server.Client.Http, ReadyTimeout, cancellationToken);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits until the job has committed a step, sends the server <c>kill -9</c> (the job must not have
    /// finished by then: <paramref name="total"/> is what it has to do), starts it again on the same
    /// data dir, and returns the job once it has finished there.
    /// </summary>
    public async Task<JsonElement> KillMidJobAsync(string token, string jobId, long total, ITestOutputHelper output, CancellationToken cancellationToken)
    {
        var before = await Client.WaitForJobAsync(token, jobId, job => job.GetProperty("done").GetInt64() > 0, cancellationToken);
        Process.Kill();
        var done = before.GetProperty("done").GetInt64();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"killed with {done} of {total} done (committed steps)"));
        Assert.True(done < total, "the job finished before the kill; the test needs a bigger job");

        Client.Dispose();
        Process.Dispose();
        Process = ServerProcess.Start(_dataDir, _signingKey);
        Client = new CrashClient(Process.BaseAddress, _signingKey);
        await Process.WaitReadyAsync(Client.Http, ReadyTimeout, cancellationToken);
        return await Client.WaitForJobAsync(token, jobId, CrashClient.IsFinished, cancellationToken);
    }

    public void Dispose()
    {
        Client.Dispose();
        Process.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }
}
