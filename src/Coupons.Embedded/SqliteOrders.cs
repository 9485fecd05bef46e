using Coupons.Core.Checkout;
using Microsoft.Data.Sqlite;

namespace Coupons.Embedded;

/// <summary>The <c>orders</c> table: a checkout order's record, written with its coupons' changes in one transaction, read back whole at open.</summary>
internal static class SqliteOrders
{
    public const string Upsert = """
        INSERT INTO orders (id, user_id, status, items_amount, shipping_amount, lines, updated_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, status = excluded.status,
            items_amount = excluded.items_amount, shipping_amount = excluded.shipping_amount,
            lines = excluded.lines, updated_at = excluded.updated_at
        """;

    /// <summary>Every order, for the store's memory at open.</summary>
    public static IEnumerable<CheckoutOrder> ReadAll(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, user_id, status, items_amount, shipping_amount, lines, updated_at FROM orders";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new CheckoutOrder(
                reader.GetString(0), reader.GetString(1), (OrderStatus)reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4),
                CheckoutOrder.ParseLines(reader.GetString(5)), reader.GetInt64(6));
        }
    }
}
