using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Coupons.Api.OpenApi;

/// <summary>
/// One example per main schema, the README's walk-through in numbers: a 20 % campaign (at most
/// 50.00, orders from 10.00, shared code BLACK-FRIDAY), alice's coupon with its own code, an order of
/// 123.45 locked with it, and a generated code she claimed. A test holds each example against its schema.
/// </summary>
internal static class ContractExamples
{
    private const string CampaignId = "0193a5b2-7c1d-7e4f-9a10-3b2c4d5e6f70";
    private const string CouponId = "0193a5b3-0a1b-7c2d-8e3f-405162738495";

    private static readonly Dictionary<string, string> Examples = new()
    {
        ["CreateCampaignRequest"] = """
            {"name": "Black Friday", "discount": {"type": "percent_off", "percentOff": 20, "maxDiscount": 5000},
             "minOrderAmount": 1000, "totalStock": 1000, "perUserLimit": 2, "validity": {"days": 30}, "code": "black-friday"}
            """,
        ["AddStockRequest"] = """{"add": 500}""",
        ["LockRequest"] = """{"orderId": "order-1", "orderAmount": 12345}""",
        ["RedeemRequest"] = """{"orderId": "order-1"}""",
        ["OrderReference"] = """{"orderId": "order-1"}""",
        ["CodeRequest"] = """{"code": "k7qm-x4tr-9hwq"}""",
        ["GenerateCodesRequest"] = """{"count": 10000, "prefix": "SUMMER", "length": 12}""",
        ["CouponCode"] = $$"""
            {"code": "SUMMERK7QMX4TR9HWZ", "status": "claimed", "userId": "alice", "couponId": "{{CouponId}}",
             "claimedAt": "2026-11-27T09:00:00+00:00"}
            """,
        ["RevokeRequest"] = """{"reason": "issued to a test account by mistake"}""",
        ["BlockRequest"] = """{"kind": "ip", "value": "203.0.113.0/24", "reason": "card testing", "expiresAt": "2026-12-01T00:00:00Z"}""",
        ["Campaign"] = $$"""
            {"id": "{{CampaignId}}", "name": "Black Friday",
             "discount": {"type": "percent_off", "percentOff": 20, "maxDiscount": 5000}, "minOrderAmount": 1000,
             "totalStock": 1000, "issued": 1, "remainingStock": 999, "perUserLimit": 2, "claimStartsAt": null, "claimEndsAt": null,
             "validity": {"days": 30}, "lockTtlSeconds": 900, "status": "active", "createdAt": "2026-11-27T08:00:00+00:00",
             "code": "BLACK-FRIDAY", "scope": {"categories": ["shoes", "bags"]}, "stacking": "stackable"}
            """,
        ["Coupon"] = Coupon,
        ["Redemption"] = "{\"coupon\": " + Coupon + ", \"discount\": 2469, \"payable\": 9876}",
        ["CampaignStats"] = $$"""
            {"campaignId": "{{CampaignId}}", "totalStock": 1000, "issued": 1, "remainingStock": 999, "locked": 1, "used": 0,
             "released": 0, "refunded": 0, "expired": 0, "revoked": 0, "rejected": {"limit_reached": 3} }
            """,
        ["Problem"] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.10", "title": "The user holds as many coupons of this campaign as allowed.",
             "status": 409, "code": "limit_reached", "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
            """,
    };

    private static string Coupon => $$"""
        {"id": "{{CouponId}}", "campaignId": "{{CampaignId}}", "userId": "alice", "status": "locked",
         "claimedAt": "2026-11-27T09:00:00+00:00", "validFrom": "2026-11-27T09:00:00+00:00", "validTo": "2026-12-27T09:00:00+00:00",
         "orderId": "order-1", "orderAmount": 12345, "lockExpiresAt": "2026-11-27T09:15:00+00:00", "usedAt": null,
         "discount": {"type": "percent_off", "percentOff": 20, "maxDiscount": 5000}, "minOrderAmount": 1000,
         "code": "Q4M7KX4TR9HWPZC8"}
        """;

    public static void AddTo(OpenApiDocument document)
    {
        foreach (var (name, example) in Examples)
        {
            if (document.Components?.Schemas?.TryGetValue(name, out var schema) == true && schema is OpenApiSchema target)
            {
                target.Examples = [JsonNode.Parse(example)!];
            }
        }
    }
}
