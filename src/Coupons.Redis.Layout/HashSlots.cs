using System.Globalization;
using System.Text;

namespace Coupons.Redis.Layout;

/// <summary>
/// Redis Cluster's hash slots (CRC16/XMODEM of the key's hash tag, modulo 16384), and for every
/// slot a short hash tag that lands in it. Keys are placed by choosing a slot first and writing its
/// tag in braces, so a coupon id can carry the slot of its keys (see <see cref="CouponIds"/>).
/// </summary>
public static class HashSlots
{
    public const int Count = 16384;

    private static readonly ushort[] Table = BuildTable();
    private static readonly Lazy<string[]> Tags = new(BuildTags);

    /// <summary>The slot of a hash tag (the text between the braces).</summary>
    public static int Of(ReadOnlySpan<byte> tag)
    {
        ushort crc = 0;
        foreach (var b in tag)
        {
            crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xFF]);
        }

        return crc & (Count - 1);
    }

    public static int Of(string tag) => Of(Encoding.UTF8.GetBytes(tag));

    /// <summary>A hash tag whose slot is <paramref name="slot"/>: the shortest decimal number found for it.</summary>
    public static string TagFor(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Count);
        return Tags.Value[slot];
    }

    private static string[] BuildTags()
    {
        var tags = new string[Count];
        var found = 0;
        Span<byte> text = stackalloc byte[16];
        for (var n = 0; found < Count; n++)
        {
            n.TryFormat(text, out var length, provider: CultureInfo.InvariantCulture);
            var slot = Of(text[..length]);
            if (tags[slot] is null)
            {
                tags[slot] = n.ToString(CultureInfo.InvariantCulture);
                found++;
            }
        }

        return tags;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }

            table[i] = crc;
        }

        return table;
    }
}
