using System.Security.Cryptography;
using System.Text;
using Coupons.Core.Codes;

namespace Coupons.Core.Tests;

public sealed class CodeProtectorTests
{
    private const string Code = "SUMMERK7QMX4TR9HWZ";
    private static readonly byte[] KeyA = Key(1);
    private static readonly byte[] KeyB = Key(2);
    private static readonly byte[] LookupKey = Key(3);
    private static readonly Guid Campaign = Guid.Parse("0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    private static readonly Guid OtherCampaign = Guid.Parse("0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c");

    [Fact]
    public void A_code_round_trips_as_bytes_and_as_text()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var stored = protector.Protect(Code, Campaign);
        Assert.Equal(Code.Length + CodeProtector.Overhead, stored.Length);
        Assert.Equal(CodeProtector.ProtectedLength(Code.Length), stored.Length);
        Assert.Equal(Code, protector.Unprotect(stored, Campaign));

        var text = protector.ProtectToText(Code, Campaign);
        Assert.Equal(Code, protector.UnprotectText(text, Campaign));
        Assert.Equal(stored.Length, Convert.FromBase64String(text).Length);
    }

    [Fact]
    public void The_stored_form_names_its_key_and_shows_nothing_of_the_code()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var stored = protector.Protect(Code, Campaign);
        Assert.Equal(CodeProtector.FormatVersion, stored[0]);
        Assert.Equal(CodeProtector.KeyIdOf(KeyA), CodeProtector.StoredKeyId(stored));
        Assert.Equal(protector.EncryptionKeyId, CodeProtector.StoredKeyId(stored));
        foreach (var form in new[] { stored, Encoding.ASCII.GetBytes(Convert.ToBase64String(stored)) })
        {
            Assert.Equal(-1, form.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Code[6..])));
            Assert.Equal(-1, form.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Code[..6])));
        }

        Assert.DoesNotContain(Code, protector.ProtectToText(Code, Campaign), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Each_encryption_takes_a_new_nonce()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var values = Enumerable.Range(0, 100).Select(_ => protector.ProtectToText(Code, Campaign)).ToHashSet();
        Assert.Equal(100, values.Count);
    }

    [Fact]
    public void Seeded_nonces_give_the_same_bytes_again()
    {
        using var first = new CodeProtector(KeyA, [], LookupKey, new SeededRandomBytes(7));
        using var again = new CodeProtector(KeyA, [], LookupKey, new SeededRandomBytes(7));
        Assert.Equal(first.Protect(Code, Campaign), again.Protect(Code, Campaign));
    }

    [Fact]
    public void A_value_moved_to_another_owner_does_not_decrypt()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var stored = protector.Protect(Code, Campaign);
        Assert.Throws<AuthenticationTagMismatchException>(() => protector.Unprotect(stored, OtherCampaign));
    }

    [Fact]
    public void A_change_to_any_byte_fails_loudly()
    {
        using var protector = new CodeProtector(KeyA, [KeyB], LookupKey);
        var stored = protector.Protect(Code, Campaign);
        for (var i = 0; i < stored.Length; i++)
        {
            var altered = (byte[])stored.Clone();
            altered[i] ^= 0x01;
            Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(altered, Campaign));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(CodeProtector.Overhead)]
    [InlineData(CodeProtector.Overhead + CodeProtector.MaxCodeChars + 1)]
    public void Bytes_of_the_wrong_size_are_not_a_stored_code(int length)
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        var bytes = new byte[length];
        if (length > 0)
        {
            bytes[0] = CodeProtector.FormatVersion;
        }

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(bytes, Campaign));
        Assert.Throws<CryptographicException>(() => protector.UnprotectText("not base64!", Campaign));
    }

    [Fact]
    public void After_rotation_values_of_the_old_key_still_decrypt_when_it_is_listed()
    {
        byte[] oldValue;
        using (var before = new CodeProtector(KeyA, [], LookupKey))
        {
            oldValue = before.Protect(Code, Campaign);
        }

        using var rotated = new CodeProtector(KeyB, [KeyA], LookupKey);
        Assert.Equal(Code, rotated.Unprotect(oldValue, Campaign));
        var newValue = rotated.Protect(Code, Campaign);
        Assert.Equal(CodeProtector.KeyIdOf(KeyB), CodeProtector.StoredKeyId(newValue));
        Assert.Equal([CodeProtector.KeyIdOf(KeyB), CodeProtector.KeyIdOf(KeyA)], rotated.DecryptionKeyIds);
    }

    [Fact]
    public void A_value_of_a_key_not_given_fails_naming_that_key()
    {
        using var before = new CodeProtector(KeyA, [], LookupKey);
        var oldValue = before.Protect(Code, Campaign);
        using var forgot = new CodeProtector(KeyB, [], LookupKey);
        var error = Assert.Throws<CodeKeyNotFoundException>(() => forgot.Unprotect(oldValue, Campaign));
        Assert.Equal(CodeProtector.KeyIdOf(KeyA), error.KeyId);
        Assert.Contains(CodeProtector.KeyIdOf(KeyA), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Code, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_opened_with_the_wrong_key_fails_loudly()
    {
        using var protector = new CodeProtector(KeyA, [KeyB], LookupKey);
        var stored = protector.Protect(Code, Campaign);

        // The same bytes claiming to be under key B: B is known, so it is tried, and it does not authenticate.
        var relabelled = (byte[])stored.Clone();
        Convert.FromBase64String(CodeProtector.KeyIdOf(KeyB).Replace('-', '+').Replace('_', '/')).CopyTo(relabelled, 1);
        Assert.Equal(CodeProtector.KeyIdOf(KeyB), CodeProtector.StoredKeyId(relabelled));
        Assert.Throws<AuthenticationTagMismatchException>(() => protector.Unprotect(relabelled, Campaign));
    }

    [Fact]
    public void The_lookup_hash_is_truncated_hmac_sha256_of_the_code_under_the_lookup_key()
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        using var hmac = new HMACSHA256(LookupKey);
        var expected = hmac.ComputeHash(Encoding.ASCII.GetBytes(Code))[..CodeProtector.LookupHashBytes];
        Assert.Equal(expected, protector.LookupHash(Code));
        Assert.Equal(Convert.ToBase64String(expected), protector.LookupHashText(Code));

        // The encryption keys play no part; the lookup key does.
        using var rotated = new CodeProtector(KeyB, [KeyA], LookupKey);
        Assert.Equal(expected, rotated.LookupHash(Code));
        using var otherLookup = new CodeProtector(KeyA, [], KeyB);
        Assert.NotEqual(expected, otherLookup.LookupHash(Code));
        Assert.NotEqual(expected, protector.LookupHash(Code[..^1] + "2"));
    }

    [Fact]
    public void Key_ids_are_the_signing_keys_kind_of_id()
    {
        // 12 characters of base64url of the key's SHA-256, as SigningKey.IdOf gives.
        var expected = Convert.ToBase64String(SHA256.HashData(KeyA)).Replace('+', '-').Replace('/', '_')[..12];
        Assert.Equal(expected, CodeProtector.KeyIdOf(KeyA));
        using var protector = new CodeProtector(KeyA, [KeyA, KeyB, KeyB], LookupKey);
        Assert.Equal([CodeProtector.KeyIdOf(KeyA), CodeProtector.KeyIdOf(KeyB)], protector.DecryptionKeyIds);
        Assert.Equal(CodeProtector.KeyIdOf(LookupKey), protector.LookupKeyId);
    }

    [Fact]
    public void Keys_of_the_wrong_size_or_a_lookup_key_that_encrypts_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new CodeProtector(KeyA[..16], [], LookupKey));
        Assert.Throws<ArgumentException>(() => new CodeProtector(KeyA, [new byte[31]], LookupKey));
        Assert.Throws<ArgumentException>(() => new CodeProtector(KeyA, [], new byte[64]));
        Assert.Throws<ArgumentException>(() => new CodeProtector(KeyA, [], KeyA));
        Assert.Throws<ArgumentException>(() => new CodeProtector(KeyA, [LookupKey], LookupKey));
    }

    [Theory]
    [InlineData("")]
    [InlineData("CAFÉ1234")]
    public void A_code_that_is_not_ascii_is_a_caller_bug(string code)
    {
        using var protector = new CodeProtector(KeyA, [], LookupKey);
        Assert.Throws<ArgumentException>(() => protector.Protect(code, Campaign));
        Assert.Throws<ArgumentException>(() => protector.LookupHash(code));
    }

    [Fact]
    public void Many_threads_share_one_protector()
    {
        using var protector = new CodeProtector(KeyA, [KeyB], LookupKey);
        var generators = new ThreadLocal<CodeGenerator>(() => new CodeGenerator(SecureRandomBytes.Instance));
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var code = generators.Value!.Generate("P");
            var owner = i % 2 == 0 ? Campaign : OtherCampaign;
            Assert.Equal(code, protector.Unprotect(protector.Protect(code, owner), owner));
        });
        generators.Dispose();
    }

    private static byte[] Key(byte seed)
    {
        var key = new byte[CodeProtector.KeyBytes];
        new Random(seed).NextBytes(key);
        return key;
    }
}
