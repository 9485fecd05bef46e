using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace Coupons.Api.Contracts;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateCampaignRequest))]
[JsonSerializable(typeof(AddStockRequest))]
[JsonSerializable(typeof(OrderRequest))]
[JsonSerializable(typeof(OrderReference))]
[JsonSerializable(typeof(RevokeRequest))]
[JsonSerializable(typeof(QuoteRequest))]
[JsonSerializable(typeof(QuoteResponse))]
[JsonSerializable(typeof(CampaignResponse))]
[JsonSerializable(typeof(CouponResponse))]
[JsonSerializable(typeof(RedemptionResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(PageResponse<CampaignResponse>))]
[JsonSerializable(typeof(PageResponse<CouponResponse>))]
[JsonSerializable(typeof(BlockRequest))]
[JsonSerializable(typeof(Coupons.Api.Protection.BlockEntry))]
[JsonSerializable(typeof(List<Coupons.Api.Protection.BlockEntry>))]
[JsonSerializable(typeof(PageResponse<Coupons.Api.Protection.BlockEntry>))]
[JsonSerializable(typeof(Coupons.Api.Protection.FraudFlag))]
[JsonSerializable(typeof(PageResponse<Coupons.Api.Protection.FraudFlag>))]
[JsonSerializable(typeof(AuditEntryResponse))]
[JsonSerializable(typeof(PageResponse<AuditEntryResponse>))]
[JsonSerializable(typeof(IssuanceRequest))]
[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(JobFailurePage))]
[JsonSerializable(typeof(CodeRequest))]
[JsonSerializable(typeof(GenerateCodesRequest))]
[JsonSerializable(typeof(CodeResponse))]
[JsonSerializable(typeof(PageResponse<CodeResponse>))]
[JsonSerializable(typeof(ProblemDetails))]
[JsonSerializable(typeof(HttpValidationProblemDetails))]
public sealed partial class CouponsJsonContext : JsonSerializerContext;
