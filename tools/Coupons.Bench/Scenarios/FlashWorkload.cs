using Coupons.Bench.Load;
using Coupons.Bench.Service;
using Coupons.Client;

namespace Coupons.Bench.Scenarios;

/// <summary>
/// The flash sale's arrivals: first one claim per user, each with its own idempotency key; then
/// second attempts by a share of the users, spread over them, alternately replaying the first key
/// (must get the same coupon back) and using a new key (must be refused once the limit is reached).
/// </summary>
public sealed class FlashWorkload : IWorkload
{
    private readonly Guid _campaignId;
    private readonly CouponsClient[] _users;
    private readonly int _secondAttempts;
    private readonly FlashAnswer?[] _answers;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];

    public FlashWorkload(Guid campaignId, CouponsClient[] users, double secondAttemptShare)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(secondAttemptShare);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(secondAttemptShare, 1);
        _campaignId = campaignId;
        _users = users;
        _secondAttempts = (int)Math.Round(users.Length * secondAttemptShare);
        _answers = new FlashAnswer?[Arrivals];
    }

    public IReadOnlyList<string> Kinds { get; } = ["claim"];

    public double RequestsPerOperation => 1;

    public int Arrivals => _users.Length + _secondAttempts;

    public int Unanswered => _answers.Count(answer => answer is null);

    public IReadOnlyCollection<FlashAnswer> Answers() => [.. _answers.Where(answer => answer is not null).Select(answer => answer!.Value)];

    /// <summary>The user and idempotency key of arrival <paramref name="number"/>.</summary>
    public (int User, string Key) Attempt(long number)
    {
        var users = _users.Length;
        if (number < users)
        {
            return ((int)number, $"{_runId}-{number}-a");
        }

        var second = number - users;
        // A stride coprime with the user count spreads second attempts over all of them.
        var user = (int)(second * 7919 % users);
        return (user, second % 2 == 0 ? $"{_runId}-{user}-a" : $"{_runId}-{user}-b");
    }

    public async Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
    {
        var (user, key) = Attempt(arrival.Number);
        var answer = await _users[user].ClaimAnswerAsync(_campaignId, key, cancellationToken);
        var expected = answer.IsSuccess || (answer.Status == 409 && answer.Code is not null && FlashVerifier.ExpectedRefusals.Contains(answer.Code));
        meter.Record(0, arrival.IntendedTimestamp, answer, expected, arrival.Measured);
        _answers[arrival.Number] = new FlashAnswer(user, key, answer);
    }
}
