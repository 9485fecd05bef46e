using System.Collections.Concurrent;
using System.Security.Cryptography;
using Coupons.Api.Codes;
using Coupons.Api.Tests.Infrastructure;
using Coupons.Core;
using Coupons.Core.Codes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Coupons.Api.Tests;

/// <summary>
/// The code keys as the service resolves them (<see cref="CodeKeys"/>): created once in the data
/// folder and reused, configured ones first, rotation, and failures that say which setting is wrong
/// without showing a key.
/// </summary>
public sealed class CodeKeysTests : IDisposable
{
    private const string Code = "SUMMERK7QMX4TR9HWZ";
    private static readonly Guid Owner = Guid.CreateVersion7();
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string LookupKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "coupons-code-keys-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public void Without_configured_keys_they_are_created_once_in_the_data_dir_and_reused_after_a_restart()
    {
        var first = Resolve();
        Assert.True(first.Encryption.Created);
        Assert.True(first.Lookup.Created);
        Assert.Equal(Path.Combine(_dataDir, CodeKeys.EncryptionKeyFile), first.Encryption.Source);
        Assert.Equal(Path.Combine(_dataDir, CodeKeys.LookupKeyFile), first.Lookup.Source);
        Assert.NotEqual(first.Encryption.Id, first.Lookup.Id);
        foreach (var file in new[] { CodeKeys.EncryptionKeyFile, CodeKeys.LookupKeyFile })
        {
            var path = Path.Combine(_dataDir, file);
            Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(path)).Length);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }

        Assert.Equal([CodeKeys.EncryptionKeyFile, CodeKeys.LookupKeyFile], Directory.GetFiles(_dataDir).Select(Path.GetFileName).Order());

        var again = Resolve();
        Assert.False(again.Encryption.Created);
        Assert.False(again.Lookup.Created);
        Assert.Equal(first.Encryption.Id, again.Encryption.Id);
        Assert.Equal(first.Lookup.Id, again.Lookup.Id);

        using var before = first.CreateProtector();
        using var after = again.CreateProtector();
        Assert.Equal(Code, after.Unprotect(before.Protect(Code, Owner), Owner));
        Assert.Equal(before.LookupHash(Code), after.LookupHash(Code));
    }

    [Fact]
    public void Starts_racing_on_an_empty_data_dir_all_end_with_the_same_keys()
    {
        var keys = new ConcurrentBag<CodeKeys>();
        Parallel.For(0, 8, _ => keys.Add(Resolve()));
        Assert.Single(keys.Select(k => k.Encryption.Id).Distinct());
        Assert.Single(keys.Select(k => k.Lookup.Id).Distinct());
        Assert.Single(keys, k => k.Encryption.Created);
        Assert.DoesNotContain(Directory.GetFiles(_dataDir), f => f.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void Configured_keys_win_over_created_ones()
    {
        var created = Resolve();
        var configured = Resolve(("EncryptionKey", KeyA), ("LookupKey", LookupKey));
        Assert.Equal(CodeProtector.KeyIdOf(Convert.FromBase64String(KeyA)), configured.Encryption.Id);
        Assert.Equal(CodeProtector.KeyIdOf(Convert.FromBase64String(LookupKey)), configured.Lookup.Id);
        Assert.NotEqual(created.Encryption.Id, configured.Encryption.Id);
        Assert.Equal("configuration key Coupons:Codes:EncryptionKey", configured.Encryption.Source);
        Assert.Equal("configuration key Coupons:Codes:LookupKey", configured.Lookup.Source);
        Assert.False(configured.Encryption.Created);
    }

    [Fact]
    public void After_rotation_codes_of_the_old_key_decrypt_while_it_is_listed_and_fail_loudly_once_it_is_not()
    {
        byte[] stored;
        using (var old = Resolve(("EncryptionKey", KeyA), ("LookupKey", LookupKey)).CreateProtector())
        {
            stored = old.Protect(Code, Owner);
        }

        var rotated = Resolve(("EncryptionKey", KeyB), ("DecryptionKeys:retiring", KeyA), ("LookupKey", LookupKey));
        Assert.Equal([CodeProtector.KeyIdOf(Convert.FromBase64String(KeyA))], rotated.Decryption.Select(k => k.Id));
        using (var protector = rotated.CreateProtector())
        {
            Assert.Equal(Code, protector.Unprotect(stored, Owner));
            Assert.Equal(rotated.Encryption.Id, CodeProtector.StoredKeyId(protector.Protect(Code, Owner)));
        }

        using var forgot = Resolve(("EncryptionKey", KeyB), ("LookupKey", LookupKey)).CreateProtector();
        var error = Assert.Throws<CodeKeyNotFoundException>(() => forgot.Unprotect(stored, Owner));
        Assert.Equal(CodeProtector.KeyIdOf(Convert.FromBase64String(KeyA)), error.KeyId);
    }

    [Fact]
    public void A_lost_key_file_means_a_new_key_under_which_old_codes_fail_loudly()
    {
        var first = Resolve();
        using var before = first.CreateProtector();
        var stored = before.Protect(Code, Owner);
        File.Delete(Path.Combine(_dataDir, CodeKeys.EncryptionKeyFile));

        using var after = Resolve().CreateProtector();
        Assert.Throws<CodeKeyNotFoundException>(() => after.Unprotect(stored, Owner));
    }

    [Theory]
    [InlineData("EncryptionKey", "not base64 at all!")]
    [InlineData("EncryptionKey", "c2hvcnQ=")] // 5 bytes
    [InlineData("LookupKey", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // 64 bytes
    [InlineData("DecryptionKeys:retired", "dG9vIHNob3J0IGFuZCBzZWNyZXQ=")]
    public void A_bad_key_stops_the_start_naming_its_setting_and_not_its_value(string setting, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Resolve((setting, value)));
        Assert.Contains($"Coupons:Codes:{setting}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_lookup_key_must_be_its_own()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Resolve(("EncryptionKey", KeyA), ("LookupKey", KeyA)));
        Assert.Contains("Coupons:Codes:LookupKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyA, error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Resolve(("EncryptionKey", KeyA), ("DecryptionKeys:0", KeyB), ("LookupKey", KeyB)));
    }

    [Fact]
    public void A_data_dir_that_cannot_be_used_makes_the_keys_unavailable_not_the_settings_wrong()
    {
        // A file where the data folder should be, as the storage failure tests do.
        File.WriteAllText(_dataDir, "not a folder");
        try
        {
            var options = CodesOptions.From(Configuration(("LookupKey", LookupKey)));
            CodeKeys.CheckSettings(options);
            Assert.Throws<StorageUnavailableException>(() => CodeKeys.Resolve(options));
        }
        finally
        {
            File.Delete(_dataDir);
        }
    }

    [Fact]
    public void Settings_are_checked_without_the_data_dir()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CodeKeys.CheckSettings(CodesOptions.From(Configuration(("LookupKey", "c2hvcnQ=")))));
        Assert.Contains("Coupons:Codes:LookupKey", error.Message, StringComparison.Ordinal);
        Assert.False(Path.Exists(_dataDir));
    }

    [Fact]
    public void A_damaged_key_file_stops_the_start_naming_the_file()
    {
        Directory.CreateDirectory(_dataDir);
        var path = Path.Combine(_dataDir, CodeKeys.LookupKeyFile);
        File.WriteAllText(path, "truncated");
        var error = Assert.Throws<InvalidOperationException>(() => Resolve());
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private CodeKeys Resolve(params (string Setting, string Value)[] settings) => CodeKeys.Resolve(Configuration(settings));

    private IConfiguration Configuration(params (string Setting, string Value)[] settings)
    {
        var values = new Dictionary<string, string?> { ["Coupons:Embedded:DataDir"] = _dataDir };
        foreach (var (setting, value) in settings)
        {
            values[$"Coupons:Codes:{setting}"] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }
}

/// <summary>The service with a configured encryption key and one for reading, and no lookup key (so it creates one); every log line is kept.</summary>
public sealed class CodeKeysFactory : CouponsApiFactory
{
    public static readonly string EncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    public static readonly string RetiringKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public ConcurrentQueue<string> Logged { get; } = new();

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Coupons:Codes:EncryptionKey", EncryptionKey),
        ("Coupons:Codes:DecryptionKeys:0", RetiringKey),
        ("Logging:LogLevel:Default", "Trace"),
    ];

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(new KeepingLoggerProvider(Logged)));
}

public sealed class CodeKeysServiceTests(CodeKeysFactory factory) : IClassFixture<CodeKeysFactory>
{
    [Fact]
    public void The_service_has_one_protector_on_its_keys()
    {
        var protector = factory.Services.GetRequiredService<CodeProtector>();
        Assert.Same(protector, factory.Services.GetRequiredService<CodeProtector>());
        var keys = factory.Services.GetRequiredService<CodeKeys>();
        Assert.Equal(CodeProtector.KeyIdOf(Convert.FromBase64String(CodeKeysFactory.EncryptionKey)), protector.EncryptionKeyId);
        Assert.Equal([keys.Encryption.Id, keys.Decryption[0].Id], protector.DecryptionKeyIds);
        Assert.Equal(keys.Lookup.Id, protector.LookupKeyId);
        Assert.True(keys.Lookup.Created);
        var owner = Guid.CreateVersion7();
        Assert.Equal("K7QMX4TR9HWQ", protector.UnprotectText(protector.ProtectToText("K7QMX4TR9HWQ", owner), owner));
    }

    [Fact]
    public void The_log_says_where_each_key_came_from_and_shows_no_key()
    {
        _ = factory.Services;
        var logged = string.Join("\n", factory.Logged);
        var keys = factory.Services.GetRequiredService<CodeKeys>();
        var createdLookupKey = File.ReadAllText(Path.Combine(factory.DataDir, CodeKeys.LookupKeyFile)).Trim();

        Assert.Contains($"created code key {keys.Lookup.Id} in {keys.Lookup.Source}", logged, StringComparison.Ordinal);
        Assert.Contains($"Code key EncryptionKey {keys.Encryption.Id} from configuration key Coupons:Codes:EncryptionKey", logged, StringComparison.Ordinal);
        Assert.Contains($"Also decrypting codes with keys {keys.Decryption[0].Id}", logged, StringComparison.Ordinal);
        foreach (var secret in new[] { CodeKeysFactory.EncryptionKey, CodeKeysFactory.RetiringKey, createdLookupKey })
        {
            var bytes = Convert.FromBase64String(secret);
            Assert.DoesNotContain(secret, logged, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(bytes), logged, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(System.Buffers.Text.Base64Url.EncodeToString(bytes), logged, StringComparison.Ordinal);
        }
    }
}
