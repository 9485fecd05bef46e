namespace Coupons.Client.Serialization;

/// <summary>The body of lock, redeem, release and refund.</summary>
internal sealed record OrderBody(string OrderId, long? OrderAmount, IReadOnlyList<OrderItem>? Items = null, long? ShippingAmount = null);

/// <summary>The body of an order's release or refund for the service: whose order it must be.</summary>
internal sealed record OrderOwnerBody(string UserId);

/// <summary>The body of adding stock.</summary>
internal sealed record StockBody(long Add);

/// <summary>The body of a revoke.</summary>
internal sealed record RevokeBody(string Reason);

/// <summary>The body of a claim by code and of a lookup.</summary>
internal sealed record CodeBody(string Code);

/// <summary>The body of a code generation.</summary>
internal sealed record GenerateCodesBody(long Count, string? Prefix, int? Length);

/// <summary>The body of an issuance given as a list.</summary>
internal sealed record IssueBody(IReadOnlyList<string> UserIds);
