using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Coupons.Api.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Tests.Infrastructure;

/// <summary>
/// The whole service in memory: the embedded store in a fresh temporary folder, a fixed signing key,
/// the Production environment (so the answers are what a deployment gives). Ready once the store
/// has opened in the background.
/// </summary>
public class CouponsApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>48 characters: more than the 32 bytes HS256 needs.</summary>
    public const string SigningKeyText = "coupons-api-tests-signing-key-0123456789-abcdefg";

    public static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes(SigningKeyText));

    private int _disposeStarted;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "coupons-api-tests-" + Guid.NewGuid().ToString("N"));

    /// <summary>The host environment; Production unless a subclass says otherwise.</summary>
    protected virtual string EnvironmentName => "Production";

    /// <summary>A token this service accepts, valid from a minute ago for a year (long enough for any fake clock the tests advance).</summary>
    public static string Token(string subject, string? role = null) =>
        TokenIssuer.Issue(Key, subject, role, TimeSpan.FromDays(365), DateTimeOffset.UtcNow.AddMinutes(-1));

    /// <summary>
    /// A client whose every answer is held against the committed OpenAPI document
    /// (<see cref="Contract.ContractCheckingHandler"/>): an answer it does not describe fails the test.
    /// </summary>
    public new HttpClient CreateClient() => CreateDefaultClient(new Contract.ContractCheckingHandler());

    /// <summary>A client that sends a bearer token for <paramref name="subject"/> with <paramref name="role"/>.</summary>
    public HttpClient ClientFor(string subject, string? role = null) => ClientWithToken(Token(subject, role));

    public HttpClient ClientWithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Whether initialization waits for /health/ready; false for a service that is meant never to be ready.</summary>
    protected virtual bool WaitsForReady => true;

    /// <summary>Starts what the service needs before it starts (nothing for the embedded store).</summary>
    protected virtual Task StartDependenciesAsync() => Task.CompletedTask;

    /// <summary>Stops what <see cref="StartDependenciesAsync"/> started, once the service has stopped.</summary>
    protected virtual Task StopDependenciesAsync() => Task.CompletedTask;

    /// <summary>Settings beyond the data dir and the signing key.</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    public async Task InitializeAsync()
    {
        await StartDependenciesAsync();
        if (!WaitsForReady)
        {
            return;
        }

        var client = CreateClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the service did not become ready in 30 s (last answer {(int)response.StatusCode})");
            }

            await Task.Delay(20);
        }
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeStarted, 1) == 1)
        {
            return;
        }

        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            DeleteDataDir();
            await StopDependenciesAsync();
        }

        GC.SuppressFinalize(this);
    }

    private void DeleteDataDir()
    {
        try
        {
            if (Directory.Exists(DataDir))
            {
                Directory.Delete(DataDir, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind does no harm.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("Coupons:Embedded:DataDir", DataDir);
        builder.UseSetting("Coupons:Auth:SigningKey", SigningKeyText);
        // Tests reuse a few users for many requests; the limits have tests of their own
        // (ProtectedApiFactory), and the blocklist stays on everywhere.
        builder.UseSetting("Coupons:Protection:User:Limit", "0");
        builder.UseSetting("Coupons:Protection:Ip:Limit", "0");
        builder.UseSetting("Coupons:Protection:Device:Limit", "0");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(ConfigureServices);
    }

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }
}

/// <summary>The service in the Development environment, where the framework throws on bad requests instead of answering them.</summary>
public sealed class DevelopmentApiFactory : CouponsApiFactory
{
    protected override string EnvironmentName => "Development";
}

/// <summary>
/// The service on the Redis store (<c>Coupons:Store=redis</c>) with its PostgreSQL persister, on a
/// redis-server and a PostgreSQL (two shard databases) of its own on loopback.
/// </summary>
public class RedisApiFactory : CouponsApiFactory
{
    public Coupons.Conformance.RedisServer Redis { get; } = new();

    public Coupons.Conformance.PostgresServer Postgres { get; } = new("shard0", "shard1");

    public IReadOnlyList<string> Shards => [Postgres.ConnectionString("shard0"), Postgres.ConnectionString("shard1")];

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Coupons:Store", "redis"),
        ("Coupons:Redis:Configuration", Redis.Configuration),
        ("Coupons:Redis:Timeout", Coupons.Conformance.RedisServer.CallTimeoutSetting),
        ("Coupons:Redis:KeyPrefix", "api-tests:"),
        ("Coupons:Postgres:Shards:0", Shards[0]),
        ("Coupons:Postgres:Shards:1", Shards[1]),
    ];

    protected override Task StartDependenciesAsync() => Task.WhenAll(Redis.InitializeAsync(), Postgres.InitializeAsync());

    protected override Task StopDependenciesAsync() => Task.WhenAll(Redis.DisposeAsync(), Postgres.DisposeAsync());
}

/// <summary>The service on a fake clock, for lock lapses, validity windows and claim windows.</summary>
public sealed class FakeTimeApiFactory : CouponsApiFactory
{
    /// <summary>Starts at the real time (whole milliseconds), so tokens are valid; tests only move it forward.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Time);
}
