using System.Security.Cryptography;
using System.Text;
using Coupons.Core;
using Coupons.Core.Codes;

namespace Coupons.Api.Codes;

/// <summary>One key that protects codes: its bytes, its public id and where it came from.</summary>
/// <param name="Source">The configuration key's name, or the file's path.</param>
/// <param name="Created">True when this start created the key's file.</param>
public sealed record CodeKey(string Id, string Source, bool Created)
{
    internal byte[] Bytes { get; init; } = [];
}

/// <summary>
/// The keys of <see cref="CodeProtector"/>, resolved at start as the signing key is
/// (<see cref="Auth.SigningKey"/>): <c>Coupons:Codes:EncryptionKey</c> and <c>Coupons:Codes:LookupKey</c>
/// when configured, otherwise a key created once in the data folder (<see cref="EncryptionKeyFile"/>,
/// <see cref="LookupKeyFile"/>, readable by the service's user only) and read from there on every
/// later start; <c>Coupons:Codes:DecryptionKeys</c> for rotation. A key is never logged or put in
/// an error message: only its id (the first bytes of its SHA-256, <see cref="CodeProtector.KeyIdOf"/>)
/// and where it came from.
/// </summary>
public sealed class CodeKeys
{
    public const string EncryptionKeyFile = "code-encryption-key";
    public const string LookupKeyFile = "code-lookup-key";

    private CodeKeys(CodeKey encryption, IReadOnlyList<CodeKey> decryption, CodeKey lookup)
    {
        Encryption = encryption;
        Decryption = decryption;
        Lookup = lookup;
    }

    /// <summary>The key new codes are encrypted under.</summary>
    public CodeKey Encryption { get; }

    /// <summary>The other keys stored codes may be encrypted under (never the same as <see cref="Encryption"/>).</summary>
    public IReadOnlyList<CodeKey> Decryption { get; }

    /// <summary>The key of the lookup hash.</summary>
    public CodeKey Lookup { get; }

    public static CodeKeys Resolve(IConfiguration configuration) => Resolve(CodesOptions.From(configuration));

    /// <summary>
    /// The configured keys' problems, without touching the data folder: each names its setting
    /// (never its value). <see cref="CodesOptions"/> is validated with these at start.
    /// </summary>
    public static IReadOnlyList<string> Problems(CodesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.DecryptionKeys.Select(pair => (Value: (string?)pair.Value, Setting: $"DecryptionKeys:{pair.Key}"));
        if (!string.IsNullOrWhiteSpace(options.EncryptionKey))
        {
            settings = settings.Prepend((options.EncryptionKey, "EncryptionKey"));
        }

        var problems = new List<string>();
        var keys = new List<byte[]>();
        foreach (var (value, setting) in settings)
        {
            if (Decode(value) is { } bytes)
            {
                keys.Add(bytes);
            }
            else
            {
                problems.Add(NotAKey(setting));
            }
        }

        if (!string.IsNullOrWhiteSpace(options.LookupKey))
        {
            var lookup = Decode(options.LookupKey);
            if (lookup is null)
            {
                problems.Add(NotAKey("LookupKey"));
            }
            else if (keys.Any(k => CryptographicOperations.FixedTimeEquals(k, lookup)))
            {
                problems.Add(LookupKeyNotItsOwn().Message);
            }
        }

        return problems;
    }

    /// <summary>Checks the configured keys without touching the data folder: the first of <see cref="Problems"/> throws <see cref="InvalidOperationException"/>.</summary>
    public static void CheckSettings(CodesOptions options)
    {
        if (Problems(options) is [var first, ..])
        {
            throw new InvalidOperationException(first);
        }
    }

