using System.Buffers.Binary;
using System.Buffers.Text;

namespace Coupons.Core.Codes;

/// <summary>
/// A code's lookup hash (<see cref="CodeProtector.HashOf"/>): what stores index codes by, and the
/// only form of a code a store is ever given besides its encrypted one. 16 bytes; as text, 22
/// characters of base64url (Redis keys and fields, PostgreSQL text, cursors).
/// </summary>
public readonly record struct CodeHash(UInt128 Value)
{
    public const int Bytes = CodeProtector.LookupHashBytes;

    public const int TextLength = 22;

    public static CodeHash Read(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    public byte[] ToBytes()
    {
        var bytes = new byte[Bytes];
        Write(bytes);
        return bytes;
    }

    public string ToText()
    {
        Span<byte> bytes = stackalloc byte[Bytes];
        Write(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryParseText(ReadOnlySpan<char> text, out CodeHash hash)
    {
        Span<byte> bytes = stackalloc byte[Bytes + 2];
        if (text.Length == TextLength && Base64Url.TryDecodeFromChars(text, bytes, out var written) && written == Bytes)
        {
            hash = Read(bytes);
            return true;
        }

        hash = default;
        return false;
    }

    public static CodeHash ParseText(string text) =>
        TryParseText(text, out var hash) ? hash : throw new FormatException($"'{text}' is not a code hash ({TextLength} characters of base64url)");

    /// <summary>The hash as an owner id for <see cref="CodeProtector.Protect(string, Guid)"/>: a shared code's sealed form is bound to its own hash.</summary>
    public Guid AsOwner()
    {
        Span<byte> bytes = stackalloc byte[Bytes];
        Write(bytes);
        return new Guid(bytes, bigEndian: true);
    }

    public override string ToString() => ToText();
}
