using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Http;

/// <summary>
/// How a refusal is answered: a problem with its status, the outcome's code and <see cref="Text"/>
/// as its title; or, when the refusal is about a value the caller sent (<see cref="Field"/>), a 400
/// validation problem whose <c>errors</c> name the field with <see cref="Text"/>, as
/// <see cref="Problems.Validation(string, string)"/> answers any other bad field.
/// </summary>
public readonly record struct ProblemAnswer(int Status, string Text, string? Field = null)
{
    public static ProblemAnswer InvalidField(string field, string message) => new(StatusCodes.Status400BadRequest, message, field);

    /// <summary>The problem's code: the outcome's own, or <c>validation_failed</c> for a field.</summary>
    public string CodeOf(Outcome outcome) => Field is null ? outcome.ToCode() : Problems.ValidationFailed;
}

/// <summary>Problem details (RFC 9457) with the stable <c>code</c> the contract promises.</summary>
public static class Problems
{
    public const string ValidationFailed = ProblemCodes.ValidationFailed;

    /// <summary>
    /// The answer to every refusal a store gives. The one table: operations answer from it at run time and
    /// document their problem answers from it (<see cref="Refusals"/>), so the two cannot disagree.
    /// </summary>
    public static ProblemAnswer AnswerOf(Outcome outcome) => outcome switch
    {
        Outcome.CampaignNotFound => new(StatusCodes.Status404NotFound, "No such campaign."),
        Outcome.CampaignNotActive => new(StatusCodes.Status409Conflict, "The campaign is not handing out coupons now."),
        Outcome.LimitReached => new(StatusCodes.Status409Conflict, "The user holds as many coupons of this campaign as allowed."),
        Outcome.SoldOut => new(StatusCodes.Status409Conflict, "The campaign's stock is gone."),
        Outcome.CouponNotFound => new(StatusCodes.Status404NotFound, "No such coupon."),
        Outcome.CouponExpired => new(StatusCodes.Status409Conflict, "The coupon has expired."),
        Outcome.CouponNotYetValid => new(StatusCodes.Status409Conflict, "The coupon is not valid yet."),
        Outcome.AlreadyUsed => new(StatusCodes.Status409Conflict, "The coupon is already used."),
        Outcome.LockedByOtherOrder => new(StatusCodes.Status409Conflict, "The coupon is locked by another order."),
        Outcome.OrderMismatch => new(StatusCodes.Status409Conflict, "The order was locked or redeemed at another price or with other coupons."),
        Outcome.OrderAmountRequired => new(StatusCodes.Status422UnprocessableEntity, "An order amount is needed to redeem an unlocked coupon."),
        Outcome.BelowMinimum => new(StatusCodes.Status422UnprocessableEntity, "The order amount is below the coupon's minimum."),
        Outcome.NotRedeemed => new(StatusCodes.Status409Conflict, "The coupon is not used by an order."),
        Outcome.CouponRevoked => new(StatusCodes.Status409Conflict, "The coupon was revoked."),
        Outcome.CampaignEnded => new(StatusCodes.Status409Conflict, "The campaign has ended."),
        // Only adding stock refuses so; its body's field was answered this way before the store had the outcome.
        Outcome.StockCapExceeded => ProblemAnswer.InvalidField("add", $"the total stock would pass {CampaignDefinition.MaxStock}"),
        Outcome.CodeNotFound => new(StatusCodes.Status404NotFound, "No such code."),
        Outcome.CodeAlreadyClaimed => new(StatusCodes.Status409Conflict, "Someone else claimed this code."),
        Outcome.CodeTaken => new(StatusCodes.Status409Conflict, "Another campaign has this code."),
        Outcome.OutOfScope => new(StatusCodes.Status422UnprocessableEntity, "None of the order's items is in the coupon's scope."),
        Outcome.NotCombinable => new(StatusCodes.Status409Conflict, "These coupons cannot go on one order together."),
        Outcome.OrderNotFound => new(StatusCodes.Status404NotFound, "No such order."),
        Outcome.OrderBusy => new(StatusCodes.Status409Conflict, "Another operation on this order is under way; retry shortly."),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "not a refusal, or one this table does not answer yet"),
    };

    /// <summary>The status an outcome is answered with: 200 for a success, else its row of <see cref="AnswerOf"/>.</summary>
    public static int StatusOf(Outcome outcome) => outcome.IsSuccess() ? StatusCodes.Status200OK : AnswerOf(outcome).Status;

    /// <summary>The problem a refusal is answered with. Operations answer through their <see cref="Refusals"/>.</summary>
    public static ProblemHttpResult For(Outcome outcome, string? detail = null)
    {
        var answer = AnswerOf(outcome);
        return answer.Field is { } field ? Validation(field, answer.Text) : Create(answer.Status, outcome.ToCode(), answer.Text, detail);
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

    /// <summary>A body the server could not read (too large, cut off, too slow), answered with the status the server chose.</summary>
    public static ProblemHttpResult Unreadable(BadHttpRequestException exception) =>
        Create(exception.StatusCode, CodeForStatus(exception.StatusCode), "The request body could not be read.", exception.Message);

    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?> { ["code"] = code });

    /// <summary>As <see cref="For"/>, naming the coupon the refusal is about (<c>couponId</c>), if any: an order's refusals do.</summary>
    public static ProblemHttpResult ForCoupon(Outcome outcome, string? couponId)
    {
        var answer = AnswerOf(outcome);
        if (answer.Field is not null || couponId is null)
        {
            return For(outcome);
        }

        return TypedResults.Problem(statusCode: answer.Status, title: answer.Text, extensions: new Dictionary<string, object?>
        {
            ["code"] = outcome.ToCode(),
            ["couponId"] = couponId,
        });
    }

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
}
