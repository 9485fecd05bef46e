using Coupons.Api.Contracts;
using Coupons.Core;
using Coupons.Core.Checkout;

namespace Coupons.Api.Apis;

/// <summary>Turns a create-campaign body into a <see cref="CampaignDefinition"/>, naming every field that is off.</summary>
internal static class CampaignMapping
{
    public static (CampaignDefinition? Definition, long TotalStock, IReadOnlyDictionary<string, string> Errors) ToDefinition(CreateCampaignRequest body)
    {
        var errors = new Dictionary<string, string>();
        var discount = ToDiscount(body.Discount, errors);
        var scope = ToScope(body.Scope, errors);
        var stacking = body.Stacking switch
        {
            null or "exclusive" => Stacking.Exclusive,
            "stackable" => Stacking.Stackable,
            _ => (Stacking?)null,
        };
        if (stacking is null)
        {
            errors["stacking"] = "must be exclusive or stackable";
        }

        if (body.TotalStock is null)
        {
            errors["totalStock"] = "is required";
        }

        if (body.Validity is null)
        {
            errors["validity"] = "is required: {\"days\": n} or {\"from\": ..., \"to\": ...}";
        }

        if (errors.Count > 0 || discount is null)
        {
            return (null, 0, errors);
        }

        var definition = new CampaignDefinition
        {
            Name = body.Name ?? string.Empty,
            Discount = discount,
            MinOrderAmount = body.MinOrderAmount ?? 0,
            PerUserLimit = body.PerUserLimit ?? 1,
            ClaimStartsAtMs = UnixTime.ToMs(body.ClaimStartsAt),
            ClaimEndsAtMs = UnixTime.ToMs(body.ClaimEndsAt),
            Validity = new Validity(UnixTime.ToMs(body.Validity!.From), UnixTime.ToMs(body.Validity.To), body.Validity.Days),
            LockTtlSeconds = body.LockTtlSeconds ?? CampaignDefinition.DefaultLockTtlSeconds,
            Scope = scope,
            Stacking = stacking!.Value,
        };
        var totalStock = body.TotalStock!.Value;
        var problems = definition.Validate(totalStock);
        return problems.Count > 0 ? (null, 0, problems) : (definition, totalStock, problems);
    }

    private static Discount? ToDiscount(DiscountTerms? body, Dictionary<string, string> errors)
    {
        if (body is null)
        {
            errors["discount"] = "is required";
            return null;
        }

        switch (body.Type)
        {
            case DiscountTerms.AmountOffType:
                Forbid(errors, body.PercentOff, "discount.percentOff");
                Forbid(errors, body.MaxDiscount, "discount.maxDiscount");
                Forbid(errors, body.Threshold, "discount.threshold");
                var amountOff = Amount(errors, body.AmountOff, "discount.amountOff", min: 1);
                return errors.Count == 0 ? Discount.AmountOffOf(amountOff) : null;
            case DiscountTerms.PercentOffType:
                Forbid(errors, body.AmountOff, "discount.amountOff");
                Forbid(errors, body.Threshold, "discount.threshold");
                if (body.PercentOff is not (>= 1 and <= 100))
                {
                    errors["discount.percentOff"] = "must be between 1 and 100";
                }

                long? cap = body.MaxDiscount is null ? null : Amount(errors, body.MaxDiscount, "discount.maxDiscount", min: 1);
                return errors.Count == 0 ? Discount.PercentOffOf(body.PercentOff!.Value, cap) : null;
            case DiscountTerms.ThresholdType:
                Forbid(errors, body.PercentOff, "discount.percentOff");
                Forbid(errors, body.MaxDiscount, "discount.maxDiscount");
                var threshold = Amount(errors, body.Threshold, "discount.threshold", min: 0);
                var off = Amount(errors, body.AmountOff, "discount.amountOff", min: 1);
                return errors.Count == 0 ? Discount.ThresholdOf(threshold, off) : null;
            case DiscountTerms.FreeShippingType:
                Forbid(errors, body.AmountOff, "discount.amountOff");
                Forbid(errors, body.PercentOff, "discount.percentOff");
                Forbid(errors, body.Threshold, "discount.threshold");
                long? shippingCap = body.MaxDiscount is null ? null : Amount(errors, body.MaxDiscount, "discount.maxDiscount", min: 1);
                return errors.Count == 0 ? Discount.FreeShippingOf(shippingCap) : null;
            default:
                errors["discount.type"] = "must be amount_off, percent_off, threshold or free_shipping";
                return null;
        }
    }

    private static Scope? ToScope(ScopeTerms? body, Dictionary<string, string> errors)
    {
        if (body is null)
        {
            return null;
        }

        var problems = Scope.Create(body.Skus, body.Categories, out var scope);
        foreach (var (field, problem) in problems)
        {
            errors[field] = problem;
        }

        return scope;
    }

    private static long Amount(Dictionary<string, string> errors, long? value, string field, long min)
    {
        if (value is not { } amount || amount < min || amount > Money.MaxAmount)
        {
            errors[field] = $"must be between {min} and {Money.MaxAmount} minor units";
            return 0;
        }

        return amount;
    }

    private static void Forbid<T>(Dictionary<string, string> errors, T? value, string field)
        where T : struct
    {
        if (value.HasValue)
        {
            errors[field] = "does not belong to this discount type";
        }
    }
}
