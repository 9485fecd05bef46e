using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Coupons.Conformance;

/// <summary>Starting the real servers the tests use: processes, their output, free loopback ports.</summary>
public static class TestProcesses
{
    /// <summary>Starts a long-running process whose output is read and dropped (so it never blocks on a full pipe).</summary>
    public static Process Start(string file, params string[] arguments)
    {
        var process = Process.Start(Info(file, arguments)) ?? throw new InvalidOperationException($"{file} did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a command to its end; returns its output, or throws with its error output when it fails.</summary>
    public static async Task<string> RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(Info(file, arguments)) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error.ConfigureAwait(false)} {await output.ConfigureAwait(false)}");
        }

        return await output.ConfigureAwait(false);
    }

    /// <summary>Sends <paramref name="signal"/> (STOP, CONT, …) to one process by its id.</summary>
    public static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed");
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static ProcessStartInfo Info(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
