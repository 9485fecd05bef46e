namespace Coupons.Core.Checkout;

/// <summary>The combination <see cref="BestCombination.Find"/> chose (none when no coupon applies) and its price.</summary>
public sealed record Choice(IReadOnlyList<Offer> Offers, CheckoutPrice Price);

/// <summary>
/// The best combination of a shopper's coupons for a cart: the largest discount; on a tie the fewer
/// coupons; then the one whose earliest validTo is earliest (the coupon about to lapse is used first).
/// Exact: a branch and bound over the stackable coupons that never cuts a branch that could win.
/// </summary>
/// <remarks>
/// <para>Why a bound holds: taking a coupon only lowers what is left of every item and of the
/// shipping, and every discount is non-decreasing in what is left, so in any combination a coupon
/// takes at most what it takes alone. A combination's discount is at most its members' discounts
/// alone added up, and at most the cart's total.</para>
/// <para>What keeps the search small: per campaign only its best coupon is a candidate (coupons of
/// one campaign have equal terms, so the one lapsing first is never worse); candidates are taken in
/// the order of what they take alone, so the bound of the rest falls as the search goes on and a
/// whole tail is cut at once; and of candidates with equal terms (which act alike) only a prefix is
/// tried, so 200 equal coupons cost as little as one.</para>
/// </remarks>
public static class BestCombination
{
    /// <summary>The best combination of <paramref name="offers"/> (the shopper's usable coupons) for <paramref name="cart"/>.</summary>
    public static Choice Find(Cart cart, IReadOnlyList<Offer> offers)
    {
        var prepared = CheckoutRules.Prepare(cart, offers);
        var search = new Search(cart, Candidates(prepared, Stacking.Stackable));
        foreach (var single in prepared.Where(offer => offer.Alone == Outcome.Ok && offer.AloneDiscount > 0))
        {
            search.Consider([single], single.AloneDiscount);
        }

        search.Run();
        var chosen = search.Best;
        if (chosen.Length == 0)
        {
            return new Choice([], new CheckoutPrice([], 0, cart.ItemsAmount + cart.ShippingAmount));
        }

        var price = CheckoutRules.Evaluate(cart, chosen);
        var byLine = price.Lines.Select(line => chosen.First(offer => offer.Offer.CouponId == line.CouponId).Offer).ToList();
        return new Choice(byLine, price);
    }

    /// <summary>The stackable offers that apply and take something, the best of each campaign, in the order the search tries them.</summary>
    private static PreparedOffer[] Candidates(PreparedOffer[] prepared, Stacking stacking)
    {
        // Coupons of one campaign have equal terms: the one lapsing first (then the lowest id) stands for them all.
        var best = new Dictionary<Guid, PreparedOffer>();
        foreach (var offer in prepared)
        {
            if (offer.Offer.Terms.Stacking == stacking && offer.Alone == Outcome.Ok && offer.AloneDiscount > 0
                && (!best.TryGetValue(offer.Offer.CampaignId, out var kept) || (offer.Offer.ValidToMs, offer.Offer.CouponId).CompareTo((kept.Offer.ValidToMs, kept.Offer.CouponId)) < 0))
            {
                best[offer.Offer.CampaignId] = offer;
            }
        }

        var candidates = best.Values.ToArray();
        Array.Sort(candidates, static (a, b) =>
        {
            var order = b.AloneDiscount.CompareTo(a.AloneDiscount);
            order = order != 0 ? order : a.Rank.CompareTo(b.Rank);
            order = order != 0 ? order : a.Offer.ValidToMs.CompareTo(b.Offer.ValidToMs);
            return order != 0 ? order : a.Offer.CouponId.CompareTo(b.Offer.CouponId);
        });
        return candidates;
    }

