using System.IO.Hashing;
using System.Text;

namespace Coupons.Postgres;

/// <summary>Which shard holds a user's coupons: XxHash32 of the UTF-8 user id, modulo the shard count. Stable across processes and versions.</summary>
public static class Shards
{
    public static int For(string userId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(userId)) % (uint)count);
    }
}
