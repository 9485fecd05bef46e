using System.Runtime.InteropServices;

namespace Coupons.Bench.Load;

/// <summary>
/// Sleeps with microsecond resolution where the OS offers it. <see cref="Thread.Sleep(int)"/> has a
/// resolution of about a millisecond, which at tens of thousands of arrivals a second would release
/// them in bursts and count up to a millisecond of the tool's own delay as the server's latency.
/// </summary>
internal static partial class PreciseSleep
{
    private const long MaxMicroseconds = 1_000;

    public static void For(long microseconds)
    {
        var wait = Math.Clamp(microseconds, 20, MaxMicroseconds);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = usleep((uint)wait);
        }
        else
        {
            Thread.Sleep(1);
        }
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial int usleep(uint microseconds);
}
