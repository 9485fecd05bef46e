using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coupons.Client.Serialization;

/// <summary>
/// The contract's JSON, generated at build time: no reflection (trimming and AOT safe) and no
/// start-up cost. camelCase; nulls left out of requests so the service's defaults apply.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(Campaign))]
[JsonSerializable(typeof(Page<Campaign>))]
[JsonSerializable(typeof(NewCampaign))]
[JsonSerializable(typeof(CampaignStats))]
[JsonSerializable(typeof(Coupon))]
[JsonSerializable(typeof(Page<Coupon>))]
[JsonSerializable(typeof(Redemption))]
[JsonSerializable(typeof(Discount))]
[JsonSerializable(typeof(AmountOffDiscount))]
[JsonSerializable(typeof(PercentOffDiscount))]
[JsonSerializable(typeof(ThresholdDiscount))]
[JsonSerializable(typeof(FreeShippingDiscount))]
[JsonSerializable(typeof(BlockEntry))]
[JsonSerializable(typeof(Page<BlockEntry>))]
[JsonSerializable(typeof(NewBlock))]
[JsonSerializable(typeof(FraudFlag))]
[JsonSerializable(typeof(Page<FraudFlag>))]
[JsonSerializable(typeof(AuditEntry))]
[JsonSerializable(typeof(Page<AuditEntry>))]
[JsonSerializable(typeof(CouponCode))]
[JsonSerializable(typeof(Page<CouponCode>))]
[JsonSerializable(typeof(Job))]
[JsonSerializable(typeof(JobFailure))]
[JsonSerializable(typeof(Page<JobFailure>))]
[JsonSerializable(typeof(IssueBody))]
[JsonSerializable(typeof(QuoteOrder))]
[JsonSerializable(typeof(Quote))]
[JsonSerializable(typeof(OrderCoupons))]
[JsonSerializable(typeof(OrderOwnerBody))]
[JsonSerializable(typeof(CheckoutOrder))]
[JsonSerializable(typeof(CouponsProblem))]
[JsonSerializable(typeof(OrderBody))]
[JsonSerializable(typeof(StockBody))]
[JsonSerializable(typeof(RevokeBody))]
[JsonSerializable(typeof(CodeBody))]
[JsonSerializable(typeof(GenerateCodesBody))]
internal sealed partial class CouponsJsonContext : JsonSerializerContext;
