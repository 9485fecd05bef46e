using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Coupons.Redis.Layout;

/// <summary>
/// Coupon ids that say where their coupon lives: a version-7 id (time first, so ids sort by claim
/// time) whose lowest 14 random bits are the hash slot of the coupon's keys. Any node can then go
/// from an id straight to the coupon, and every operation on it touches one slot. 60 random bits
/// are left, so ids stay unguessable.
/// </summary>
public static class CouponIds
{
    private const ulong SlotMask = HashSlots.Count - 1;

    public static Guid New(int slot, long nowMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, HashSlots.Count);
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        // 48 bits of Unix milliseconds, version 7, variant 10, the slot in the last 14 bits.
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ((ulong)nowMs << 16) | (0x7000UL | (BinaryPrimitives.ReadUInt64BigEndian(bytes) & 0x0FFF)));
        var low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        low = (low & 0x3FFF_FFFF_FFFF_FFFFUL & ~SlotMask) | 0x8000_0000_0000_0000UL | (uint)slot;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], low);
        return new Guid(bytes, bigEndian: true);
    }

    public static int SlotOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]) & SlotMask);
    }

    /// <summary>When the id was made, in Unix milliseconds.</summary>
    public static long TimeOf(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        return (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
    }
}
