using Coupons.Bench.Load;
using Coupons.Bench.Service;
using Coupons.Client;

namespace Coupons.Bench.Scenarios;

/// <summary>One claim by code the flash scenario made: which user, with whose code, and what came back.</summary>
public readonly record struct CodeFlashAnswer(int User, int CodeOwner, Answer Answer)
{
    public bool IsOwnCode => User == CodeOwner;
}

/// <summary>
/// The flash sale by code: every user has a generated code of their own. First one claim per user
/// with their own code; then second attempts by a share of the users, spread over them, alternately
/// claiming with their own code again (a replay: the same coupon back, 200) and with the code of
/// another user who has already been acknowledged a coupon with it (code_already_claimed).
/// </summary>
public sealed class CodeFlashWorkload : IWorkload
{
    private readonly CouponsClient[] _users;
    private readonly IReadOnlyList<string> _codes;
    private readonly int _secondAttempts;
    private readonly CodeFlashAnswer?[] _answers;
    private readonly int[] _winners;
    private int _winnerCount;

    /// <param name="users">The users, each calling with their token; user i owns <paramref name="codes"/>[i].</param>
    /// <param name="codes">One generated code per user.</param>
    /// <param name="secondAttemptShare">Share of the users who claim a second time.</param>
    public CodeFlashWorkload(CouponsClient[] users, IReadOnlyList<string> codes, double secondAttemptShare)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(secondAttemptShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(secondAttemptShare, 1);
        ArgumentOutOfRangeException.ThrowIfNotEqual(codes.Count, users.Length);
        _users = users;
        _codes = codes;
        _secondAttempts = (int)Math.Round(users.Length * secondAttemptShare);
        _answers = new CodeFlashAnswer?[Arrivals];
        _winners = new int[users.Length];
    }

    public IReadOnlyList<string> Kinds { get; } = ["claim by code"];

    public double RequestsPerOperation => 1;

    public int Arrivals => _users.Length + _secondAttempts;

    public int Unanswered => _answers.Count(answer => answer is null);

    public IReadOnlyCollection<CodeFlashAnswer> Answers() => [.. _answers.Where(answer => answer is not null).Select(answer => answer!.Value)];

    /// <summary>The user of arrival <paramref name="number"/> and the user whose code it claims with.</summary>
    public (int User, int CodeOwner) Attempt(long number)
    {
        var users = _users.Length;
        if (number < users)
        {
            return ((int)number, (int)number);
        }

        var second = number - users;
        // A stride coprime with the user count spreads second attempts over all of them.
        var user = (int)(second * 7919 % users);
        return (user, second % 2 == 0 ? user : AnotherWinner(user, second));
    }

    public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        var (user, owner) = Attempt(arrival.Number);
        var answer = await _users[user].ClaimByCodeAnswerAsync(_codes[owner], null, cancellationToken);
        var expected = answer.IsSuccess || (answer.Status == 409 && answer.Code is not null && CodeFlashVerifier.ExpectedRefusals.Contains(answer.Code));
        meter.Record(0, arrival.IntendedTimestamp, answer, expected, arrival.Measured);
        if (arrival.Number < _winners.Length && answer.IsSuccess)
        {
            Volatile.Write(ref _winners[Interlocked.Increment(ref _winnerCount) - 1], user + 1);
        }

        _answers[arrival.Number] = new CodeFlashAnswer(user, owner, answer);
    }

    /// <summary>
    /// A user other than <paramref name="user"/> already acknowledged a coupon with their own code,
    /// picked among them by the attempt's number; the user's own code (a replay) when there is none.
    /// </summary>
    private int AnotherWinner(int user, long second)
    {
        var count = Volatile.Read(ref _winnerCount);
        for (var step = 0; step < Math.Min(count, 8); step++)
        {
            // A slot is taken before it is written: 0 means not written yet, so the winner is stored plus one.
            var candidate = Volatile.Read(ref _winners[(int)((second * 31 + step) % count)]) - 1;
            if (candidate >= 0 && candidate != user)
            {
                return candidate;
            }
        }

        return user;
    }
}