    private sealed class Search
    {
        private readonly Cart _cart;
        private readonly PreparedOffer[] _candidates;
        private readonly long[] _prefix;
        private readonly long[] _earliestFrom;
        private readonly long _most;
        private readonly long[] _left;
        private readonly PreparedOffer[] _chosen = new PreparedOffer[CheckoutRules.MaxCoupons];
        private readonly PreparedOffer[] _byRank = new PreparedOffer[CheckoutRules.MaxCoupons];
        private readonly bool[] _taken;
        private long _bestDiscount;
        private int _bestCount;
        private long _bestEarliest = long.MaxValue;

        public Search(Cart cart, PreparedOffer[] candidates)
        {
            _cart = cart;
            _candidates = candidates;
            _taken = new bool[candidates.Length];
            _prefix = new long[candidates.Length + 1];
            _earliestFrom = new long[candidates.Length + 1];
            _earliestFrom[candidates.Length] = long.MaxValue;
            for (var i = 0; i < candidates.Length; i++)
            {
                _prefix[i + 1] = _prefix[i] + candidates[i].AloneDiscount;
            }

            for (var i = candidates.Length - 1; i >= 0; i--)
            {
                _earliestFrom[i] = Math.Min(_earliestFrom[i + 1], candidates[i].Offer.ValidToMs);
            }

            _most = cart.ItemsAmount + cart.ShippingAmount;
            _left = new long[cart.Lines.Length];
        }

        public PreparedOffer[] Best { get; private set; } = [];

        public void Run() => Extend(0, 0, 0, long.MaxValue);

        /// <summary>Takes a combination if it beats the best so far.</summary>
        public void Consider(ReadOnlySpan<PreparedOffer> offers, long discount)
        {
            var earliest = long.MaxValue;
            foreach (var offer in offers)
            {
                earliest = Math.Min(earliest, offer.Offer.ValidToMs);
            }

            if (Beats(discount, offers.Length, earliest))
            {
                (_bestDiscount, _bestCount, _bestEarliest) = (discount, offers.Length, earliest);
                Best = offers.ToArray();
            }
        }

        private bool Beats(long discount, int count, long earliest) =>
            discount > _bestDiscount || (discount == _bestDiscount && (count < _bestCount || (count == _bestCount && earliest < _bestEarliest)));

        /// <summary>Tries each candidate from <paramref name="from"/> on as the next of the <paramref name="count"/> chosen, whose discount is <paramref name="discount"/>.</summary>
        private void Extend(int from, int count, long discount, long earliest)
        {
            for (var next = from; next < _candidates.Length; next++)
            {
                // Of candidates with equal terms, only a prefix: one is tried only after the one before it.
                if (next > 0 && _candidates[next - 1].Rank == _candidates[next].Rank && !_taken[next - 1])
                {
                    continue;
                }

                if (!CouldWin(next, count, discount, earliest))
                {
                    // Later candidates take no more alone and lapse no earlier: no later one could win either.
                    return;
                }

                _chosen[count] = _candidates[next];
                _taken[next] = true;
                var chosen = _chosen.AsSpan(0, count + 1);
                var total = Price(chosen);
                Consider(chosen, total);
                if (count + 1 < CheckoutRules.MaxCoupons)
                {
                    Extend(next + 1, count + 1, total, Math.Min(earliest, _candidates[next].Offer.ValidToMs));
                }

                _taken[next] = false;
            }
        }

        /// <summary>Whether adding <paramref name="next"/> and up to the allowed number of candidates after it could beat the best so far.</summary>
        private bool CouldWin(int next, int count, long discount, long earliest)
        {
            var soonest = Math.Min(earliest, _earliestFrom[next]);
            for (var more = 1; count + more <= CheckoutRules.MaxCoupons && next + more <= _candidates.Length; more++)
            {
                var bound = Math.Min(_most, discount + _prefix[next + more] - _prefix[next]);
                if (Beats(bound, count + more, soonest))
                {
                    return true;
                }
            }

            return false;
        }

        private long Price(Span<PreparedOffer> chosen)
        {
            var byRank = _byRank.AsSpan(0, chosen.Length);
            chosen.CopyTo(byRank);
            byRank.Sort(static (a, b) => a.Rank.CompareTo(b.Rank));
            return CheckoutRules.Total(_cart, byRank, _left);
        }
    }
}
