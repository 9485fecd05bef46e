namespace Coupons.Api.Contracts;

// Request bodies. Every property is nullable so that a missing field is reported by name as a
// validation problem instead of failing deserialization with a generic message.

public sealed record DiscountBody(string? Type, long? AmountOff, int? PercentOff, long? MaxDiscount, long? Threshold);

public sealed record ValidityBody(DateTimeOffset? From, DateTimeOffset? To, int? Days);

public sealed record CreateCampaignRequest(
    string? Name,
    DiscountBody? Discount,
    long? MinOrderAmount,
    long? TotalStock,
    int? PerUserLimit,
    DateTimeOffset? ClaimStartsAt,
    DateTimeOffset? ClaimEndsAt,
    ValidityBody? Validity,
    int? LockTtlSeconds);

public sealed record AddStockRequest(long? Add);

public sealed record OrderRequest(string? OrderId, long? OrderAmount);

/// <summary>A blocklist entry to add: <c>kind</c> is user, ip or device; <c>expiresAt</c> left out blocks for good.</summary>
public sealed record BlockRequest(string? Kind, string? Value, string? Reason, DateTimeOffset? ExpiresAt);
