using System.Globalization;

namespace Coupons.Conformance;

/// <summary>
/// A real PostgreSQL for the tests: a new cluster made with <c>initdb</c> in a temporary folder,
/// started with <c>pg_ctl</c> on a free loopback port, with the databases the tests ask for; stopped
/// and deleted at the end. The binaries come from <c>COUPONS_PG_BIN</c> or the newest
/// <c>/usr/lib/postgresql/N/bin</c>. PostgreSQL refuses to run as root, so under root the cluster
/// is made and run as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string[] _databases;

    public PostgresServer()
        : this("shard0", "shard1")
    {
    }

    public PostgresServer(params string[] databases) => _databases = databases;

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "coupons-pg-tests", Guid.NewGuid().ToString("N"));

    public int Port { get; private set; }

    public string DataDir => Path.Combine(Dir, "data");

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database};Pooling=true";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Dir);
        Port = TestProcesses.FreePort();
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "-R", "postgres:postgres", Dir).ConfigureAwait(false);
        }

        await RunPgAsync("initdb", "-D", DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions").ConfigureAwait(false);
        await RunPgAsync(
            "pg_ctl", "-D", DataDir, "-w", "-l", Path.Combine(Dir, "log"), "-o",
            $"-p {Port.ToString(CultureInfo.InvariantCulture)} -c listen_addresses=127.0.0.1 -c unix_socket_directories={Dir}",
            "start").ConfigureAwait(false);
        foreach (var database in _databases)
        {
            await RunPgAsync("createdb", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", database).ConfigureAwait(false);
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunPgAsync("pg_ctl", "-D", DataDir, "-m", "immediate", "-w", "stop").ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped (a test may stop it); the folder still goes.
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

    /// <summary>Stops the server at once, as a crash would (for fault tests).</summary>
    public Task StopAsync() => RunPgAsync("pg_ctl", "-D", DataDir, "-m", "immediate", "-w", "stop");

    /// <summary>
    /// Stops every process of the server with SIGSTOP (the postmaster first, so it starts no more),
    /// as a hung PostgreSQL: connections are accepted by the kernel and held, nothing is answered.
    /// </summary>
    public void Pause()
    {
        var postmaster = Postmaster();
        TestProcesses.Signal("STOP", postmaster);
        foreach (var child in Children(postmaster))
        {
            TestProcesses.Signal("STOP", child);
        }
    }

    /// <summary>Lets a <see cref="Pause"/>d server go on (SIGCONT), its backends first.</summary>
    public void Resume()
    {
        var postmaster = Postmaster();
        foreach (var child in Children(postmaster))
        {
            TestProcesses.Signal("CONT", child);
        }

        TestProcesses.Signal("CONT", postmaster);
    }

    /// <summary>The postmaster's process id: the first line of its postmaster.pid.</summary>
    private int Postmaster() => int.Parse(File.ReadLines(Path.Combine(DataDir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    private static IEnumerable<int> Children(int pid) =>
        Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(child => int.Parse(child, CultureInfo.InvariantCulture))
            .Distinct()
            .ToList();

    /// <summary>Starts the stopped server again on the same port.</summary>
    public Task StartAsync() => RunPgAsync(
        "pg_ctl", "-D", DataDir, "-w", "-l", Path.Combine(Dir, "log"), "-o",
        $"-p {Port.ToString(CultureInfo.InvariantCulture)} -c listen_addresses=127.0.0.1 -c unix_socket_directories={Dir}",
        "start");

    private static string Binary(string name)
    {
        var bin = Environment.GetEnvironmentVariable("COUPONS_PG_BIN")
            ?? Directory.EnumerateDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL not found: install postgresql or set COUPONS_PG_BIN");
        return Path.Combine(bin, name);
    }

    private static Task RunPgAsync(string tool, params string[] arguments) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Binary(tool), .. arguments])
            : RunAsync(Binary(tool), arguments);

    private static Task RunAsync(string file, params string[] arguments) => TestProcesses.RunAsync(file, arguments);
}
