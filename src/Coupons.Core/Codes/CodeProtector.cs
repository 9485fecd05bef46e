using System.Security.Cryptography;

namespace Coupons.Core.Codes;

/// <summary>
/// Codes at rest: encrypted with AES-256-GCM under the current key, decrypted under any key it
/// knows (rotation), and found by a keyed hash. Pure given its keys; safe to share between threads.
/// </summary>
/// <remarks>
/// <para><b>Stored form</b> (<see cref="Protect(ReadOnlySpan{char}, Guid, Span{byte})"/>):
/// <c>version (1) ‖ key id (9) ‖ nonce (12) ‖ ciphertext (one byte per character) ‖ tag (16)</c>,
/// 38 bytes more than the code; base64 of the same bytes as text (<see cref="ProtectToText"/>). The
/// key id is the first 9 bytes of the key's SHA-256 (<see cref="KeyIdOf"/>; as text, the same
/// 12 characters the signing key's id has), so a stored value names the key that opens it.</para>
/// <para><b>Associated data</b>: the version, the key id and the owner's id (the campaign for a
/// campaign's generated codes, the coupon for a coupon's own code). A ciphertext copied to another
/// row, or a header byte changed, fails to decrypt instead of yielding someone else's code.</para>
/// <para><b>Nonces</b>: 12 random bytes per encryption, taken from a per-thread buffer of the
/// cryptographic generator (<see cref="BufferedRandomBytes"/>: one call for 4 KiB costs what one
/// call for 12 bytes does). NIST SP 800-38D bounds random nonces to 2³² encryptions per key; that
/// is over four thousand full generation jobs, so rotate the key before.</para>
/// <para><b>Lookup hash</b> (<see cref="LookupHash(ReadOnlySpan{char}, Span{byte})"/>): HMAC-SHA256
/// under the separate lookup key over the canonical code's ASCII bytes, the first 16 bytes kept.
/// 128 bits leave the chance of any two of a billion codes sharing a hash near 10⁻²¹ and halve the
/// index beside 32 bytes; without the key nobody can compute one, so truncation gives up nothing
/// against guessing. The lookup key cannot rotate without hashing every code again.</para>
/// </remarks>
public sealed class CodeProtector : IDisposable
{
    public const byte FormatVersion = 1;
    public const int KeyBytes = 32;
    public const int KeyIdBytes = 9;
    public const int NonceBytes = 12;
    public const int TagBytes = 16;
    public const int LookupHashBytes = 16;

    /// <summary>What the stored form adds to a code's length.</summary>
    public const int Overhead = HeaderBytes + NonceBytes + TagBytes;

    /// <summary>The longest code this protects (a whole code is at most <see cref="CouponCodes.MaxCodeLength"/>; a shared code at most <see cref="SharedCodes.MaxLength"/>).</summary>
    public const int MaxCodeChars = 64;

    private const int HeaderBytes = 1 + KeyIdBytes;
    private const int OwnerBytes = 16;

    private readonly ProtectionKey _current;
    private readonly ProtectionKey[] _readable;
    private readonly byte[] _lookupKey;
    private readonly InstancePool<IncrementalHash> _lookupHmacs;
    private readonly byte[] _derivationKey;
    private readonly InstancePool<IncrementalHash> _derivationHmacs;
    private readonly BufferedRandomBytes _nonces;

