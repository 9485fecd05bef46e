namespace Coupons.Api.Tests.Crash;

/// <summary>
/// The crash test loads the machine with a real server process and 16 workers: it runs on its own,
/// after the tests that run in parallel, so neither slows the other into timeouts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrashCollection
{
    public const string Name = "Crash";
}
