using System.Text.Json;

namespace Coupons.Core.Checkout;

/// <summary>
/// A campaign's checkout options (scope and stacking) as one text every store keeps in one column or
/// field: <c>{"stacking":"stackable","skus":[…],"categories":[…]}</c>, each part only when it is not
/// the default, and null for the defaults (no scope, exclusive), so a campaign stored before the
/// options existed reads as it always behaved.
/// </summary>
public static class CheckoutText
{
    private const string StackableName = "stackable";

    public static string? Write(Scope? scope, Stacking stacking)
    {
        if (scope is null && stacking == Stacking.Exclusive)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (stacking == Stacking.Stackable)
            {
                writer.WriteString("stacking", StackableName);
            }

            if (scope is not null)
            {
                WriteList(writer, "skus", scope.Skus);
                WriteList(writer, "categories", scope.Categories);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The options <paramref name="text"/> holds; throws <see cref="FormatException"/> on text <see cref="Write"/> did not make.</summary>
    public static (Scope? Scope, Stacking Stacking) Read(string? text)
    {
        if (text is null)
        {
            return (null, Stacking.Exclusive);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var stacking = root.TryGetProperty("stacking", out var named) && named.GetString() == StackableName ? Stacking.Stackable : Stacking.Exclusive;
            var skus = ReadList(root, "skus");
            var categories = ReadList(root, "categories");
            if (skus.Count + categories.Count == 0)
            {
                return (null, stacking);
            }

            var errors = Scope.Create(skus, categories, out var scope);
            return errors.Count == 0 ? (scope, stacking) : throw new FormatException($"stored checkout options are not valid: {string.Join("; ", errors)}");
        }
        catch (JsonException exception)
        {
            throw new FormatException("stored checkout options are not JSON", exception);
        }
    }

    private static void WriteList(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static List<string> ReadList(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) ? [.. list.EnumerateArray().Select(value => value.GetString()!)] : [];
}
