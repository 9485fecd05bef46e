using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Coupons.Api.Tests.Contract;

/// <summary>
/// The committed OpenAPI document (<c>docs/openapi.json</c>), read once, and the route templates
/// of its paths. <see cref="ContractChecker"/> holds every answer the tests receive against it.
/// </summary>
public sealed class CommittedDocument
{
    private static readonly Lazy<CommittedDocument> Instance = new(() => new CommittedDocument(File.ReadAllText(PathOf)));

    private readonly List<(Regex Pattern, string Path)> _paths;

    private CommittedDocument(string text)
    {
        Text = text;
        Root = JsonNode.Parse(text)!.AsObject();
        _paths = [.. Root["paths"]!.AsObject().Select(p => (new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^}]+}", "[^/]+") + "$"), p.Key))];
    }

    public static CommittedDocument Current => Instance.Value;

    /// <summary>Where the committed document is: <c>docs/openapi.json</c> at the repository's root.</summary>
    public static string PathOf => Path.Combine(RepositoryRoot(), "docs", "openapi.json");

    public string Text { get; }

    public JsonObject Root { get; }

    public JsonObject Schemas => Root["components"]!["schemas"]!.AsObject();

    /// <summary>The document's path that <paramref name="requestPath"/> matches, or null.</summary>
    public string? PathFor(string requestPath) => _paths.FirstOrDefault(p => p.Pattern.IsMatch(requestPath)).Path;

    /// <summary>The operation of a documented path and method, or null.</summary>
    public JsonObject? Operation(string path, string method) => Root["paths"]![path]?[method.ToLowerInvariant()]?.AsObject();

    /// <summary>A response, a request body or a parameter with its <c>$ref</c> (to a component) followed.</summary>
    public JsonObject Resolve(JsonNode node)
    {
        var obj = node.AsObject();
        if (obj["$ref"]?.GetValue<string>() is not { } reference || !reference.StartsWith("#/components/", StringComparison.Ordinal) || reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
        {
            return obj;
        }

        var parts = reference["#/components/".Length..].Split('/');
        return Resolve(Root["components"]![parts[0]]![parts[1]]!);
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Coupons.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("no Coupons.slnx above " + AppContext.BaseDirectory);
    }
}
