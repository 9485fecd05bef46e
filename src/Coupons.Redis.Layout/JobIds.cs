using System.Globalization;
using System.Security.Cryptography;

namespace Coupons.Redis.Layout;

/// <summary>
/// Job ids that say where their job lives, as coupon ids do (<see cref="CouponIds"/>): a version-7
/// id whose lowest 14 bits are the hash slot of all the job's keys. A job created with an
/// idempotency key gets the slot of that key's mapping (<see cref="SlotOfKey"/>), so the job and
/// the mapping to it are written by one script, and a crash cannot leave one without the other.
/// </summary>
public static class JobIds
{
    public static Guid New(int slot, long nowMs) => CouponIds.New(slot, nowMs);

    /// <summary>A new id in a slot of its own, for a job without an idempotency key.</summary>
    public static Guid New(long nowMs) => CouponIds.New(RandomNumberGenerator.GetInt32(HashSlots.Count), nowMs);

    public static int SlotOf(Guid jobId) => CouponIds.SlotOf(jobId);

    /// <summary>The slot of the mapping from a caller's idempotency key to its job.</summary>
    public static int SlotOfKey(string createdBy, string idempotencyKey) => HashSlots.Of(KeyText(createdBy, idempotencyKey));

    /// <summary>The caller and the key as one text: the caller's id is length-prefixed, so no two callers' keys meet.</summary>
    public static string KeyText(string createdBy, string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(createdBy);
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        return createdBy.Length.ToString(CultureInfo.InvariantCulture) + ":" + createdBy + idempotencyKey;
    }
}
