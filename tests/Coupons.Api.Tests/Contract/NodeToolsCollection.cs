namespace Coupons.Api.Tests.Contract;

/// <summary>
/// The OpenAPI lint and the TypeScript client: they share clients/typescript's node_modules and keep
/// both cores busy (npm ci, tsc), so they run on their own, after the tests that run in parallel.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NodeToolsCollection
{
    public const string Name = "Node tools";
}
