using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Auth;

/// <summary>
/// The HS256 key tokens are signed with: <c>Coupons:Auth:SigningKey</c> when configured, otherwise a
/// random key created once in the data dir so a newcomer can try the service at once. Tokens signed
/// with any of <c>Coupons:Auth:ValidationKeys</c> are accepted too, so keys can be rotated without a
/// moment when good tokens are refused. A key is never logged: only where it came from and its id
/// (the first bytes of its SHA-256, which tokens carry as <c>kid</c>).
/// </summary>
public sealed class SigningKey
{
    public const string Issuer = "coupons";
    public const string Audience = "coupons";
    public const string FileName = "signing-key";

    /// <summary>HS256 needs at least 256 bits of key.</summary>
    public const int MinBytes = 32;

    private SigningKey(SymmetricSecurityKey key, string source, bool created)
    {
        Key = key;
        Key.KeyId = IdOf(key.Key);
        Source = source;
        Created = created;
    }

    /// <summary>The key tokens are signed with; its <see cref="SecurityKey.KeyId"/> is set.</summary>
    public SymmetricSecurityKey Key { get; }

    /// <summary>Older (or newer) keys accepted for validation beside <see cref="Key"/>, each with its id.</summary>
    public IReadOnlyList<SymmetricSecurityKey> ValidationKeys { get; private init; } = [];

    /// <summary>Every key a token may be signed with: <see cref="Key"/> first.</summary>
    public IEnumerable<SecurityKey> AcceptedKeys => [Key, .. ValidationKeys];

    /// <summary>A key's public id: 12 characters of base64url of its SHA-256, telling keys apart in logs and token headers without revealing them.</summary>
    public static string IdOf(byte[] key) => Base64UrlEncoder.Encode(SHA256.HashData(key))[..12];

    /// <summary>Where the key came from: the configuration key name or the file path.</summary>
    public string Source { get; }

    /// <summary>True when this start created the key file.</summary>
    public bool Created { get; }

    public static SigningKey Resolve(IConfiguration configuration) => Resolve(AuthOptions.From(configuration));

    /// <summary>
    /// The configured keys' problems, without touching the data folder: each names its setting,
    /// never its value. <see cref="AuthOptions"/> is validated with these at start.
    /// </summary>
    public static IEnumerable<string> Problems(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.SigningKey) && Encoding.UTF8.GetByteCount(options.SigningKey) < MinBytes)
        {
            yield return $"{AuthOptions.SectionName}:SigningKey must be at least {MinBytes} bytes long";
        }

        foreach (var (name, value) in options.ValidationKeys)
        {
            if (Encoding.UTF8.GetByteCount(value ?? string.Empty) < MinBytes)
            {
                yield return $"{AuthOptions.SectionName}:ValidationKeys:{name} must be at least {MinBytes} bytes long";
            }
        }
    }

    /// <summary>The file a key is kept in when none is configured (it may not exist yet).</summary>
    public static string FilePath(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Path.GetFullPath(Path.Combine(options.DataDir, FileName));
    }

    /// <summary>
    /// The key <paramref name="options"/> give, or the one in the data folder, created there when
    /// missing (the only step that writes). A bad setting or a short key file throws.
    /// </summary>
    public static SigningKey Resolve(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Problems(options).FirstOrDefault() is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        var signing = string.IsNullOrEmpty(options.SigningKey)
            ? ReadOrCreate(options)
            : new SigningKey(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey)), $"configuration key {AuthOptions.SectionName}:SigningKey", false);
        var validation = new List<SymmetricSecurityKey>();
        foreach (var bytes in options.ValidationKeys.Values.Select(value => Encoding.UTF8.GetBytes(value ?? string.Empty)))
        {
            if (!bytes.AsSpan().SequenceEqual(signing.Key.Key) && !validation.Any(k => k.Key.AsSpan().SequenceEqual(bytes)))
            {
                validation.Add(new SymmetricSecurityKey(bytes) { KeyId = IdOf(bytes) });
            }
        }

        return new SigningKey(signing.Key, signing.Source, signing.Created) { ValidationKeys = validation };
    }

    /// <summary>The key kept in <paramref name="path"/>, checked; reads only.</summary>
    public static SigningKey Read(string path)
    {
        var key = File.ReadAllText(path).Trim();
        if (Encoding.UTF8.GetByteCount(key) < MinBytes)
        {
            throw new InvalidOperationException($"the signing key in {path} is shorter than {MinBytes} bytes");
        }

        return new SigningKey(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), path, false);
    }

    private static SigningKey ReadOrCreate(AuthOptions options)
    {
        Directory.CreateDirectory(options.DataDir);
        var path = FilePath(options);
        var created = false;
        if (!File.Exists(path))
        {
            var text = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(48));
            try
            {
                using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
                created = true;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process (the token command, a second start) created it first: use theirs.
            }
        }

        var key = Read(path);
        return new SigningKey(key.Key, path, created);
    }
}
