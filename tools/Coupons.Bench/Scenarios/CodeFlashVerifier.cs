using Coupons.Bench.Service;

namespace Coupons.Bench.Scenarios;

/// <summary>
/// Checks a flash sale by code: everything <see cref="FlashVerifier"/> checks (exactly min(stock,
/// demand) issued, no coupon to two users, no user above the limit, the server's count), with a
/// code in place of an idempotency key, and then what codes promise: no code gave coupons to two
/// users or two coupons at all, a replay (200) only of a code the user was given a coupon with, a
/// code already given to its owner refused to anyone else with <c>code_already_claimed</c>, and
/// the server's export naming for each claimed code the user and coupon the client was told.
/// </summary>
public static class CodeFlashVerifier
{
    public static readonly IReadOnlySet<string> ExpectedRefusals = new HashSet<string>(StringComparer.Ordinal) { "sold_out", "limit_reached", "code_already_claimed" };

    /// <param name="stock">The campaign's stock.</param>
    /// <param name="perUserLimit">Coupons one user may hold.</param>
    /// <param name="codes">The users' codes: user i owns codes[i].</param>
    /// <param name="userIds">The users' ids as the server knows them: user i is userIds[i].</param>
    /// <param name="answers">What the claims got.</param>
    /// <param name="server">The campaign's stats after the sale, if read.</param>
    /// <param name="exported">The campaign's codes as the server exports them after the sale, if read.</param>
    public static FlashVerdict Verify(
        long stock, int perUserLimit, IReadOnlyList<string> codes, IReadOnlyList<string> userIds, IReadOnlyCollection<CodeFlashAnswer> answers,
        CampaignStats? server, IReadOnlyList<CodeRow>? exported)
    {
        var asFlash = answers.Select(answer => new FlashAnswer(answer.User, codes[answer.CodeOwner], answer.Answer)).ToList();
        var verdict = FlashVerifier.Verify(stock, perUserLimit, asFlash, server, ExpectedRefusals, keysAreShared: true);
        var violations = verdict.Violations.ToList();
        var given = Given(codes, answers, violations);
        violations.AddRange(Refusals(codes, answers, given));
        if (exported is not null)
        {
            violations.AddRange(Export(codes, userIds, given, exported));
        }

        return verdict with { Violations = violations };
    }

    /// <summary>Each code's one user and one coupon, from the successes; a code with two of either is a violation.</summary>
    private static Dictionary<string, (int User, Guid Coupon)> Given(IReadOnlyList<string> codes, IReadOnlyCollection<CodeFlashAnswer> answers, List<string> violations)
    {
        var given = new Dictionary<string, (int User, Guid Coupon)>(StringComparer.Ordinal);
        var created = new HashSet<(int User, string Code)>();
        foreach (var (user, owner, answer) in answers.Where(answer => answer.Answer.IsSuccess && answer.Answer.CouponId != Guid.Empty))
        {
            var code = codes[owner];
            if (answer.Status != 200 && !created.Add((user, code)))
            {
                violations.Add($"code {code} was answered {answer.Status} (a new coupon) to user {user} twice: a replay must be 200");
            }

            if (!given.TryGetValue(code, out var first))
            {
                given[code] = (user, answer.CouponId);
            }
            else if (first.User != user)
            {
                violations.Add($"code {code} gave coupons to users {first.User} and {user}");
            }
            else if (first.Coupon != answer.CouponId)
            {
                violations.Add($"code {code} gave user {user} two coupons ({first.Coupon}, {answer.CouponId})");
            }
        }

        foreach (var (user, owner, _) in answers.Where(answer => answer.Answer.Status == 200 && !created.Contains((answer.User, codes[answer.CodeOwner]))))
        {
            violations.Add($"user {user} was answered 200 (a replay) for code {codes[owner]}, which never gave them a coupon (201)");
        }

        return given;
    }

    /// <summary>A code already given to its owner must be refused to anyone else as <c>code_already_claimed</c>, not with another refusal.</summary>
    private static IEnumerable<string> Refusals(IReadOnlyList<string> codes, IReadOnlyCollection<CodeFlashAnswer> answers, Dictionary<string, (int User, Guid Coupon)> given)
    {
        var wrong = answers.Where(answer => !answer.IsOwnCode && !answer.Answer.IsSuccess && answer.Answer.Code != "code_already_claimed"
                && given.TryGetValue(codes[answer.CodeOwner], out var holder) && holder.User == answer.CodeOwner)
            .GroupBy(answer => answer.Answer.Label, StringComparer.Ordinal);
        foreach (var group in wrong)
        {
            yield return $"{group.Count()} claim(s) with another user's code, already given to its owner, were answered {group.Key} instead of 409 code_already_claimed";
        }
    }

    /// <summary>The server's export agrees with the client: every code given is claimed by that user with that coupon, and no other code is claimed.</summary>
    private static IEnumerable<string> Export(
        IReadOnlyList<string> codes, IReadOnlyList<string> userIds, Dictionary<string, (int User, Guid Coupon)> given, IReadOnlyList<CodeRow> exported)
    {
        var rows = exported.ToDictionary(row => row.Code, StringComparer.Ordinal);
        if (rows.Count != codes.Count)
        {
            yield return $"the server exported {rows.Count} codes, the campaign was given {codes.Count}";
        }

        var disagreements = new List<string>();
        foreach (var (code, (user, coupon)) in given)
        {
            if (!rows.TryGetValue(code, out var row))
            {
                disagreements.Add($"code {code} given to user {user} is not in the export");
            }
            else if (row.Status != "claimed" || row.UserId != userIds[user] || row.CouponId != coupon)
            {
                disagreements.Add($"code {code}: the export says {row.Status} by {row.UserId ?? "nobody"} as coupon {row.CouponId}, the client was told user {userIds[user]}, coupon {coupon}");
            }
        }

        var claimedUnknown = exported.Count(row => row.Status == "claimed" && !given.ContainsKey(row.Code));
        if (claimedUnknown > 0)
        {
            disagreements.Add($"{claimedUnknown} code(s) are claimed on the server but no client was given a coupon with them");
        }

        foreach (var disagreement in disagreements.Take(10))
        {
            yield return disagreement;
        }

        if (disagreements.Count > 10)
        {
            yield return $"… and {disagreements.Count - 10} more disagreement(s) between the export and the answers";
        }
    }
}
