namespace Coupons.Bench;

internal static class BenchProgram
{
    // Not top-level statements: the tests reference both this tool and the service, and two
    // global Program classes would collide.
    public static Task<int> Main(string[] args) => Cli.Build().Parse(args).InvokeAsync();
}
