using System.Text.Json.Nodes;
using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Api.Protection;
using Coupons.Core;
using Microsoft.OpenApi;

namespace Coupons.Api.OpenApi;

/// <summary>
/// The schemas the generator cannot infer from the C# types: the discount and the validity as
/// <c>oneOf</c>s (one C# record each reads and writes every variant), the problem details with
/// their code, and the closed lists of values string fields take.
/// </summary>
internal static class WireSchemas
{
    public const string Problem = "Problem";
    public const string ProblemCodeName = "ProblemCode";
    public const string Discount = "Discount";
    public const string Validity = "Validity";

    /// <summary>The values of string properties, by the component and property they belong to.</summary>
    public static readonly IReadOnlyDictionary<(string Component, string Property), IReadOnlyList<string>> Enums =
        new Dictionary<(string, string), IReadOnlyList<string>>
        {
            [("Campaign", "status")] = WireNames.CampaignStatusNames,
            [("Coupon", "status")] = WireNames.CouponStatusNames,
            [("BlockEntry", "kind")] = BlockKinds,
            [("BlockRequest", "kind")] = BlockKinds,
            [("FraudFlag", "kind")] = BlockKinds,
            [("FraudFlag", "signal")] = FraudSignalNames,
            [("AuditActor", "role")] = ["user", "service", "admin", "anonymous", "system", "job"],
            [("Job", "status")] = Contracts.JobResponse.StatusNames,
            [("Job", "kind")] = [Core.Jobs.JobKinds.Codes, Core.Jobs.JobKinds.Issuance],
            [("CouponCode", "status")] = Contracts.CodeResponse.StatusNames,
        };

    public static IReadOnlyList<string> BlockKinds => [BlockEntry.User, BlockEntry.Ip, BlockEntry.Device];

    public static IReadOnlyList<string> FraudSignalNames => FraudFlag.Signals;

    /// <summary>Components whose string properties named here are ids in UUID form.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> UuidProperties = new Dictionary<string, string[]>
    {
        ["Campaign"] = ["id"],
        ["Coupon"] = ["id", "campaignId"],
        ["CampaignStats"] = ["campaignId"],
        ["AuditEntry"] = ["campaignId"],
        ["Job"] = ["id", "campaignId"],
        ["CouponCode"] = ["couponId"],
    };

    /// <summary>The components this class writes whole: each replaces whatever the generator made under its name.</summary>
    public static IEnumerable<(string Name, OpenApiSchema Schema)> Components(OpenApiDocument document)
    {
        yield return (ProblemCodeName, StringEnum("A stable code for what went wrong. Codes are only ever added.", ProblemCodes.All.Select(c => c.Code).Distinct()));
        yield return (Problem, ProblemSchema(document));
        yield return ("AmountOffDiscount", Variant(
            "A fixed amount off the order.",
            DiscountTerms.AmountOffType,
            ("amountOff", Amount("Minor units off; never more than the order.", 1), true)));
        yield return ("PercentOffDiscount", Variant(
            "A percentage of the order, optionally capped; rounded down to a whole minor unit.",
            DiscountTerms.PercentOffType,
            ("percentOff", Integer("Percent off, 1 to 100.", 1, 100, "int32"), true),
            ("maxDiscount", Amount("The most the discount comes to, in minor units; no cap when left out.", 1), false)));
        yield return ("ThresholdDiscount", Variant(
            "A fixed amount off orders of at least the threshold.",
            DiscountTerms.ThresholdType,
            ("threshold", Amount("Smallest order amount, in minor units, the discount applies to.", 0), true),
            ("amountOff", Amount("Minor units off; never more than the order.", 1), true)));
        yield return ("FreeShippingDiscount", Variant(
            "The order's shipping amount, optionally capped; nothing off an order given without shipping.",
            DiscountTerms.FreeShippingType,
            ("maxDiscount", Amount("The most the discount comes to, in minor units; no cap when left out.", 1), false)));
        yield return (Discount, OneOf(
            document,
            "What a coupon takes off an order; type says which kind.",
            ("AmountOffDiscount", DiscountTerms.AmountOffType),
            ("PercentOffDiscount", DiscountTerms.PercentOffType),
            ("ThresholdDiscount", DiscountTerms.ThresholdType),
            ("FreeShippingDiscount", DiscountTerms.FreeShippingType)));
        yield return (Validity, ValiditySchema());
    }

