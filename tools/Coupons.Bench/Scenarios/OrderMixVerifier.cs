using System.Collections.Concurrent;
using Coupons.Bench.Load;
using Coupons.Client;

namespace Coupons.Bench.Scenarios;

/// <summary>
/// Checks the orders of an order mix against the service once the load is over: every order whole
/// or absent (an order that locked holds both its coupons in one status; one refused holds neither,
/// and the service knows no such order), every redeemed order used, and no coupon held by two orders
/// (of the pairs two orders raced for, at most one holds anything).
/// </summary>
public static class OrderMixVerifier
{
    /// <summary>What was checked and what broke.</summary>
    public sealed record Verdict(int Orders, int Checked, int Held, int Refused, int Races, IReadOnlyList<string> Violations);

    /// <summary>
    /// Checks every order two orders raced for and every order not answered 200 at both steps, and of
    /// the others one in <paramref name="sampleEvery"/> (the service's reads cost as much as the run).
    /// </summary>
    public static async Task<Verdict> VerifyAsync(CouponsClient service, IReadOnlyCollection<OrderAttempt> attempts, int sampleEvery, CancellationToken cancellationToken)
    {
        var chosen = attempts.Where((attempt, i) => attempt.Contended || attempt.LockStatus != 200 || attempt.RedeemStatus != 200 || i % sampleEvery == 0).ToList();
        var violations = new ConcurrentQueue<string>();
        var holding = new ConcurrentDictionary<string, bool>();
        await Parallel.ForEachAsync(chosen, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (attempt, ct) =>
        {
            var held = await CheckAsync(service, attempt, violations, ct);
            holding[attempt.OrderId] = held;
        });

        var races = chosen.Where(a => a.Contended).GroupBy(a => a.OrderId[..^2]).ToList();
        foreach (var race in races.Where(race => race.Count(attempt => holding.GetValueOrDefault(attempt.OrderId)) > 1))
        {
            violations.Enqueue($"orders {string.Join(" and ", race.Select(a => a.OrderId))} both hold the same coupons");
        }

        return new Verdict(attempts.Count, chosen.Count, holding.Count(pair => pair.Value), holding.Count(pair => !pair.Value), races.Count, [.. violations.Take(20)]);
    }

    /// <summary>One order whole or absent; true when it holds its coupons.</summary>
    private static async Task<bool> CheckAsync(CouponsClient service, OrderAttempt attempt, ConcurrentQueue<string> violations, CancellationToken cancellationToken)
    {
        CheckoutOrder? order = null;
        try
        {
            order = await service.GetOrderAsync(attempt.OrderId, cancellationToken);
        }
        catch (CouponsApiException exception) when (exception.Problem.Code == ProblemCode.OrderNotFound)
        {
        }

        if (order is null)
        {
            if (attempt.LockStatus == 200)
            {
                violations.Enqueue($"order {attempt.OrderId} was locked (200) but the service does not know it");
            }

            foreach (var id in new[] { attempt.First, attempt.Second })
            {
                if ((await service.GetCouponAsync(id, cancellationToken)).OrderId == attempt.OrderId)
                {
                    violations.Enqueue($"order {attempt.OrderId} was refused ({attempt.LockCode}) yet coupon {id} is its");
                }
            }

            return false;
        }

        var statuses = order.Coupons.Select(c => (c.Status.Value, c.OrderId)).Distinct().ToList();
        var whole = order.Coupons.Count == 2 && statuses.Count == 1 && statuses[0].OrderId == attempt.OrderId;
        if (!whole && order.Status is "locked" or "used")
        {
            violations.Enqueue($"order {attempt.OrderId} ({order.Status}) is not whole: {string.Join(", ", order.Coupons.Select(c => $"{c.Id} {c.Status.Value} {c.OrderId}"))}");
        }

        if (attempt.RedeemStatus == 200 && (order.Status != "used" || statuses[0].Value != "used"))
        {
            violations.Enqueue($"order {attempt.OrderId} was redeemed (200) but is {order.Status}, its coupons {statuses[0].Value}");
        }

        return whole && statuses[0].Value is "locked" or "used";
    }
}