    /// <param name="encryptionKey">The key new values are encrypted under (32 bytes).</param>
    /// <param name="decryptionKeys">More keys values may have been encrypted under (older ones, or the next one announced early).</param>
    /// <param name="lookupKey">The HMAC key of lookup hashes (32 bytes), not one of the encryption keys.</param>
    /// <param name="nonces">Where nonces come from: <see cref="SecureRandomBytes"/> unless a test replays.</param>
    public CodeProtector(ReadOnlySpan<byte> encryptionKey, IEnumerable<byte[]> decryptionKeys, ReadOnlySpan<byte> lookupKey, IRandomBytes? nonces = null)
    {
        ArgumentNullException.ThrowIfNull(decryptionKeys);
        RequireKeyLength(encryptionKey, nameof(encryptionKey));
        RequireKeyLength(lookupKey, nameof(lookupKey));
        _current = new ProtectionKey(encryptionKey);
        var readable = new List<ProtectionKey> { _current };
        foreach (var key in decryptionKeys)
        {
            RequireKeyLength(key, nameof(decryptionKeys));
            if (!readable.Any(k => k.Matches(key)))
            {
                readable.Add(new ProtectionKey(key));
            }
        }

        _lookupKey = lookupKey.ToArray();
        if (readable.Any(k => k.Matches(_lookupKey)))
        {
            throw new ArgumentException("the lookup key must not be one of the encryption keys", nameof(lookupKey));
        }

        _readable = [.. readable];
        _lookupHmacs = new InstancePool<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _lookupKey));
        _derivationKey = HKDF.Expand(HashAlgorithmName.SHA256, _lookupKey, KeyBytes, "coupons/codes/derive"u8.ToArray());
        _derivationHmacs = new InstancePool<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _derivationKey));
        _nonces = new BufferedRandomBytes(nonces ?? SecureRandomBytes.Instance);
    }

    /// <summary>The id of the key new values are encrypted under.</summary>
    public string EncryptionKeyId => _current.IdText;

    /// <summary>The ids of every key values can be decrypted under, <see cref="EncryptionKeyId"/> first.</summary>
    public IReadOnlyList<string> DecryptionKeyIds => [.. _readable.Select(k => k.IdText)];

    /// <summary>The lookup key's id (its hash, as for the others), so logs can tell which hashes an index holds.</summary>
    public string LookupKeyId => KeyIdOf(_lookupKey);

    /// <summary>A key's public id: base64url of the first 9 bytes of its SHA-256 (12 characters).</summary>
    public static string KeyIdOf(ReadOnlySpan<byte> key)
    {
        Span<byte> id = stackalloc byte[KeyIdBytes];
        WriteKeyId(key, id);
        return System.Buffers.Text.Base64Url.EncodeToString(id);
    }

    /// <summary>The id of the key <paramref name="stored"/> was encrypted under, without decrypting it.</summary>
    public static string StoredKeyId(ReadOnlySpan<byte> stored)
    {
        RequireStoredForm(stored);
        return System.Buffers.Text.Base64Url.EncodeToString(stored.Slice(1, KeyIdBytes));
    }

    /// <summary>The stored form's length for a code of <paramref name="codeLength"/> characters.</summary>
    public static int ProtectedLength(int codeLength) => Overhead + codeLength;

    /// <summary>
    /// Encrypts <paramref name="code"/> (canonical, ASCII, 1 to <see cref="MaxCodeChars"/> characters)
    /// for <paramref name="owner"/> into <paramref name="destination"/>; returns the bytes written
    /// (<see cref="ProtectedLength"/>). Allocates nothing.
    /// </summary>
    public int Protect(ReadOnlySpan<char> code, Guid owner, Span<byte> destination)
    {
        var total = ProtectedLength(code.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, total, nameof(destination));
        Span<byte> plain = stackalloc byte[MaxCodeChars];
        plain = plain[..WriteAscii(code, plain)];

        destination[0] = FormatVersion;
        _current.Id.CopyTo(destination.Slice(1, KeyIdBytes));
        var nonce = destination.Slice(HeaderBytes, NonceBytes);
        _nonces.Fill(nonce);
        Span<byte> associated = stackalloc byte[HeaderBytes + OwnerBytes];
        WriteAssociatedData(destination[..HeaderBytes], owner, associated);

        var aes = _current.Ciphers.Rent();
        try
        {
            aes.Encrypt(nonce, plain, destination.Slice(HeaderBytes + NonceBytes, plain.Length), destination.Slice(HeaderBytes + NonceBytes + plain.Length, TagBytes), associated);
        }
        finally
        {
            _current.Ciphers.Return(aes);
            CryptographicOperations.ZeroMemory(plain);
        }

        return total;
    }

    /// <summary>The stored form of <paramref name="code"/> for <paramref name="owner"/>, as bytes (a SQLite BLOB).</summary>
    public byte[] Protect(string code, Guid owner)
    {
        ArgumentNullException.ThrowIfNull(code);
        var stored = new byte[ProtectedLength(code.Length)];
        Protect(code, owner, stored);
        return stored;
    }

    /// <summary>The stored form of <paramref name="code"/> for <paramref name="owner"/>, as base64 (Redis, PostgreSQL text).</summary>
    public string ProtectToText(string code, Guid owner)
    {
        ArgumentNullException.ThrowIfNull(code);
        Span<byte> stored = stackalloc byte[Overhead + MaxCodeChars];
        return Convert.ToBase64String(stored[..Protect(code, owner, stored)]);
    }

    /// <summary>
    /// The code <paramref name="stored"/> holds for <paramref name="owner"/>. Throws — never answers
    /// null — when the value is not a stored code (<see cref="CryptographicException"/>), names a key
    /// this protector was not given (<see cref="CodeKeyNotFoundException"/>), or does not authenticate:
    /// changed bytes or another owner's value (<see cref="AuthenticationTagMismatchException"/>).
    /// </summary>
    public string Unprotect(ReadOnlySpan<byte> stored, Guid owner)
    {
        Span<char> code = stackalloc char[MaxCodeChars];
        return new string(code[..Unprotect(stored, owner, code)]);
    }

    /// <summary><see cref="Unprotect(ReadOnlySpan{byte}, Guid)"/> into <paramref name="destination"/>; returns the code's length.</summary>
    public int Unprotect(ReadOnlySpan<byte> stored, Guid owner, Span<char> destination)
    {
        RequireStoredForm(stored);
        var key = Find(stored.Slice(1, KeyIdBytes));
        var length = stored.Length - Overhead;
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, length, nameof(destination));
        Span<byte> associated = stackalloc byte[HeaderBytes + OwnerBytes];
        WriteAssociatedData(stored[..HeaderBytes], owner, associated);
        Span<byte> plain = stackalloc byte[MaxCodeChars];
        plain = plain[..length];

        var aes = key.Ciphers.Rent();
        try
        {
            aes.Decrypt(stored.Slice(HeaderBytes, NonceBytes), stored.Slice(HeaderBytes + NonceBytes, length), stored[^TagBytes..], plain, associated);
            for (var i = 0; i < length; i++)
            {
                destination[i] = (char)plain[i];
            }
        }
        finally
        {
            key.Ciphers.Return(aes);
            CryptographicOperations.ZeroMemory(plain);
        }

        return length;
    }

    /// <summary><see cref="Unprotect(ReadOnlySpan{byte}, Guid)"/> of the base64 text form.</summary>
    public string UnprotectText(string stored, Guid owner)
    {
        ArgumentNullException.ThrowIfNull(stored);
        Span<byte> bytes = stackalloc byte[Overhead + MaxCodeChars];
        return Convert.TryFromBase64String(stored, bytes, out var written)
            ? Unprotect(bytes[..written], owner)
            : throw new CryptographicException("the value is not the base64 of a stored code");
    }

    /// <summary>
    /// The index key of <paramref name="code"/> (canonical): the first <see cref="LookupHashBytes"/>
    /// bytes of HMAC-SHA256 under the lookup key, written to <paramref name="destination"/>.
    /// Allocates nothing.
    /// </summary>
    public void LookupHash(ReadOnlySpan<char> code, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, LookupHashBytes, nameof(destination));
        Span<byte> ascii = stackalloc byte[MaxCodeChars];
        ascii = ascii[..WriteAscii(code, ascii)];
        Span<byte> hash = stackalloc byte[HMACSHA256.HashSizeInBytes];
        // A reused HMAC keeps its keyed state: a third of the cost of HMACSHA256.HashData on OpenSSL 3.
        var hmac = _lookupHmacs.Rent();
        try
        {
            hmac.AppendData(ascii);
            hmac.GetHashAndReset(hash);
        }
        finally
        {
            _lookupHmacs.Return(hmac);
        }

        hash[..LookupHashBytes].CopyTo(destination);
    }

    /// <summary>The lookup hash of <paramref name="code"/> as bytes (a SQLite BLOB).</summary>
    public byte[] LookupHash(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var hash = new byte[LookupHashBytes];
        LookupHash(code, hash);
        return hash;
    }

    /// <summary>The lookup hash of <paramref name="code"/> as base64 (24 characters: Redis keys, PostgreSQL text).</summary>
    public string LookupHashText(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        Span<byte> hash = stackalloc byte[LookupHashBytes];
        LookupHash(code, hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>The lookup hash of <paramref name="code"/> (canonical) as a <see cref="CodeHash"/>.</summary>
    public CodeHash HashOf(ReadOnlySpan<char> code)
    {
        Span<byte> hash = stackalloc byte[LookupHashBytes];
        LookupHash(code, hash);
        return CodeHash.Read(hash);
    }

    /// <summary>
    /// 32 pseudo-random bytes for <paramref name="context"/>: HMAC-SHA256 under a key derived from the
    /// lookup key (HKDF, its own label, so no derived value is ever a lookup hash). The same context
    /// always gives the same bytes, and without the key nobody can compute them: what a coupon's own
    /// code and a generation job's codes are made of (<see cref="CouponOwnCodes"/>, <see cref="CodeDerivation"/>).
    /// </summary>
    public void Derive(ReadOnlySpan<byte> context, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, HMACSHA256.HashSizeInBytes, nameof(destination));
        var hmac = _derivationHmacs.Rent();
        try
        {
            hmac.AppendData(context);
            hmac.GetHashAndReset(destination);
        }
        finally
        {
            _derivationHmacs.Return(hmac);
        }
    }

    public void Dispose()
    {
        foreach (var key in _readable)
        {
            key.Dispose();
        }

        _lookupHmacs.Dispose();
        _derivationHmacs.Dispose();
        _nonces.Dispose();
        CryptographicOperations.ZeroMemory(_lookupKey);
        CryptographicOperations.ZeroMemory(_derivationKey);
    }

    internal static void WriteKeyId(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key, hash);
        hash[..KeyIdBytes].CopyTo(destination);
    }

    private static void RequireKeyLength(ReadOnlySpan<byte> key, string name)
    {
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException($"a code key is {KeyBytes} bytes, not {key.Length}", name);
        }
    }

    private static void RequireStoredForm(ReadOnlySpan<byte> stored)
    {
        if (stored.Length <= Overhead || stored.Length > Overhead + MaxCodeChars || stored[0] != FormatVersion)
        {
            throw new CryptographicException($"the value is not a stored code of format {FormatVersion} ({stored.Length} bytes)");
        }
    }

    /// <summary>The code's ASCII bytes; a code is ASCII, so anything else is a caller's bug, not something to map to '?'.</summary>
    private static int WriteAscii(ReadOnlySpan<char> code, Span<byte> destination)
    {
        if (code.IsEmpty || code.Length > MaxCodeChars || !System.Text.Ascii.IsValid(code))
        {
            throw new ArgumentException($"a code is 1 to {MaxCodeChars} ASCII characters", nameof(code));
        }

        for (var i = 0; i < code.Length; i++)
        {
            destination[i] = (byte)code[i];
        }

        return code.Length;
    }

    private static void WriteAssociatedData(ReadOnlySpan<byte> header, Guid owner, Span<byte> destination)
    {
        header.CopyTo(destination);
        var written = owner.TryWriteBytes(destination[HeaderBytes..], bigEndian: true, out _);
        System.Diagnostics.Debug.Assert(written, "16 bytes of room for the owner");
    }

    private ProtectionKey Find(ReadOnlySpan<byte> id)
    {
        foreach (var key in _readable)
        {
            if (id.SequenceEqual(key.Id))
            {
                return key;
            }
        }

        throw new CodeKeyNotFoundException(System.Buffers.Text.Base64Url.EncodeToString(id));
    }
}

/// <summary>A stored code names a key (by id) that the service was not given: list it in the decryption keys.</summary>
public sealed class CodeKeyNotFoundException(string keyId)
    : CryptographicException($"the stored code was encrypted under key {keyId}, which is not among the configured code keys (encryption key and decryption keys)")
{
    public string KeyId { get; } = keyId;
}
