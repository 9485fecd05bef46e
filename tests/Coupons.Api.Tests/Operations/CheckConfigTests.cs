using System.Diagnostics;
using System.Security.Cryptography;
using Coupons.Api.Auth;
using Coupons.Api.Hosting;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// <c>check-config</c> (<see cref="CheckConfigCommand"/>) in process and as the service's own
/// command, and the start refusing what it refuses: the settings listed with their defaults, every
/// secret masked, each kind of bad value named by its key, and nothing created in the data folder.
/// </summary>
public sealed class CheckConfigTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "coupons-check-config-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public void The_defaults_are_valid_and_every_setting_is_listed_with_its_default()
    {
        var (exit, output, error) = Run();

        Assert.True(exit == 0, error);
        Assert.Equal(string.Empty, error);
        foreach (var line in new[]
        {
            "Coupons:Embedded:MaxPendingChanges = 100000 (default)",
            "Coupons:Embedded:SweepInterval = 00:00:01 (default)",
            "Coupons:Auth:TokenCacheSize = 20000 (default)",
            "Coupons:Protection:Ip:Limit = 100 (default)",
            "Coupons:Protection:Fraud:ClaimBurst:Window = 00:01:00 (default)",
            "Coupons:Metrics:StockCampaigns = 20 (default)",
            "Coupons:Tls:HstsMaxAge = 365.00:00:00 (default)",
            "Coupons:OpenApi:ServerUrl = http://127.0.0.1:5080 (default)",
            $"Coupons:Embedded:DataDir = {_dataDir}",
            $"# no signing key configured: the service would create one in {Path.Combine(_dataDir, SigningKey.FileName)}",
            $"# no Coupons:Codes:LookupKey configured: the service would create one in {Path.Combine(_dataDir, "code-lookup-key")}",
            "# every setting is valid",
        })
        {
            Assert.Contains(line, output, StringComparison.Ordinal);
        }

        Assert.False(Path.Exists(_dataDir), "check-config created the data folder");
    }

    [Fact]
    public void Every_secret_is_masked()
    {
        var secrets = new[]
        {
            "signing-secret-0123456789abcdef-0123456789",
            "validation-secret-0123456789abcdef-012345",
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            "redis-secret-1",
            "pg-secret-1",
            "pg;secret;2",
            "cert-secret-1",
        };
        var (exit, output, error) = Run(
            "--Coupons:Store=redis",
            $"--Coupons:Auth:SigningKey={secrets[0]}",
            $"--Coupons:Auth:ValidationKeys:old={secrets[1]}",
            $"--Coupons:Codes:EncryptionKey={secrets[2]}",
            $"--Coupons:Codes:DecryptionKeys:0={secrets[3]}",
            $"--Coupons:Codes:LookupKey={secrets[4]}",
            $"--Coupons:Redis:Configuration=10.1.2.3:6379,password={secrets[5]},ssl=true",
            $"--Coupons:Postgres:Shards:0=Host=db0;Username=coupons;Password={secrets[6]};Database=shard0",
            $"--Coupons:Postgres:Shards:1=Host=db1;Password=\"{secrets[7]}\";Database=shard1",
            $"--Kestrel:Endpoints:Https:Certificate:Password={secrets[8]}");

        Assert.True(exit == 0, error);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, output + error, StringComparison.Ordinal);
        }

        Assert.Contains("Coupons:Auth:SigningKey = ********", output, StringComparison.Ordinal);
        Assert.Contains("Coupons:Codes:DecryptionKeys:0 = ********", output, StringComparison.Ordinal);
        Assert.Contains("Coupons:Redis:Configuration = 10.1.2.3:6379,password=********,ssl=true", output, StringComparison.Ordinal);
        Assert.Contains("Coupons:Postgres:Shards:0 = Host=db0;Username=coupons;Password=********;Database=shard0", output, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Endpoints:Https:Certificate:Password = ********", output, StringComparison.Ordinal);
        // Keys are told apart by their public ids only.
        Assert.Contains($"# signing key {SigningKey.IdOf(System.Text.Encoding.UTF8.GetBytes(secrets[0]))} from Coupons:Auth:SigningKey", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Coupons:Store", "mongo", null)]
    [InlineData("Coupons:Embedded:MaxPendingChanges", "0", null)]
    [InlineData("Coupons:Embedded:SweepInterval", "every second", null)]
    [InlineData("Coupons:Auth:SigningKey", "too-short-key", null)]
    [InlineData("Coupons:Auth:ValidationKeys:old", "too-short-key", null)]
    [InlineData("Coupons:Auth:TokenCacheSize", "-1", null)]
    [InlineData("Coupons:Codes:EncryptionKey", "bm90IDMyIGJ5dGVz", null)]
    [InlineData("Coupons:Codes:LookupKey", "not base64!", null)]
    [InlineData("Coupons:Metrics:StockCampaigns", "1001", null)]
    [InlineData("Coupons:Metrics:StockInterval", "-00:00:05", null)]
    [InlineData("Coupons:Metrics:Enabled", "maybe", null)]
    [InlineData("Coupons:Admission:MaxInFlight", "0", null)]
    [InlineData("Coupons:Admission:MaxReadsInFlight", "-1", null)]
    [InlineData("Coupons:Protection:Ip:Limit", "-1", null)]
    [InlineData("Coupons:Protection:User:Window", "00:00:00", null)]
    [InlineData("Coupons:Protection:ExemptRoles", "service,root", null)]
    [InlineData("Coupons:Protection:TrustedProxies:0", "10.0.0.300", null)]
    [InlineData("Coupons:Protection:BlocklistRefresh", "00:00:00", null)]
    [InlineData("Coupons:Protection:Fraud:ClaimBurst:Threshold", "-5", null)]
    [InlineData("Coupons:Protection:CodeAttempts:Window", "00:00:00", null)]
    [InlineData("Coupons:Tls:HstsMaxAge", "-1.00:00:00", null)]
    [InlineData("Coupons:OpenApi:ServerUrl", "/relative", null)]
    [InlineData("Coupons:Redis:StockPerBucket", "0", "redis")]
    [InlineData("Coupons:Redis:SweepInterval", "2.00:00:00", "redis")]
    [InlineData("Coupons:Redis:Configuration", "password=only", "redis")]
    [InlineData("Coupons:Redis:Configuration", "10.0.0.1:6379,nonsense=1", "redis")]
    [InlineData("Coupons:Postgres:Shards:0", "Host=db;Nonsense=1", "redis")]
    [InlineData("Coupons:Postgres:Shards:0", "", "redis")]
    [InlineData("Coupons:Postgres:Persister:BatchSize", "0", "redis")]
    [InlineData("Coupons:WarmUp:LeadTime", "8.00:00:00", "redis")]
    [InlineData("Coupons:WarmUp:Interval", "00:00:00", "redis")]
    [InlineData("Coupons:WarmUp:MaxCampaigns", "0", "redis")]
    [InlineData("Coupons:WarmUp:ReadyWithin", "-00:00:01", "redis")]
    public void A_bad_value_exits_2_naming_its_key(string key, string value, string? store)
    {
        var (exit, output, error) = Run([$"--{key}={value}", .. store is null ? Array.Empty<string>() : [$"--Coupons:Store={store}"]]);

        Assert.True(exit == 2, $"exit {exit}\n{output}\n{error}");
        var problems = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("invalid setting: ", StringComparison.Ordinal)).ToList();
        Assert.True(problems.Count == 1, error);
        Assert.Contains(key, problems[0], StringComparison.Ordinal);
        if (key.Contains("Key", StringComparison.Ordinal))
        {
            Assert.DoesNotContain(value, output + error, StringComparison.Ordinal);
        }

        Assert.False(Path.Exists(_dataDir), "check-config created the data folder");
    }

    [Fact]
    public void Every_problem_is_a_line_of_its_own()
    {
        var (exit, _, error) = Run("--Coupons:Metrics:StockCampaigns=-1", "--Coupons:Protection:Ip:Limit=-1", "--Coupons:Auth:TokenCacheSize=-1", "--Coupons:Tls:HstsMaxAge=abc");

        Assert.Equal(2, exit);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.StartsWith("invalid setting: ", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Coupons:Tls:HstsMaxAge", StringComparison.Ordinal));
    }

    [Fact]
    public void Existing_key_files_are_read_and_left_as_they_are()
    {
        Directory.CreateDirectory(_dataDir);
        var signingKey = Path.Combine(_dataDir, SigningKey.FileName);
        File.WriteAllText(signingKey, "an-existing-signing-key-0123456789abcdef-0123");
        var lookupKey = Path.Combine(_dataDir, "code-lookup-key");
        File.WriteAllText(lookupKey, "truncated");

        var (exit, output, error) = Run();

        Assert.Equal(2, exit);
        Assert.Contains($"the service uses key {SigningKey.Read(signingKey).Key.KeyId} from {signingKey}", output, StringComparison.Ordinal);
        Assert.Contains($"invalid setting: the key in {lookupKey} is not the base64", error, StringComparison.Ordinal);
        Assert.Equal(["code-lookup-key", SigningKey.FileName], Directory.GetFiles(_dataDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("truncated", File.ReadAllText(lookupKey));
    }

    [Fact]
    public void A_key_no_setting_has_is_a_warning()
    {
        var (exit, _, error) = Run("--Coupons:Metrics:StockCampaign=5");

        Assert.Equal(0, exit);
        Assert.Contains("warning: Coupons:Metrics:StockCampaign is not a setting of this service", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("redis")]
    public void Every_options_class_the_service_validates_is_a_section_checked_and_shown(string store)
    {
        var builder = ServiceSetup.CreateBuilder([$"--Coupons:Store={store}", $"--Coupons:Embedded:DataDir={_dataDir}"]);
        builder.AddCouponsService();
        var validated = builder.Services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IValidateOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(t => t.Namespace?.StartsWith("Coupons", StringComparison.Ordinal) == true)
            .ToHashSet();

        Assert.Equal(validated.OrderBy(t => t.Name), SettingsCheck.Sections(builder.Configuration).Select(s => s.OptionsType).OrderBy(t => t.Name));
    }

    [Fact]
    public async Task The_command_runs_as_the_service_and_creates_nothing()
    {
        var (valid, output, _) = await RunProcessAsync(["check-config", $"--Coupons:Embedded:DataDir={_dataDir}"]);
        Assert.Equal(0, valid);
        Assert.Contains("# every setting is valid", output, StringComparison.Ordinal);

        var (invalid, _, error) = await RunProcessAsync(["check-config", $"--Coupons:Embedded:DataDir={_dataDir}", "--Coupons:Redis:MaxBuckets=0", "--Coupons:Store=redis"]);
        Assert.Equal(2, invalid);
        Assert.Contains("invalid setting: Coupons:Redis:MaxBuckets must be at least 1", error, StringComparison.Ordinal);
        Assert.False(Path.Exists(_dataDir));
    }

    [Fact]
    public async Task The_service_refuses_to_start_on_a_bad_value_before_it_creates_anything()
    {
        var (exit, _, error) = await RunProcessAsync(
            ["--urls", "http://127.0.0.1:0", $"--Coupons:Embedded:DataDir={_dataDir}", "--Coupons:Metrics:StockCampaigns=5000", "--Coupons:Protection:ExemptRoles=root"]);

        Assert.Equal(2, exit);
        Assert.Contains("invalid setting: Coupons:Metrics:StockCampaigns must be between 0 and 1000", error, StringComparison.Ordinal);
        Assert.Contains("invalid setting: Coupons:Protection:ExemptRoles: 'root' is not a role", error, StringComparison.Ordinal);
        Assert.False(Path.Exists(_dataDir), "the refused start created the data folder");
    }

    [Fact]
    public void A_host_of_the_service_refuses_a_bad_value_too()
    {
        using var factory = new BadSettingFactory();
        var failure = Assert.Throws<InvalidSettingsException>(() => factory.CreateClient());
        Assert.Equal(["Coupons:Metrics:StockInterval must be between 1 s and an hour"], failure.Problems);
        Assert.False(Path.Exists(Path.Combine(factory.DataDir, SigningKey.FileName)), "the refused start created a signing key");
    }

    private (int Exit, string Output, string Error) Run(params string[] settings)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = CheckConfigCommand.Run([$"--Coupons:Embedded:DataDir={_dataDir}", .. settings], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>The service's own assembly run by the dotnet host, only the command line configuring it.</summary>
    private static async Task<(int Exit, string Output, string Error)> RunProcessAsync(string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Coupons.Api.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("Coupons__", StringComparison.OrdinalIgnoreCase) || k == "ASPNETCORE_URLS").ToList())
        {
            info.Environment.Remove(name);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("the service did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output, await error);
    }

    private sealed class BadSettingFactory : CouponsApiFactory
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [("Coupons:Metrics:StockInterval", "00:00:00")];
    }
}
