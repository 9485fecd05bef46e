using System.Globalization;

namespace Coupons.Postgres.Tests;

/// <summary>CPU time of processes from /proc, for measurements only (Linux).</summary>
internal static class ProcessCpu
{
    private const double TicksPerSecond = 100;

    /// <summary>The CPU a PostgreSQL server has used: the postmaster, its backends alive, and those it has reaped.</summary>
    public static double PostgresSeconds(string dataDir)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDir, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        var ticks = Stat(postmaster) is { } own ? own.Own + own.Children : 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat && stat.Parent == postmaster)
            {
                ticks += stat.Own;
            }
        }

        return ticks / TicksPerSecond;
    }

    private static (int Parent, long Own, long Children)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // After the command's name in parentheses: state, ppid, ... utime (14th), stime, cutime, cstime.
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long Field(int n) => long.Parse(fields[n - 3], CultureInfo.InvariantCulture);
            return ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
