namespace Coupons.Client.Serialization;

/// <summary>The body of lock, redeem, release and refund.</summary>
internal sealed record OrderBody(string OrderId, long? OrderAmount);

/// <summary>The body of adding stock.</summary>
internal sealed record StockBody(long Add);
