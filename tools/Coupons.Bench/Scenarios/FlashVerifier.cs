using Coupons.Bench.Service;

namespace Coupons.Bench.Scenarios;

/// <summary>One answer the flash scenario got: which user, with which idempotency key, and what came back.</summary>
public readonly record struct FlashAnswer(int User, string IdempotencyKey, Answer Answer);

/// <summary>
/// Checks a flash sale from the client's side and the server's: exactly min(stock, demand) coupons
/// issued, none acknowledged to two users, no user above the limit, one coupon per idempotency key,
/// and no refusal other than <c>sold_out</c> / <c>limit_reached</c>.
/// </summary>
public static class FlashVerifier
{
    public static readonly IReadOnlySet<string> ExpectedRefusals = new HashSet<string>(StringComparer.Ordinal) { "sold_out", "limit_reached" };

    public static FlashVerdict Verify(long stock, int perUserLimit, IReadOnlyCollection<FlashAnswer> answers, CampaignStats? server) =>
        Verify(stock, perUserLimit, answers, server, ExpectedRefusals, keysAreShared: false);

    /// <summary>
    /// The checks for any kind of claim: <paramref name="expectedRefusals"/> are the refusals allowed,
    /// and the key of each answer names what may give one coupon to one user (an idempotency key, or a
    /// code). With <paramref name="keysAreShared"/> (codes) a key another user was given a coupon with
    /// is no demand of this user: it can give this user nothing.
    /// </summary>
    internal static FlashVerdict Verify(
        long stock, int perUserLimit, IReadOnlyCollection<FlashAnswer> answers, CampaignStats? server, IReadOnlySet<string> expectedRefusals, bool keysAreShared)
    {
        var keyName = keysAreShared ? "code" : "idempotency key";
        var violations = new List<string>();
        var unexpected = new Dictionary<string, long>(StringComparer.Ordinal);
        var ownerOf = new Dictionary<Guid, int>();
        var couponsOf = new Dictionary<int, HashSet<Guid>>();
        var couponOfKey = new Dictionary<(int User, string Key), Guid>();
        var keysOf = new Dictionary<int, HashSet<string>>();
        var refusals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (user, key, answer) in answers)
        {
            if (!keysOf.TryGetValue(user, out var keys))
            {
                keysOf[user] = keys = new HashSet<string>(StringComparer.Ordinal);
            }

            keys.Add(key);
            if (!answer.IsSuccess)
            {
                if (answer.Status == 409 && answer.Code is not null && expectedRefusals.Contains(answer.Code))
                {
                    refusals[answer.Code] = refusals.GetValueOrDefault(answer.Code) + 1;
                }
                else
                {
                    unexpected[answer.Label] = unexpected.GetValueOrDefault(answer.Label) + 1;
                }

                continue;
            }

            if (answer.CouponId == Guid.Empty)
            {
                unexpected["2xx without a coupon id"] = unexpected.GetValueOrDefault("2xx without a coupon id") + 1;
                continue;
            }

            if (ownerOf.TryGetValue(answer.CouponId, out var owner) && owner != user)
            {
                violations.Add($"coupon {answer.CouponId} acknowledged to users {owner} and {user}");
            }

            ownerOf[answer.CouponId] = user;
            if (!couponsOf.TryGetValue(user, out var coupons))
            {
                couponsOf[user] = coupons = [];
            }

            coupons.Add(answer.CouponId);
            if (couponOfKey.TryGetValue((user, key), out var earlier) && earlier != answer.CouponId)
            {
                violations.Add($"user {user} got two coupons ({earlier}, {answer.CouponId}) for one {keyName}");
            }

            couponOfKey[(user, key)] = answer.CouponId;
        }

        foreach (var (label, count) in unexpected.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            violations.Add($"{count} answer(s) other than success, {string.Join(" or ", expectedRefusals.Order(StringComparer.Ordinal))}: {label}");
        }

        var overLimit = couponsOf.Where(pair => pair.Value.Count > perUserLimit).ToList();
        if (overLimit.Count > 0)
        {
            violations.Add($"{overLimit.Count} user(s) hold more than {perUserLimit} coupon(s), e.g. user {overLimit[0].Key} holds {overLimit[0].Value.Count}");
        }

        var demand = Demand(perUserLimit, keysOf, keysAreShared ? couponOfKey.Keys.ToLookup(pair => pair.Key, pair => pair.User) : null);
        var expected = Math.Min(stock, demand);
        var acknowledged = ownerOf.Count;
        if (unexpected.Count == 0 && acknowledged != expected)
        {
            violations.Add($"{acknowledged} coupons acknowledged, expected exactly min(stock {stock}, demand {demand}) = {expected}");
        }

        if (server is not null)
        {
            if (server.Issued != acknowledged)
            {
                violations.Add($"the server counts {server.Issued} issued, the client was acknowledged {acknowledged}");
            }

            if (server.TotalStock != stock || server.RemainingStock != stock - server.Issued)
            {
                violations.Add($"server stock does not add up: total {server.TotalStock}, issued {server.Issued}, remaining {server.RemainingStock} (stock {stock})");
            }
        }

        return new FlashVerdict(expected, acknowledged, server?.Issued, refusals, violations);
    }

    /// <summary>
    /// What the users asked for, at most the limit each: the keys each tried, less (when keys are
    /// shared) those given to another user.
    /// </summary>
    private static long Demand(int perUserLimit, Dictionary<int, HashSet<string>> keysOf, ILookup<string, int>? winnersOfKey) =>
        keysOf.Sum(pair => (long)Math.Min(perUserLimit, winnersOfKey is null
            ? pair.Value.Count
            : pair.Value.Count(key => !winnersOfKey[key].Any(winner => winner != pair.Key))));
}

/// <summary>The outcome of <see cref="FlashVerifier.Verify"/>.</summary>
public sealed record FlashVerdict(long ExpectedIssued, long Acknowledged, long? ServerIssued, IReadOnlyDictionary<string, long> Refusals, IReadOnlyList<string> Violations)
{
    public bool Passed => Violations.Count == 0;
}
