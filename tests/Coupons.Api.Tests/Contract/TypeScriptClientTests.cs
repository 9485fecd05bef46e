using Coupons.Api.Tests.Crash;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Contract;

/// <summary>
/// Issue 13, part 5: a TypeScript client generated from the committed docs/openapi.json
/// (openapi-typescript) and called through openapi-fetch. clients/typescript/src/life.ts runs the
/// README's walk-through with the README's bodies, a second coupon released and refunded, a paged
/// list and typed problem codes. The types are generated and the program compiled once (tsc with
/// <c>strict</c>); one test holds the type-check to zero errors, the other runs the compiled program
/// (tsc emits it even when types fail, so each test tells its own story) against the real service
/// as a process on a loopback port.
/// </summary>
[Collection(NodeToolsCollection.Name)]
public sealed class TypeScriptClientTests(TypeScriptClientTests.Build build) : IClassFixture<TypeScriptClientTests.Build>
{
    [Fact]
    public void The_client_generates_from_the_document_and_type_checks_under_strict()
    {
        Assert.True(build.Generate.ExitCode == 0, "openapi-typescript could not generate the types from docs/openapi.json:\n" + build.Generate.Describe());
        Assert.True(build.Compile.ExitCode == 0, "tsc (strict) found errors in clients/typescript:\n" + build.Compile.StandardOutput + build.Compile.StandardError);
    }

    [Fact]
    public async Task The_coupons_life_runs_through_the_generated_client_against_the_real_service()
    {
        Assert.True(File.Exists(Path.Combine(TypeScriptFolder.Folder, "dist", "life.js")), "tsc emitted no dist/life.js:\n" + build.Compile.Describe());
        var dataDir = Path.Combine(Path.GetTempPath(), "coupons-ts-client-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var server = ServerProcess.Start(dataDir, CouponsApiFactory.SigningKeyText);
            using (var http = new HttpClient())
            {
                await server.WaitReadyAsync(http, TimeSpan.FromSeconds(60), CancellationToken.None);
            }

            var life = await ToolProcess.RunAsync(TypeScriptFolder.Node,
            [
                Path.Combine("dist", "life.js"),
                server.BaseAddress.ToString().TrimEnd('/'),
                CouponsApiFactory.Token("ops", "admin"),
                CouponsApiFactory.Token("alice"),
                CouponsApiFactory.Token("orders", "service"),
            ], TypeScriptFolder.Folder, TimeSpan.FromMinutes(2));

            Assert.True(life.ExitCode == 0, $"{life.Describe()}\n--- server ---\n{server.Tail()}");
            Assert.Contains("every check held", life.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    /// <summary>npm ci when needed, then the generated types and the compiled program, once for the class.</summary>
    public sealed class Build : IAsyncLifetime
    {
        private static readonly TimeSpan StepTime = TimeSpan.FromMinutes(4);

        public ToolResult Generate { get; private set; } = null!;

        public ToolResult Compile { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await TypeScriptFolder.EnsureInstalledAsync();
            foreach (var stale in new[] { "dist", Path.Combine("src", "generated") })
            {
                var path = Path.Combine(TypeScriptFolder.Folder, stale);
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }

            Generate = await TypeScriptFolder.RunScriptAsync("generate", [], StepTime);
            Compile = await TypeScriptFolder.RunScriptAsync("build", [], StepTime);
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
