using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Coupons.Embedded;

/// <summary>
/// Users by id. The coupons recovered from disk are grouped by user in an open-addressing table that
/// recovery fills from several threads at once and that is only read once the store takes
/// requests. Holdings (see <see cref="Holding"/>) sit in a concurrent dictionary, the first of each
/// user's chain; one is made from the recovered coupons when its user first needs it.
/// </summary>
/// <remarks>
/// A slot holds the user id's hash and the user's recovered coupons: one entry, or an array of
/// them (with unused places left null) when there are several. So recovery makes no object for a
/// user with one coupon, and compares strings only when hashes match.
/// </remarks>
internal sealed class UserIndex
{
    private readonly ConcurrentDictionary<string, Holding> _holdings = new(StringComparer.Ordinal);
    private readonly Func<CampaignEntry, string, Holding> _create;
    private UserSlot[] _recovered = new UserSlot[16];
    private int _shift = 60;

    public UserIndex() => _create = (campaign, userId) => new Holding(userId, campaign, Recovered(userId).Where(c => c.Campaign == campaign));

    /// <summary>Makes room for up to <paramref name="count"/> recovered users (at most three quarters of the slots used).</summary>
    public void PrepareRecovered(int count)
    {
        var slots = BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, count * 4L / 3));
        _recovered = new UserSlot[slots];
        _shift = 64 - BitOperations.Log2(slots);
    }

    /// <summary>
    /// Adds a recovered coupon under its owner. Safe from several threads at once as long as each
    /// user is recovered by one thread only (the caller partitions users by <paramref name="hash"/>,
    /// which is <c>coupon.UserId.GetHashCode()</c>); coupons of one user come in claim order.
    /// </summary>
    public void AddRecovered(CouponEntry coupon, int hash)
    {
        var table = _recovered;
        var mask = table.Length - 1;
        for (var slot = Slot(hash); ; slot = (slot + 1) & mask)
        {
            ref var place = ref table[slot];
            // Another worker may take a free slot first: it then holds another user, whose hash that
            // worker writes just after. This worker's users are never in a slot another one took.
            if (place.Coupons is null && Interlocked.CompareExchange(ref place.Coupons, coupon, null) is null)
            {
                place.Hash = hash;
                return;
            }

            if (place.Hash == hash && FirstOf(place.Coupons!).UserId == coupon.UserId)
            {
                place.Coupons = Append(place.Coupons!, coupon);
                return;
            }
        }
    }

    /// <summary>Asks the processor to fetch the slot where a user with this hash would be; a hint only.</summary>
    public unsafe void Prefetch(int hash)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref _recovered[Slot(hash)]));
        }
    }

    /// <summary>The coupons recovered for <paramref name="userId"/>, in claim order.</summary>
    public IEnumerable<CouponEntry> Recovered(string userId)
    {
        switch (RecoveredSlot(userId))
        {
            case CouponEntry only:
                yield return only;
                break;
            case CouponEntry?[] several:
                foreach (var coupon in several)
                {
                    if (coupon is not null)
                    {
                        yield return coupon;
                    }
                }

                break;
            default:
                break;
        }
    }

    /// <summary>The user's holding of <paramref name="campaign"/>, or null when the user never claimed from it.</summary>
    public Holding? Find(string userId, CampaignEntry campaign)
    {
        if (_holdings.TryGetValue(userId, out var first) && first.Find(campaign) is { } holding)
        {
            return holding;
        }

        // Claims recovered from disk count: the holding is made from them the first time it is needed.
        // Most users hold nothing recovered (every refusal in a sold-out storm comes here): look the
        // slot up first, so that only those who do pay for walking their coupons.
        return RecoveredSlot(userId) is not null && Recovered(userId).Any(c => c.Campaign == campaign) ? GetOrAdd(userId, campaign) : null;
    }

    /// <summary>The user's holding of <paramref name="campaign"/>, created if there is none.</summary>
    public Holding GetOrAdd(string userId, CampaignEntry campaign)
    {
        var first = _holdings.GetOrAdd(userId, static (user, state) => state.Create(state.Campaign, user), (Create: _create, Campaign: campaign));
        return first.FindOrAdd(campaign, c => _create(c, userId));
    }

    /// <summary>Every coupon of <paramref name="userId"/>: those recovered from disk first, then those claimed since.</summary>
    public List<CouponEntry> CouponsOf(string userId)
    {
        var coupons = Recovered(userId).ToList();
        for (var holding = _holdings.GetValueOrDefault(userId); holding is not null; holding = holding.Next)
        {
            holding.CopyTo(coupons);
        }

        return coupons;
    }

    private object? RecoveredSlot(string userId)
    {
        var hash = userId.GetHashCode();
        var table = _recovered;
        var mask = table.Length - 1;
        for (var slot = Slot(hash); table[slot].Coupons is { } coupons; slot = (slot + 1) & mask)
        {
            if (table[slot].Hash == hash && FirstOf(coupons).UserId == userId)
            {
                return coupons;
            }
        }

        return null;
    }

    private static CouponEntry FirstOf(object coupons) => coupons as CouponEntry ?? ((CouponEntry?[])coupons)[0]!;

    private static object Append(object coupons, CouponEntry coupon)
    {
        if (coupons is CouponEntry only)
        {
            return new CouponEntry?[] { only, coupon };
        }

        var several = (CouponEntry?[])coupons;
        var free = Array.IndexOf(several, null);
        if (free < 0)
        {
            free = several.Length;
            Array.Resize(ref several, several.Length * 2);
        }

        several[free] = coupon;
        return several;
    }

    private int Slot(int hash) => (int)((ulong)(uint)hash * 0x9E3779B97F4A7C15UL >> _shift);

    private struct UserSlot
    {
        public int Hash;
        public object? Coupons;
    }
}
