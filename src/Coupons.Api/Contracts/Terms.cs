using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Api.Contracts;

/// <summary>
/// A discount as the contract writes it, in requests and answers alike: <c>type</c> says which
/// fields it has (<c>amount_off</c>: amountOff; <c>percent_off</c>: percentOff and an optional
/// maxDiscount; <c>threshold</c>: threshold and amountOff; <c>free_shipping</c>: an optional maxDiscount). Fields of other types are left out of
/// answers, and refused in requests with the field named. The OpenAPI document shows it as a
/// <c>oneOf</c> by <c>type</c> (<see cref="OpenApi.WireSchemas"/>).
/// </summary>
public sealed record DiscountTerms(
    string? Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AmountOff = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? PercentOff = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MaxDiscount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Threshold = null)
{
    public const string AmountOffType = "amount_off";
    public const string PercentOffType = "percent_off";
    public const string ThresholdType = "threshold";
    public const string FreeShippingType = "free_shipping";

    public static DiscountTerms From(Discount discount) => discount.Kind switch
    {
        DiscountKind.AmountOff => new(AmountOffType, AmountOff: discount.AmountOff),
        DiscountKind.PercentOff => new(PercentOffType, PercentOff: discount.PercentOff, MaxDiscount: discount.MaxDiscount),
        DiscountKind.Threshold => new(ThresholdType, AmountOff: discount.AmountOff, Threshold: discount.Threshold),
        DiscountKind.FreeShipping => new(FreeShippingType, MaxDiscount: discount.MaxDiscount),
        _ => throw new ArgumentOutOfRangeException(nameof(discount), discount.Kind, "unknown discount kind"),
    };
}

/// <summary>
/// The items a campaign's discount applies to at checkout: those whose SKU or category is listed
/// (compared exactly). Left out, the whole order.
/// </summary>
public sealed record ScopeTerms(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), MaxLength(Scope.MaxEntries), Description("SKUs the discount applies to.")] IReadOnlyList<string>? Skus = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), MaxLength(Scope.MaxEntries), Description("Categories the discount applies to.")] IReadOnlyList<string>? Categories = null)
{
    public static ScopeTerms? From(Scope? scope) => scope is null ? null : new(scope.Skus.Count > 0 ? scope.Skus : null, scope.Categories.Count > 0 ? scope.Categories : null);
}

/// <summary>
/// How long a claimed coupon is valid: <c>{days}</c> from its claim, or a fixed window
/// <c>{from?, to}</c>. Fields not given are left out of answers.
/// </summary>
public sealed record ValidityTerms(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? From = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? To = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Days = null)
{
    public static ValidityTerms Of(Validity validity) =>
        new(UnixTime.ToTime(validity.FromMs), UnixTime.ToTime(validity.ToMs), validity.Days);
}
