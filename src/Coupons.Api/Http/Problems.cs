using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Http;

/// <summary>Problem details (RFC 9457) with the stable <c>code</c> the contract promises.</summary>
public static class Problems
{
    public const string ValidationFailed = "validation_failed";

    public static ProblemHttpResult For(Outcome outcome, string? detail = null)
    {
        var status = StatusOf(outcome);
        return Create(status, outcome.ToCode(), TitleOf(outcome), detail);
    }

    public static ProblemHttpResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string> { [field] = message });

    public static ProblemHttpResult Validation(IReadOnlyDictionary<string, string> errors)
    {
        var detail = string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}"));
        return TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: "The request is not valid.",
            detail: detail,
            extensions: new Dictionary<string, object?>
            {
                ["code"] = ValidationFailed,
                ["errors"] = errors.ToDictionary(e => e.Key, e => new[] { e.Value }),
            });
    }

    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });

    /// <summary>The code a problem gets when nothing more specific set one, by status.</summary>
    public static string CodeForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ValidationFailed,
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status406NotAcceptable => "not_acceptable",
        StatusCodes.Status408RequestTimeout => "request_timeout",
        StatusCodes.Status411LengthRequired => "length_required",
        StatusCodes.Status413PayloadTooLarge => "payload_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        StatusCodes.Status503ServiceUnavailable => "storage_unavailable",
        >= 500 => "internal_error",
        _ => "bad_request",
    };

    public static int StatusOf(Outcome outcome) => outcome switch
    {
        Outcome.Ok => StatusCodes.Status200OK,
        Outcome.Replayed => StatusCodes.Status200OK,
        Outcome.CampaignNotFound or Outcome.CouponNotFound => StatusCodes.Status404NotFound,
        Outcome.BelowMinimum or Outcome.OrderAmountRequired => StatusCodes.Status422UnprocessableEntity,
        _ => StatusCodes.Status409Conflict,
    };

    private static string TitleOf(Outcome outcome) => outcome switch
    {
        Outcome.CampaignNotFound => "No such campaign.",
        Outcome.CampaignNotActive => "The campaign is not handing out coupons now.",
        Outcome.LimitReached => "The user holds as many coupons of this campaign as allowed.",
        Outcome.SoldOut => "The campaign's stock is gone.",
        Outcome.CouponNotFound => "No such coupon.",
        Outcome.CouponExpired => "The coupon has expired.",
        Outcome.CouponNotYetValid => "The coupon is not valid yet.",
        Outcome.AlreadyUsed => "The coupon is already used.",
        Outcome.LockedByOtherOrder => "The coupon is locked by another order.",
        Outcome.OrderMismatch => "The order was locked or redeemed at another amount.",
        Outcome.OrderAmountRequired => "An order amount is needed to redeem an unlocked coupon.",
        Outcome.BelowMinimum => "The order amount is below the coupon's minimum.",
        Outcome.NotRedeemed => "The coupon is not used by an order.",
        Outcome.CampaignEnded => "The campaign has ended.",
        _ => outcome.ToCode(),
    };
}
