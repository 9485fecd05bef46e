using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coupons.Api.Tests.Codes;

/// <summary>The embedded service, keeping every log line it writes.</summary>
public sealed class LoggedApiFactory : CouponsApiFactory
{
    public ConcurrentQueue<string> Logged { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(new KeepingLoggerProvider(Logged)));
}

/// <summary>What a code's life leaves behind: the plain codes a run used, and where to look for them.</summary>
internal static class CodesAtRest
{
    /// <summary>
    /// Uses every kind of code: a shared code, generated codes claimed and left, every coupon's own
    /// code (claimed by id, by shared code, by generated code) looked up. Returns every plain code.
    /// </summary>
    public static async Task<IReadOnlyList<string>> UseEveryKindOfCodeAsync(CouponsApiFactory factory)
    {
        using var admin = factory.ClientFor("admin-rest", "admin");
        using var service = factory.ClientFor("order-system", "service");
        var shared = "REST-" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var body = new JsonObject
        {
            ["name"] = "At rest",
            ["discount"] = new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 },
            ["totalStock"] = 100,
            ["validity"] = new JsonObject { ["days"] = 5 },
            ["code"] = shared,
        };
        using var created = await admin.PostJsonAsync("/v1/campaigns", body);
        var campaign = (await created.AssertStatusAsync(HttpStatusCode.Created)).Str("id");
        await CodeSteps.GenerateAsync(admin, campaign, 40);
        var generated = (await CodeSteps.AllCodesAsync(admin, campaign)).Select(c => c.Str("code")).ToList();

        var codes = new List<string>(generated) { shared };
        for (var i = 0; i < 9; i++)
        {
            using var user = factory.ClientFor($"rest-user-{i}-{Guid.NewGuid():N}");
            using var claim = i switch
            {
                < 5 => await CodeSteps.ClaimAsync(user, generated[i]),
                < 7 => await CodeSteps.ClaimAsync(user, shared),
                _ => await user.PostEmptyAsync($"/v1/campaigns/{campaign}/claim"),
            };
            var coupon = await claim.AssertStatusAsync(HttpStatusCode.Created);
            codes.Add(coupon.Str("code"));
            using var found = await CodeSteps.LookupAsync(service, coupon.Str("code"));
            await found.AssertStatusAsync(HttpStatusCode.OK);
        }

        // A guess, so a failed attempt is logged and counted too.
        using var guesser = factory.ClientFor("rest-guesser");
        using var miss = await CodeSteps.ClaimAsync(guesser, "REST-GUESS-" + Guid.NewGuid().ToString("N")[..6]);
        await miss.AssertProblemAsync(HttpStatusCode.NotFound, "code_not_found");
        return codes;
    }

    /// <summary>Every audit entry the service keeps, as its JSON text.</summary>
    public static async Task<string> AuditTextAsync(CouponsApiFactory factory)
    {
        using var admin = factory.ClientFor("admin-rest", "admin");
        var text = new StringBuilder();
        string? cursor = null;
        do
        {
            using var response = await admin.GetPathAsync("/v1/audit?limit=200" + (cursor is null ? "" : "&cursor=" + cursor));
            var page = await response.AssertStatusAsync(HttpStatusCode.OK);
            text.Append(page.GetRawText());
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return text.ToString();
    }

    /// <summary>The plain codes found in any file under <paramref name="folder"/>, with the file.</summary>
    public static IReadOnlyList<string> FoundInFiles(string folder, IReadOnlyList<string> codes)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }
            catch (IOException)
            {
                continue; // a file removed while the folder was read (a temporary one)
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            found.AddRange(codes.Where(code => bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(code)) >= 0).Select(code => $"{code} in {file}"));
        }

        return found;
    }

    public static void AssertNoneIn(string what, string text, IReadOnlyList<string> codes) =>
        Assert.True(!codes.Any(code => text.Contains(code, StringComparison.OrdinalIgnoreCase)), $"a plain code in {what}: {string.Join(", ", codes.Where(code => text.Contains(code, StringComparison.OrdinalIgnoreCase)).Take(3))}");
}

/// <summary>
/// No plain code anywhere the embedded service keeps or writes: its SQLite files (store, jobs,
/// WAL), the audit log, the log output. Codes are kept sealed and indexed by keyed hash; a
/// coupon's own code is not kept at all.
/// </summary>
public sealed class CodesAtRestTests(LoggedApiFactory factory) : IClassFixture<LoggedApiFactory>
{
    [Fact]
    public async Task No_plain_code_is_in_the_data_folder_the_audit_log_or_the_logs()
    {
        var codes = await CodesAtRest.UseEveryKindOfCodeAsync(factory);
        Assert.True(codes.Count >= 50);
        Assert.Empty(CodesAtRest.FoundInFiles(factory.DataDir, codes));
        CodesAtRest.AssertNoneIn("the audit log", await CodesAtRest.AuditTextAsync(factory), codes);
        Assert.NotEmpty(factory.Logged);
        CodesAtRest.AssertNoneIn("the log output", string.Join('\n', factory.Logged), codes);
    }
}
