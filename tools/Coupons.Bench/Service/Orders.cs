using Coupons.Client;

namespace Coupons.Bench.Service;

/// <summary>The order calls the scenarios make, through <see cref="CouponsClient"/>: each answered as an <see cref="Answer"/>.</summary>
public static class Orders
{
    /// <summary><c>POST /v1/orders/{orderId}/lock</c> of <paramref name="couponIds"/> for an order of <paramref name="orderAmount"/>.</summary>
    public static async ValueTask<Answer> LockOrderAnswerAsync(this CouponsClient caller, string orderId, Guid[] couponIds, long orderAmount, CancellationToken cancellationToken)
    {
        try
        {
            return Answer.Of(await caller.TryLockOrderAsync(orderId, new OrderCoupons(couponIds, OrderAmount: orderAmount), cancellationToken), Guid.Empty);
        }
        catch (Exception exception) when (Answers.IsFailure(exception, cancellationToken))
        {
            return Answers.FailureOf(exception);
        }
    }

    /// <summary><c>POST /v1/orders/{orderId}/redeem</c> without a body: the order's locks confirmed.</summary>
    public static async ValueTask<Answer> RedeemOrderAnswerAsync(this CouponsClient caller, string orderId, CancellationToken cancellationToken)
    {
        try
        {
            return Answer.Of(await caller.TryRedeemOrderAsync(orderId, null, cancellationToken), Guid.Empty);
        }
        catch (Exception exception) when (Answers.IsFailure(exception, cancellationToken))
        {
            return Answers.FailureOf(exception);
        }
    }
}