    /// <summary>
    /// One object with two shapes, told apart by which fields are given (there is no field to
    /// discriminate on): <c>{days}</c>, or <c>{from?, to}</c>. Generators make one type of it.
    /// </summary>
    private static OpenApiSchema ValiditySchema()
    {
        var schema = Closed(
            "How long a claimed coupon is valid: {days} from its claim, or the fixed window {from?, to}; not both.",
            ("days", Integer($"Valid for this many days from the claim, 1 to {Core.Validity.MaxDays}.", 1, Core.Validity.MaxDays, "int32"), false),
            ("from", DateTime("Start of the fixed window; the claim's time when left out."), false),
            ("to", DateTime("End of the fixed window, after from."), false));
        schema.OneOf = [Shape("Relative", given: ["days"], absent: ["from", "to"]), Shape("Fixed", given: ["to"], absent: ["days"])];
        return schema;
    }

    /// <summary>A shape of an object: these fields given, those absent (a schema nothing matches).</summary>
    private static OpenApiSchema Shape(string title, string[] given, string[] absent) => new()
    {
        Title = title,
        Required = given.ToHashSet(),
        Properties = given.Select(f => (f, (IOpenApiSchema)new OpenApiSchema()))
            .Concat(absent.Select(f => (f, (IOpenApiSchema)new OpenApiSchema { Not = new OpenApiSchema() })))
            .ToDictionary(p => p.f, p => p.Item2),
    };

    private static OpenApiSchema ProblemSchema(OpenApiDocument document) => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Problem details (RFC 9457) with the contract's stable code.",
        Required = new HashSet<string> { "title", "status", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A URI naming the kind of problem." },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "A short summary, the same for every occurrence of the code." },
            ["status"] = Integer("The HTTP status.", 400, 599, "int32"),
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What was wrong with this request." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's path." },
            ["code"] = new OpenApiSchemaReference(ProblemCodeName, document),
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "With validation_failed: the messages for each field, parameter or header that is off, by its name (nested fields as discount.amountOff).",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
            ["limit"] = StringEnum("With rate_limited: the rate limit that refused.", ProblemCodes.Limits),
            ["couponId"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid", Description = "With an order's refusal about one of its coupons: that coupon." },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request, for the service's logs." },
        },
    };

    private static OpenApiSchema Variant(string description, string type, params (string Name, OpenApiSchema Schema, bool Required)[] fields) =>
        Closed(description, [("type", new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(type)] }, true), .. fields]);

    private static OpenApiSchema Closed(string description, params (string Name, OpenApiSchema Schema, bool Required)[] fields) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        AdditionalPropertiesAllowed = false,
        Required = fields.Where(f => f.Required).Select(f => f.Name).ToHashSet(),
        Properties = fields.ToDictionary(f => f.Name, f => (IOpenApiSchema)f.Schema),
    };

    private static OpenApiSchema OneOf(OpenApiDocument document, string description, params (string Component, string Discriminator)[] variants) => new()
    {
        Description = description,
        OneOf = [.. variants.Select(v => (IOpenApiSchema)new OpenApiSchemaReference(v.Component, document))],
        Discriminator = new OpenApiDiscriminator
        {
            PropertyName = "type",
            Mapping = variants.ToDictionary(v => v.Discriminator, v => new OpenApiSchemaReference(v.Component, document)),
        },
    };

    private static OpenApiSchema StringEnum(string description, IEnumerable<string> values) =>
        new() { Type = JsonSchemaType.String, Description = description, Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))] };

    private static OpenApiSchema Amount(string description, long minimum) =>
        Integer(description, minimum, Money.MaxAmount, "int64");

    private static OpenApiSchema Integer(string description, long minimum, long maximum, string format) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = format,
        Description = description,
        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static OpenApiSchema DateTime(string description) =>
        new() { Type = JsonSchemaType.String, Format = "date-time", Description = description };
}
