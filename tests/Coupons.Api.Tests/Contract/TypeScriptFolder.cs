using System.Globalization;
using System.Security.Cryptography;

namespace Coupons.Api.Tests.Contract;

/// <summary>
/// <c>clients/typescript</c>: the generated TypeScript client and the OpenAPI lint, with the npm
/// packages its package-lock.json pins. <see cref="EnsureInstalledAsync"/> runs <c>npm ci</c> when
/// node_modules is missing or was installed from another lock file (a stamp in node_modules holds
/// the lock file's hash), so a fresh clone installs once and later runs reuse it.
/// </summary>
internal static class TypeScriptFolder
{
    private const string Stamp = ".coupons-npm-ci";

    /// <summary>Redocly CLI needs Node.js 20.19 or later (its package's engines).</summary>
    private static readonly Version MinimumNode = new(20, 19);

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static string Root { get; } = FindRoot();

    public static string Folder { get; } = Path.Combine(Root, "clients", "typescript");

    public static string Document { get; } = Path.Combine(Root, "docs", "openapi.json");

    /// <summary>node, or a failure that says it is missing: these tests fail rather than skip without it.</summary>
    public static string Node => ToolProcess.OnPath("node") ?? throw Missing("node");

    public static string Npm => ToolProcess.OnPath("npm") ?? throw Missing("npm");

    /// <summary>Checks node and npm, then runs <c>npm ci</c> unless node_modules matches package-lock.json.</summary>
    public static async Task EnsureInstalledAsync()
    {
        await InstallGate.WaitAsync();
        try
        {
            await CheckNodeVersionAsync();
            var stampFile = Path.Combine(Folder, "node_modules", Stamp);
            var lockHash = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(Folder, "package-lock.json"))));
            if (File.Exists(stampFile) && File.ReadAllText(stampFile).Trim() == lockHash)
            {
                return;
            }

            var install = await ToolProcess.RunAsync(Npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error", "--no-progress"], Folder, TimeSpan.FromMinutes(8));
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException("npm ci failed in clients/typescript:\n" + install.Describe());
            }

            File.WriteAllText(stampFile, lockHash + "\n");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary><c>npm run --silent NAME -- ARGS</c> in the folder (the scripts of its package.json).</summary>
    public static Task<ToolResult> RunScriptAsync(string script, IEnumerable<string> arguments, TimeSpan timeout) =>
        ToolProcess.RunAsync(Npm, new[] { "run", "--silent", script, "--" }.Concat(arguments), Folder, timeout);

    private static async Task CheckNodeVersionAsync()
    {
        var version = await ToolProcess.RunAsync(Node, ["--version"], Folder, TimeSpan.FromSeconds(30));
        var text = version.StandardOutput.Trim().TrimStart('v');
        var parts = text.Split('.');
        if (version.ExitCode != 0 || parts.Length < 2
            || new Version(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture)) < MinimumNode)
        {
            throw new InvalidOperationException(
                $"the TypeScript client and the OpenAPI lint need Node.js {MinimumNode} or later; `node --version` said '{version.StandardOutput.Trim()}{version.StandardError.Trim()}'");
        }
    }

    private static InvalidOperationException Missing(string tool) => new(
        $"'{tool}' is not on the PATH: the OpenAPI lint and the TypeScript client tests need Node.js ({MinimumNode} or later) and npm "
        + "(clients/typescript, see the README's 'TypeScript client')");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Coupons.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Coupons.slnx) is not above " + AppContext.BaseDirectory);
    }
}
