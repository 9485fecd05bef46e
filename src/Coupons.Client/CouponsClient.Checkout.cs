namespace Coupons.Client;

// Checkout: the quote, which prices an order with coupons and changes nothing.
public sealed partial class CouponsClient
{
    /// <summary>
    /// Prices an order (the calling user's, or with <see cref="QuoteOrder.UserId"/> the service's
    /// for a user) and changes nothing: without <see cref="QuoteOrder.CouponIds"/> the best
    /// combination of the user's coupons, with them that combination, each candidate's reason when
    /// one does not apply, or <c>not_combinable</c>. A read: safe to retry.
    /// </summary>
    public async Task<Quote> QuoteAsync(QuoteOrder order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var result = await SendAsync(HttpMethod.Post, "v1/checkout/quote", Json(order, Contract.QuoteOrder), Contract.Quote, null, cancellationToken).ConfigureAwait(false);
        return result.GetValueOrThrow();
    }
}
