using System.Text.Json;
using System.Text.Json.Serialization;
using Coupons.Core;

namespace Coupons.Redis;

/// <summary>
/// The plan of an order operation under way, kept in the order's record while its coupons change
/// (one slot each): every coupon's change with the version it was decided on and the states before
/// and after. Whoever finds the plan past its deadline takes it back (<see cref="RedisOrders"/>):
/// a coupon still at <see cref="PlanStep.Version"/> is fenced (its version moved on, so a late step
/// of the dying operation fails), one at the next version with the state after is put back.
/// </summary>
internal sealed record OrderPlan(long DeadlineMs, IReadOnlyList<PlanStep> Steps)
{
    public string ToJson() => JsonSerializer.Serialize(this, OrderPlanJson.Default.OrderPlan);

    public static OrderPlan FromJson(string json) =>
        JsonSerializer.Deserialize(json, OrderPlanJson.Default.OrderPlan) ?? throw new InvalidDataException("an order's plan is empty");
}

/// <summary>One coupon's change in an <see cref="OrderPlan"/>.</summary>
internal sealed record PlanStep(Guid CouponId, Guid CampaignId, int Bucket, long Version, CouponEvents Events, PlanState Before, PlanState After);

/// <summary>A <see cref="CouponState"/> as a plan keeps it.</summary>
internal sealed record PlanState(
    CouponStatus Status, long ValidFromMs, long ValidToMs, string? OrderId, long OrderAmount, long OrderShipping, long? OrderDiscount,
    long LockExpiresAtMs, long UsedAtMs, string? RefundedOrderId)
{
    public static PlanState Of(in CouponState state) => new(
        state.Status, state.ValidFromMs, state.ValidToMs, state.OrderId, state.OrderAmount, state.OrderShipping, state.OrderDiscount,
        state.LockExpiresAtMs, state.UsedAtMs, state.RefundedOrderId);

    public CouponState ToState() => new()
    {
        Status = Status,
        ValidFromMs = ValidFromMs,
        ValidToMs = ValidToMs,
        OrderId = OrderId,
        OrderAmount = OrderAmount,
        OrderShipping = OrderShipping,
        OrderDiscount = OrderDiscount,
        LockExpiresAtMs = LockExpiresAtMs,
        UsedAtMs = UsedAtMs,
        RefundedOrderId = RefundedOrderId,
    };
}

[JsonSerializable(typeof(OrderPlan))]
internal sealed partial class OrderPlanJson : JsonSerializerContext;
