using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// Runs a command the way the container image would, without a container engine: in a
/// bubblewrap sandbox (Debian's <c>bubblewrap</c>) whose root filesystem is read-only (as
/// <c>docker run --read-only</c>), with the published app at the image's WORKDIR, a host folder as
/// the /data volume (the only writable place), the host's /usr and /etc standing in for the base
/// image's, as the image's USER (<c>setpriv</c>, when the tests run as root), with only the base
/// image's and the Dockerfile's environment.
/// </summary>
internal sealed class ImageSandbox(DockerfileSpec image, string publishedDir, string dataDir, int port)
{
    /// <summary>What the ASP.NET Core runtime image sets before the Dockerfile's own ENV (and HOME, from its user).</summary>
    private static readonly Dictionary<string, string> BaseImageEnv = new(StringComparer.Ordinal)
    {
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ["HOME"] = "/home/app",
        ["APP_UID"] = "1654",
        ["ASPNETCORE_HTTP_PORTS"] = "8080",
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
    };

    /// <summary>The image's environment, with the port of ASPNETCORE_URLS moved to <c>port</c> (the only change: 8080 may be taken on this machine).</summary>
    public Dictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>(BaseImageEnv, StringComparer.Ordinal);
        foreach (var (name, value) in image.Env)
        {
            env[name] = value;
        }

        var exposed = image.Expose.Single().Split('/')[0];
        env["ASPNETCORE_URLS"] = env["ASPNETCORE_URLS"].Replace(":" + exposed, ":" + port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return env;
    }

    public Process Start(IEnumerable<string> command, ConcurrentQueue<string> output)
    {
        var info = new ProcessStartInfo("bwrap") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment.Clear();
        foreach (var (name, value) in Environment())
        {
            info.Environment[name] = value;
        }

        foreach (var argument in SandboxArguments().Concat(command))
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Keep(output, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(output, e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("bwrap did not start (Debian: apt-get install bubblewrap)");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs <paramref name="command"/> to its end: its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(params string[] command)
    {
        var output = new ConcurrentQueue<string>();
        using var process = Start(command, output);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit();
        return (process.ExitCode, string.Join('\n', output));
    }

    private List<string> SandboxArguments()
    {
        var volume = image.Volumes.Single();
        var arguments = new List<string>
        {
            // Its own process namespace: killing the tree (the sandbox's init with it) ends every
            // process in it, as stopping a container does. Not --die-with-parent: that signal
            // follows the starting thread, and a thread-pool thread may end first.
            "--unshare-pid",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
            "--ro-bind", publishedDir, image.WorkDir,
            "--bind", dataDir, volume,
            "--dir", "/tmp", "--dev", "/dev", "--proc", "/proc",
            "--chdir", image.WorkDir,
            "--remount-ro", "/",
        };
        if (System.Environment.UserName == "root")
        {
            var user = image.User!;
            // A change of user clears the parent-death signal: set it again.
            arguments.AddRange(["setpriv", "--reuid", user, "--regid", user, "--clear-groups", "--pdeathsig", "KILL"]);
        }

        return arguments;
    }

    private static void Keep(ConcurrentQueue<string> output, string? line)
    {
        if (line is not null)
        {
            output.Enqueue(line);
        }
    }
}