    /// <summary>The file a key is kept in when it is not configured (it may not exist yet).</summary>
    public static string FilePath(CodesOptions options, string fileName)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.GetFullPath(Path.Combine(options.DataDir, fileName));
    }

    /// <summary>
    /// The keys <paramref name="options"/> give or the data folder holds (creating what is missing).
    /// A bad setting throws as <see cref="CheckSettings"/> does; a data folder that cannot be read or
    /// written throws <see cref="StorageUnavailableException"/> (503 to a request that needs the keys,
    /// as the store's own data folder is); a damaged key file stops the start, naming the file.
    /// </summary>
    public static CodeKeys Resolve(CodesOptions options)
    {
        CheckSettings(options);
        var encryption = ConfiguredOrCreated(options.EncryptionKey, "EncryptionKey", options.DataDir, EncryptionKeyFile);
        var decryption = new List<CodeKey>();
        foreach (var (name, value) in options.DecryptionKeys)
        {
            var key = Configured(value, $"DecryptionKeys:{name}");
            if (!Same(key, encryption) && !decryption.Any(k => Same(k, key)))
            {
                decryption.Add(key);
            }
        }

        var lookup = ConfiguredOrCreated(options.LookupKey, "LookupKey", options.DataDir, LookupKeyFile);
        if (Same(lookup, encryption) || decryption.Any(k => Same(k, lookup)))
        {
            throw LookupKeyNotItsOwn();
        }

        return new CodeKeys(encryption, decryption, lookup);
    }

    /// <summary>A protector of codes under these keys, with the cryptographic random source for nonces.</summary>
    public CodeProtector CreateProtector() =>
        new(Encryption.Bytes, Decryption.Select(k => k.Bytes), Lookup.Bytes, SecureRandomBytes.Instance);

    private static InvalidOperationException LookupKeyNotItsOwn() =>
        new($"{CodesOptions.SectionName}:LookupKey must not be one of the encryption keys: give the lookup hash a key of its own");

    private static bool Same(CodeKey a, CodeKey b) => CryptographicOperations.FixedTimeEquals(a.Bytes, b.Bytes);

    private static CodeKey ConfiguredOrCreated(string? configured, string setting, string dataDir, string fileName) =>
        string.IsNullOrWhiteSpace(configured) ? ReadOrCreate(dataDir, fileName) : Configured(configured, setting);

    private static CodeKey Configured(string? value, string setting)
    {
        var bytes = Decode(value) ?? throw new InvalidOperationException(NotAKey(setting));
        return new CodeKey(CodeProtector.KeyIdOf(bytes), $"configuration key {CodesOptions.SectionName}:{setting}", false) { Bytes = bytes };
    }

    private static string NotAKey(string setting) =>
        $"{CodesOptions.SectionName}:{setting} must be the base64 of {CodeProtector.KeyBytes} random bytes (make one with: openssl rand -base64 {CodeProtector.KeyBytes})";

    private static CodeKey ReadOrCreate(string dataDir, string fileName)
    {
        var path = Path.GetFullPath(Path.Combine(dataDir, fileName));
        bool created;
        try
        {
            Directory.CreateDirectory(dataDir);
            created = !File.Exists(path) && TryCreate(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException("the code keys cannot be read or created in the data folder", e);
        }

        return Read(path) with { Created = created };
    }

    /// <summary>
    /// The key kept in <paramref name="path"/>; reads only. A file that cannot be read throws
    /// <see cref="StorageUnavailableException"/>, a damaged one <see cref="InvalidOperationException"/> naming it.
    /// </summary>
    public static CodeKey Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageUnavailableException("the code keys cannot be read or created in the data folder", e);
        }

        var bytes = Decode(text) ?? throw new InvalidOperationException(
            $"the key in {path} is not the base64 of {CodeProtector.KeyBytes} bytes; restore it from a backup (codes stored under it cannot be read without it)");
        return new CodeKey(CodeProtector.KeyIdOf(bytes), path, false) { Bytes = bytes };
    }

    /// <summary>
    /// Writes a new key to a file only the service's user can read and moves it into place, holding
    /// a lock file while it does: a crash leaves no half-written key, and when another start (a
    /// thread or a process) got there first, its key is the one used. False in that case.
    /// </summary>
    /// <remarks>
    /// <see cref="File.Move(string, string, bool)"/> without overwriting checks that the target is
    /// missing and then renames, so two starts racing could each put their own key in place, one
    /// after the other (seen in CI). The lock (<see cref="FileShare.None"/>: an exclusive advisory
    /// lock on Unix) makes "missing, then written" one step. The lock file is deleted once the key
    /// is in place: a start that still opens it then finds the key and writes nothing.
    /// </remarks>
    private static bool TryCreate(string path)
    {
        var lockPath = path + ".lock";
        using var held = Lock(lockPath);
        try
        {
            if (File.Exists(path))
            {
                return false;
            }

            var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
            var text = Convert.ToBase64String(RandomNumberGenerator.GetBytes(CodeProtector.KeyBytes));
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.ASCII.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: false);
            return true;
        }
        finally
        {
            File.Delete(lockPath);
        }
    }

    /// <summary>Opens the lock file exclusively, waiting (up to 30 s) while another start holds it.</summary>
    private static FileStream Lock(string lockPath)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 3_000)
            {
                Thread.Sleep(10);
            }
        }
    }

    private static byte[]? Decode(string? text)
    {
        Span<byte> bytes = stackalloc byte[CodeProtector.KeyBytes + 3];
        var key = Convert.TryFromBase64String(text?.Trim() ?? string.Empty, bytes, out var written) && written == CodeProtector.KeyBytes
            ? bytes[..written].ToArray()
            : null;
        CryptographicOperations.ZeroMemory(bytes);
        return key;
    }
}
