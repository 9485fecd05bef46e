using System.Text.Json;
using System.Text.Json.Serialization;
using Coupons.Client.Serialization;

namespace Coupons.Client;

/// <summary>
/// What a coupon takes off an order, in integer minor units (cents). Its kind is the JSON field
/// <c>type</c>, and it carries only the fields of that kind. A kind this version of the client does
/// not know (the service only ever adds kinds) is read as an <see cref="UnknownDiscount"/> that
/// keeps the JSON it came as, so reading a coupon or a campaign never fails because of it.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(AmountOffDiscount), AmountOffDiscount.Kind)]
[JsonDerivedType(typeof(PercentOffDiscount), PercentOffDiscount.Kind)]
[JsonDerivedType(typeof(ThresholdDiscount), ThresholdDiscount.Kind)]
[JsonDerivedType(typeof(FreeShippingDiscount), FreeShippingDiscount.Kind)]
public abstract record Discount
{
    private protected Discount(string type) => Type = type;

    /// <summary>The kind as the service spells it: <c>amount_off</c>, <c>percent_off</c>, <c>threshold</c>, <c>free_shipping</c>, or one added later.</summary>
    [JsonIgnore]
    public string Type { get; }
}

/// <summary>A fixed amount off: <c>{"type":"amount_off","amountOff":500}</c>.</summary>
/// <param name="AmountOff">Minor units taken off (at most the order amount).</param>
public sealed record AmountOffDiscount(long AmountOff) : Discount(Kind)
{
    internal const string Kind = "amount_off";
}

/// <summary>A percentage off, optionally capped: <c>{"type":"percent_off","percentOff":20,"maxDiscount":5000}</c>.</summary>
/// <param name="PercentOff">1 to 100.</param>
/// <param name="MaxDiscount">The most it takes off in minor units; null for no cap.</param>
public sealed record PercentOffDiscount(int PercentOff, long? MaxDiscount = null) : Discount(Kind)
{
    internal const string Kind = "percent_off";
}

/// <summary>An amount off orders of at least a threshold: <c>{"type":"threshold","threshold":10000,"amountOff":1500}</c>.</summary>
/// <param name="Threshold">The order amount from which it applies, in minor units.</param>
/// <param name="AmountOff">Minor units taken off.</param>
public sealed record ThresholdDiscount(long Threshold, long AmountOff) : Discount(Kind)
{
    internal const string Kind = "threshold";
}

/// <summary>The order's shipping, optionally capped: <c>{"type":"free_shipping","maxDiscount":500}</c>. Nothing off an order given without shipping.</summary>
/// <param name="MaxDiscount">The most it takes off in minor units; null for the whole shipping amount.</param>
public sealed record FreeShippingDiscount(long? MaxDiscount = null) : Discount(Kind)
{
    internal const string Kind = "free_shipping";
}

/// <summary>
/// A discount of a kind this version of the client does not know (a newer service's), kept as the
/// JSON it came as. Sent back as it is if it is ever written.
/// </summary>
public sealed record UnknownDiscount : Discount
{
    /// <summary>A discount of kind <paramref name="type"/> whose whole JSON object is <paramref name="json"/>.</summary>
    public UnknownDiscount(string type, JsonElement json)
        : base(type) => Json = json;

    /// <summary>The discount's whole JSON object, <c>type</c> included.</summary>
    public JsonElement Json { get; }
}

/// <summary>
/// Reads a discount as its <c>type</c> says, tolerating kinds it does not know (<see cref="UnknownDiscount"/>)
/// and a <c>type</c> that is not the first field. Put on the properties that hold a discount.
/// </summary>
internal sealed class TolerantDiscountConverter : JsonConverter<Discount>
{
    public override Discount? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var context = CouponsJsonContext.Default;
        return TypeOf(reader) switch
        {
            AmountOffDiscount.Kind => JsonSerializer.Deserialize(ref reader, context.AmountOffDiscount),
            PercentOffDiscount.Kind => JsonSerializer.Deserialize(ref reader, context.PercentOffDiscount),
            ThresholdDiscount.Kind => JsonSerializer.Deserialize(ref reader, context.ThresholdDiscount),
            FreeShippingDiscount.Kind => JsonSerializer.Deserialize(ref reader, context.FreeShippingDiscount),
            var other => new UnknownDiscount(other ?? string.Empty, JsonElement.ParseValue(ref reader)),
        };
    }

    public override void Write(Utf8JsonWriter writer, Discount value, JsonSerializerOptions options)
    {
        if (value is UnknownDiscount unknown)
        {
            unknown.Json.WriteTo(writer);
            return;
        }

        // The polymorphic contract of the base type writes "type" first, then the kind's fields.
        JsonSerializer.Serialize(writer, value, CouponsJsonContext.Default.Discount);
    }

    /// <summary>The <c>type</c> of the object the reader is on, looked up on a copy so the reader itself does not move.</summary>
    private static string? TypeOf(Utf8JsonReader copy)
    {
        if (copy.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a discount is a JSON object");
        }

        var depth = copy.CurrentDepth;
        while (copy.Read() && copy.CurrentDepth > depth)
        {
            if (copy.TokenType == JsonTokenType.PropertyName && copy.CurrentDepth == depth + 1 && copy.ValueTextEquals("type"u8))
            {
                copy.Read();
                return TypeName(ref copy);
            }
        }

        return null;
    }

    private static string? TypeName(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        // The known kinds are matched without allocating a string.
        return reader.ValueTextEquals("amount_off"u8) ? AmountOffDiscount.Kind
            : reader.ValueTextEquals("percent_off"u8) ? PercentOffDiscount.Kind
            : reader.ValueTextEquals("threshold"u8) ? ThresholdDiscount.Kind
            : reader.ValueTextEquals("free_shipping"u8) ? FreeShippingDiscount.Kind
            : reader.GetString();
    }
}
