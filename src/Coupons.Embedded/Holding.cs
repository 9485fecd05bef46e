using System.Diagnostics;

namespace Coupons.Embedded;

/// <summary>
/// What one user holds of one campaign: the count against the per-user limit (every coupon ever
/// claimed) and the idempotency keys used, and the coupons claimed since the store started (those
/// recovered from disk are listed from the <see cref="UserIndex"/>). Changes under <c>lock (holding)</c>.
/// A user's holdings form a chain: the first is what the user index finds, the others hang off it
/// (<see cref="Next"/>, appended with a compare-and-swap, never removed).
/// </summary>
/// <remarks>
/// A holding is made when its user first claims after a start, from the coupons recovered for that
/// user and campaign, so recovery makes no object per user.
/// </remarks>
internal sealed class Holding
{
    // Most users claim one coupon of a campaign: it is kept inline, any others in an array.
    private CouponEntry? _first;
    private CouponEntry[]? _more;
    private int _added;
    private int _claimed;
    private Holding? _next;

    // Most keyed claims are a user's one claim of a campaign (a flash crowd, or a shared code's key):
    // the first keyed coupon is kept inline, and a dictionary is made only for a second.
    private CouponEntry? _keyed;
    private Dictionary<string, CouponEntry>? _byKey;

    public Holding(string userId, CampaignEntry campaign, IEnumerable<CouponEntry> recovered)
    {
        UserId = userId;
        Campaign = campaign;
        foreach (var coupon in recovered)
        {
            _claimed++;
            Remember(coupon);
        }
    }

    public string UserId { get; }
    public CampaignEntry Campaign { get; }

    /// <summary>The coupon claimed with <paramref name="idempotencyKey"/>, if any; under the holding's lock.</summary>
    public bool TryFindByKey(string idempotencyKey, out CouponEntry coupon)
    {
        if (_byKey is { } byKey)
        {
            return byKey.TryGetValue(idempotencyKey, out coupon!);
        }

        coupon = _keyed!;
        return _keyed is { } keyed && string.Equals(keyed.IdempotencyKey, idempotencyKey, StringComparison.Ordinal);
    }

    public Holding? Next => Volatile.Read(ref _next);

    /// <summary>Coupons ever claimed, recovered ones included; read under the holding's lock.</summary>
    public int Claimed => _claimed;

    /// <summary>Adds a coupon claimed now; under the holding's lock.</summary>
    public void Add(CouponEntry coupon)
    {
        Debug.Assert(coupon.Campaign == Campaign && coupon.UserId == UserId);
        if (_added == 0)
        {
            _first = coupon;
        }
        else
        {
            _more ??= new CouponEntry[1];
            if (_added - 1 == _more.Length)
            {
                Array.Resize(ref _more, _more.Length * 2);
            }

            _more[_added - 1] = coupon;
        }

        _added++;
        _claimed++;
        Remember(coupon);
    }

    /// <summary>Adds the coupons claimed since the store started to <paramref name="into"/>.</summary>
    public void CopyTo(List<CouponEntry> into)
    {
        lock (this)
        {
            if (_first is { } first)
            {
                into.Add(first);
            }

            into.AddRange(_more.AsSpan(0, Math.Max(0, _added - 1)));
        }
    }

    private void Remember(CouponEntry coupon)
    {
        if (coupon.IdempotencyKey is not { } key)
        {
            return;
        }

        if (_keyed is null)
        {
            _keyed = coupon;
            return;
        }

        _byKey ??= new Dictionary<string, CouponEntry>(StringComparer.Ordinal) { [_keyed.IdempotencyKey!] = _keyed };
        _byKey[key] = coupon;
    }

    /// <summary>This user's holding of <paramref name="campaign"/> in the chain starting here, or null.</summary>
    public Holding? Find(CampaignEntry campaign)
    {
        for (var holding = this; holding is not null; holding = holding.Next)
        {
            if (holding.Campaign == campaign)
            {
                return holding;
            }
        }

        return null;
    }

    /// <summary>This user's holding of <paramref name="campaign"/>, appended to the chain (made by <paramref name="create"/>) if there is none yet.</summary>
    public Holding FindOrAdd(CampaignEntry campaign, Func<CampaignEntry, Holding> create)
    {
        Holding? added = null;
        var holding = this;
        while (true)
        {
            if (holding.Campaign == campaign)
            {
                return holding;
            }

            if (holding.Next is { } next)
            {
                holding = next;
                continue;
            }

            added ??= create(campaign);
            if (Interlocked.CompareExchange(ref holding._next, added, null) is null)
            {
                return added;
            }
        }
    }
}
