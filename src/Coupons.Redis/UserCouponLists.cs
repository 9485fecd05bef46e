using Coupons.Core;
using Coupons.Redis.Layout;
using StackExchange.Redis;

namespace Coupons.Redis;

/// <summary>
/// A user's coupons, listed from a sorted set of ids in the user's own slot (read by lex, so in
/// claim order). The claim's script cannot write it (it runs in the bucket's slot), so a claim
/// writes it beside its script, before it knows whether the claim succeeds, and the answer waits
/// for one append to disk, not two; a refused claim takes its entry out again. An id whose coupon
/// does not exist is skipped by readers, and dropped by them once it is old (the id holds its
/// time). A claim whose list write was lost (its node died) is put in the list by its replay, or
/// by the persister from its event.
/// </summary>
internal sealed class UserCouponLists(IDatabase db, RedisKeys keys, TimeProvider time, CouponReader coupons)
{
    /// <summary>How old an id in a user's list must be, with no coupon behind it, before a reader drops it.</summary>
    private const long AbandonedEntryMs = 60_000;

    /// <summary>Puts a coupon in its owner's list, through <paramref name="target"/> (the database, or the claim's batch).</summary>
    public Task AddAsync(IDatabaseAsync target, string userId, Guid couponId) =>
        target.SortedSetAddAsync(keys.UserCoupons(userId), RedisKeys.Id(couponId), 0);

    /// <summary>Takes out the entry a refused claim wrote; not waited for, since readers skip it anyway.</summary>
    public void Remove(string userId, Guid couponId) =>
        _ = db.SortedSetRemoveAsync(keys.UserCoupons(userId), RedisKeys.Id(couponId), CommandFlags.FireAndForget);

    /// <summary>A page of the user's coupons as a reader sees them now, optionally of one status, after the coupon <paramref name="after"/>.</summary>
    public async Task<Page<Coupon>> ListAsync(string userId, CouponStatus? status, Guid? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var key = keys.UserCoupons(userId);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var found = new List<Coupon>();
        RedisValue from = after is { } start ? RedisKeys.Id(start) : default;
        var exclude = after is null ? Exclude.None : Exclude.Start;
        // Read in slices until one more than the page is found (to know whether there is a next
        // page) or the list ends; a status filter may skip many.
        var slice = Math.Max(limit + 1, 32);
        while (found.Count <= limit)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ids = await db.SortedSetRangeByValueAsync(key, from, default, exclude, Order.Ascending, 0, slice).ConfigureAwait(false);
            await ReadSliceAsync(key, ids, userId, nowMs, shown => (status is null || shown == status) && found.Count <= limit, found).ConfigureAwait(false);
            if (ids.Length < slice)
            {
                break;
            }

            (from, exclude) = (ids[^1], Exclude.Start);
        }

        var more = found.Count > limit;
        if (more)
        {
            found.RemoveAt(limit);
        }

        return new Page<Coupon>(found, more ? found[^1].Id : null);
    }

    /// <summary>Reads the coupons of a slice of the list in one batch, adds those whose status (as a reader sees it now) is <paramref name="wanted"/> to <paramref name="found"/>, and drops abandoned entries.</summary>
    private async Task ReadSliceAsync(RedisKey key, RedisValue[] ids, string userId, long nowMs, Func<CouponStatus, bool> wanted, List<Coupon> found)
    {
        var batch = db.CreateBatch();
        var couponIds = ids.Select(id => RedisKeys.ParseId(id.ToString())).ToList();
        var reads = couponIds.Select(id => coupons.ReadStoredAsync(batch, id, userId)).ToList();
        batch.Execute();
        for (var i = 0; i < reads.Count; i++)
        {
            if (await reads[i].ConfigureAwait(false) is not { } stored)
            {
                // The list write of a claim refused or never run; once old, no claim can still make it true.
                if (nowMs - CouponIds.TimeOf(couponIds[i]) > AbandonedEntryMs)
                {
                    _ = db.SortedSetRemoveAsync(key, ids[i], CommandFlags.FireAndForget);
                }
            }
            else if (CouponRules.Observe(stored.Record.State, nowMs) is var state && wanted(state.Status))
            {
                found.Add(stored.ToCoupon(state));
            }
        }
    }
}
