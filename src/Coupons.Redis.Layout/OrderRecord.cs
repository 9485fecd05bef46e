using System.Globalization;
using Coupons.Core;
using Coupons.Core.Checkout;
using StackExchange.Redis;

namespace Coupons.Redis.Layout;

/// <summary>
/// A checkout order as Redis holds it (a hash in its partition's slot): the order as its last
/// finished operation left it, if any; the version every change of it is made on; and the plan of
/// an operation under way (<see cref="Pending"/>), which the store writes before it changes the
/// order's coupons and clears once all of them changed, so that a node dying in between leaves a
/// plan to be taken back.
/// </summary>
public sealed record OrderRecord(string Id, CheckoutOrder? Order, long Version, string? Pending)
{
    /// <summary>The record of a hash; an empty hash is an order with no record (version 0).</summary>
    public static OrderRecord FromHash(string orderId, StoredFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.IsEmpty)
        {
            return new OrderRecord(orderId, null, 0, null);
        }

        var order = fields.OptionalText(Fields.User) is { } user
            ? new CheckoutOrder(
                orderId, user, WireNames.ParseOrderStatus(fields.Text(Fields.Status)), fields.Number(Fields.Items), fields.Number(Fields.Shipping),
                CheckoutOrder.ParseLines(fields.Text(Fields.Lines)), fields.Number(Fields.UpdatedAt))
            : null;
        return new OrderRecord(orderId, order, fields.Number(Fields.Version), fields.OptionalText(Fields.Pending));
    }

    /// <summary>The order of an <see cref="EventKind.OrderChanged"/> event: its record as the operation left it, with its version.</summary>
    public static OrderRecord FromEvent(StoredFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var record = FromHash(fields.Text(Fields.Order), fields);
        return record.Order is null ? throw new InvalidDataException("an order event without its order") : record;
    }

    /// <summary>An order's fields as name, value pairs, for orderstore.lua's arguments.</summary>
    public static RedisValue[] PairsOf(CheckoutOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return
        [
            Fields.User, order.UserId, Fields.Status, WireNames.Of(order.Status), Fields.Items, order.ItemsAmount.ToString(CultureInfo.InvariantCulture),
            Fields.Shipping, order.ShippingAmount.ToString(CultureInfo.InvariantCulture), Fields.Lines, CheckoutOrder.FormatLines(order.Lines),
            Fields.UpdatedAt, order.UpdatedAtMs.ToString(CultureInfo.InvariantCulture),
        ];
    }

    public static class Fields
    {
        public const string User = "user";
        public const string Status = "status";
        public const string Items = "items";
        public const string Shipping = "shipping";
        public const string Lines = "lines";
        public const string UpdatedAt = "updatedAt";
        public const string Version = "version";

        /// <summary>The order's id, in its events (the hash has it in its key).</summary>
        public const string Order = "order";

        /// <summary>The plan of the operation under way, absent when none is.</summary>
        public const string Pending = "pending";
    }
}
