using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Coupons.Core.Tests;

/// <summary>
/// The shape the code keeps (issue 12): files a reader can take in, methods that fit on a screen,
/// stores that do not reach into each other, and time from <see cref="TimeProvider"/> only. Read
/// from the sources (parsed with Roslyn), so a change that breaks one fails here with its place.
/// </summary>
public sealed class CodeLayoutTests
{
    private const int MaxFileLines = 400;
    private const int MaxMethodLines = 60;

    /// <summary>The store projects: none may reference another (what two of them share lives in a project of its own).</summary>
    private static readonly string[] Stores = ["Coupons.Embedded", "Coupons.Redis", "Coupons.Postgres"];

    private static readonly string Root = FindRoot();

    [Fact]
    public void No_source_file_is_over_400_lines()
    {
        var tooLong = SourceFiles().Select(f => (File: f, Lines: File.ReadAllLines(f).Length)).Where(f => f.Lines > MaxFileLines).ToList();
        Assert.True(tooLong.Count == 0, string.Join("\n", tooLong.Select(f => $"{Relative(f.File)}: {f.Lines} lines")));
    }

    [Fact]
    public void No_method_is_over_60_lines()
    {
        var found = new List<string>();
        foreach (var file in SourceFiles())
        {
            var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file), path: file);
            foreach (var member in tree.GetRoot().DescendantNodes().Where(IsMethodLike))
            {
                var span = member.GetLocation().GetLineSpan();
                var lines = span.EndLinePosition.Line - span.StartLinePosition.Line + 1;
                if (lines > MaxMethodLines)
                {
                    found.Add($"{Relative(file)}:{span.StartLinePosition.Line + 1}: {Name(member)} is {lines} lines");
                }
            }
        }

        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    [Fact]
    public void No_store_project_references_another()
    {
        var found = new List<string>();
        foreach (var store in Stores)
        {
            var project = XDocument.Load(Path.Combine(Root, "src", store, store + ".csproj"));
            foreach (var reference in project.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!)))
            {
                if (Stores.Contains(reference) && reference != store)
                {
                    found.Add($"{store} references {reference}");
                }
            }
        }

        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    [Fact]
    public void Product_code_takes_time_from_a_time_provider()
    {
        string[] clocks = ["DateTime.UtcNow", "DateTime.Now", "DateTimeOffset.UtcNow", "DateTimeOffset.Now", "Environment.TickCount"];
        var found = SourceFiles()
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => clocks.Any(c => l.Text.Contains(c, StringComparison.Ordinal)) && !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal))
            .Select(l => $"{Relative(l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(found.Count == 0, string.Join("\n", found));
    }

    private static bool IsMethodLike(SyntaxNode node) =>
        node is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax
        || (node is PropertyDeclarationSyntax { ExpressionBody: not null });

    private static string Name(SyntaxNode member) => member switch
    {
        MethodDeclarationSyntax method => method.Identifier.Text,
        ConstructorDeclarationSyntax constructor => constructor.Identifier.Text + " (constructor)",
        LocalFunctionStatementSyntax local => local.Identifier.Text + " (local function)",
        PropertyDeclarationSyntax property => property.Identifier.Text,
        AnonymousFunctionExpressionSyntax => "a lambda",
        _ => member.Kind().ToString(),
    };

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string Relative(string file) => Path.GetRelativePath(Root, file);

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
