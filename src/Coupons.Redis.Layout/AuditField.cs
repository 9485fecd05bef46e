using System.Buffers;
using System.Text;
using System.Text.Json;
using Coupons.Core;

namespace Coupons.Redis.Layout;

/// <summary>
/// The audit part of an event, as one JSON field (<c>audit</c>) that the scripts copy into the
/// event as given: who made the change (the flow's <see cref="AuditScope"/>), when, the state before
/// (as the audit log shows it), the order concerned and the reason the caller gave (a revoke's).
/// The persister turns it into an audit row.
/// </summary>
public static class AuditField
{
    public const string Name = "audit";

    public static string Encode(long atMs, string? before = null, string? orderId = null, string? reason = null)
    {
        var actor = AuditScope.Current;
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("actor", actor.Id);
            writer.WriteString("role", actor.Role);
            WriteOptional(writer, "ip", actor.Ip);
            writer.WriteNumber("at", atMs);
            WriteOptional(writer, "before", before);
            WriteOptional(writer, "order", orderId);
            WriteOptional(writer, "reason", reason);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static Decoded Decode(string text)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        return new Decoded(
            root.GetProperty("actor").GetString()!,
            root.GetProperty("role").GetString()!,
            Optional(root, "ip"),
            root.GetProperty("at").GetInt64(),
            Optional(root, "before"),
            Optional(root, "order"),
            Optional(root, "reason"));
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string? Optional(JsonElement root, string name) => root.TryGetProperty(name, out var value) ? value.GetString() : null;

    public sealed record Decoded(string Actor, string Role, string? Ip, long AtMs, string? Before, string? OrderId, string? Reason);
}
