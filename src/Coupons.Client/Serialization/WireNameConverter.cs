using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Coupons.Client.Serialization;

/// <summary>
/// A snake_case name the contract may add to over time (codes, statuses, kinds): a known set of
/// values, and any other string kept as it came.
/// </summary>
internal interface IWireName<TSelf>
    where TSelf : struct, IWireName<TSelf>
{
    /// <summary>The values this version of the client knows, matched without allocating.</summary>
    static abstract IReadOnlyList<TSelf> Known { get; }

    string Value { get; }

    static abstract TSelf Create(string value);
}

/// <summary>
/// Reads and writes an <see cref="IWireName{TSelf}"/> as a JSON string (also as a property name, for
/// dictionaries keyed by it). A known value is matched on the UTF-8 bytes and returned without
/// allocating; an unknown one is read as a new string, so a newer server never breaks an older client.
/// </summary>
internal sealed class WireNameConverter<T> : JsonConverter<T>
    where T : struct, IWireName<T>
{
    private static readonly (T Value, byte[] Utf8)[] Known = [.. T.Known.Select(v => (v, Encoding.UTF8.GetBytes(v.Value)))];

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a string for {typeof(T).Name}, found {reader.TokenType}");
        }

        return Match(ref reader);
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Match(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WritePropertyName(value.Value);

    private static T Match(ref Utf8JsonReader reader)
    {
        foreach (var (value, utf8) in Known)
        {
            if (reader.ValueTextEquals(utf8))
            {
                return value;
            }
        }

        return T.Create(reader.GetString() ?? string.Empty);
    }
}
