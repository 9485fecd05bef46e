using System.Buffers.Text;
using Coupons.Core;

namespace Coupons.Api.Contracts;

/// <summary>Ids as the API shows them: the standard 36-character form.</summary>
public static class Ids
{
    public static string Format(Guid id) => id.ToString("D");

    public static bool TryParse(string? text, out Guid id) => Guid.TryParseExact(text, "D", out id);
}

/// <summary>Opaque page cursors: the id to continue after, in base64url.</summary>
public static class Cursors
{
    public static string? Format(Guid? after)
    {
        if (after is not { } id)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool TryParse(string? text, out Guid? after)
    {
        after = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (text.Length != 22 || !Base64Url.IsValid(text) || !Base64Url.TryDecodeFromChars(text, bytes, out var written) || written != 16)
        {
            return false;
        }

        after = new Guid(bytes, bigEndian: true);
        return true;
    }
}

/// <summary>Times as the API shows them (<see cref="DateTimeOffset"/>) from and to the Unix milliseconds the core keeps.</summary>
public static class UnixTime
{
    public static DateTimeOffset ToTime(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static DateTimeOffset? ToTime(long? ms) => ms is { } value ? DateTimeOffset.FromUnixTimeMilliseconds(value) : null;

    public static long? ToMs(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();
}
