using System.Text.Json.Serialization;
using Coupons.Client.Serialization;

namespace Coupons.Client;

/// <summary>
/// The stable <c>code</c> of a problem the service answers with. Codes are only ever added: the
/// known ones are the static properties, compared with <c>==</c>; a code this version of the client
/// does not know yet is kept as it came (<see cref="IsKnown"/> is false), never an error.
/// </summary>
/// <param name="Value">The code as the service spells it, like <c>sold_out</c>.</param>
[JsonConverter(typeof(WireNameConverter<ProblemCode>))]
public readonly record struct ProblemCode(string Value) : IWireName<ProblemCode>
{
    /// <summary><c>validation_failed</c> — 400: the request is malformed or a value is out of range; <see cref="CouponsProblem.Errors"/> names the fields.</summary>
    public static ProblemCode ValidationFailed { get; } = new("validation_failed");

    /// <summary><c>unauthorized</c> — 401: no token, or an expired or badly signed one.</summary>
    public static ProblemCode Unauthorized { get; } = new("unauthorized");

    /// <summary><c>forbidden</c> — 403: the token's role may not do this.</summary>
    public static ProblemCode Forbidden { get; } = new("forbidden");

    /// <summary><c>blocked</c> — 403: the user, address or device is on the blocklist.</summary>
    public static ProblemCode Blocked { get; } = new("blocked");

    /// <summary><c>rate_limited</c> — 429: a rate limit is reached (<see cref="CouponsProblem.Limit"/> says which); try again after <see cref="CouponsApiException.RetryAfter"/>.</summary>
    public static ProblemCode RateLimited { get; } = new("rate_limited");

    /// <summary><c>overloaded</c> — 503: the service is shedding load; try again shortly.</summary>
    public static ProblemCode Overloaded { get; } = new("overloaded");

    /// <summary><c>storage_unavailable</c> — 503: the store cannot take requests now (starting, or a disk write failed).</summary>
    public static ProblemCode StorageUnavailable { get; } = new("storage_unavailable");

    /// <summary><c>payload_too_large</c> — 413: the body is over the service's limit.</summary>
    public static ProblemCode PayloadTooLarge { get; } = new("payload_too_large");

    /// <summary><c>not_found</c> — 404: no such resource (a blocklist entry, a fraud flag, a path).</summary>
    public static ProblemCode NotFound { get; } = new("not_found");

    /// <summary><c>campaign_not_found</c> — 404: no such campaign.</summary>
    public static ProblemCode CampaignNotFound { get; } = new("campaign_not_found");

    /// <summary><c>coupon_not_found</c> — 404: no such coupon, or one of someone else's.</summary>
    public static ProblemCode CouponNotFound { get; } = new("coupon_not_found");

    /// <summary><c>campaign_not_active</c> — 409: the campaign is not handing out coupons now (paused, not started, claim window over).</summary>
    public static ProblemCode CampaignNotActive { get; } = new("campaign_not_active");

    /// <summary><c>limit_reached</c> — 409: the user holds as many coupons of the campaign as allowed.</summary>
    public static ProblemCode LimitReached { get; } = new("limit_reached");

    /// <summary><c>sold_out</c> — 409: the campaign's stock is gone.</summary>
    public static ProblemCode SoldOut { get; } = new("sold_out");

    /// <summary><c>campaign_ended</c> — 409: the campaign has ended.</summary>
    public static ProblemCode CampaignEnded { get; } = new("campaign_ended");

    /// <summary><c>coupon_expired</c> — 409: the coupon has expired.</summary>
    public static ProblemCode CouponExpired { get; } = new("coupon_expired");

    /// <summary><c>coupon_not_yet_valid</c> — 409: the coupon is not valid yet.</summary>
    public static ProblemCode CouponNotYetValid { get; } = new("coupon_not_yet_valid");

    /// <summary><c>already_used</c> — 409: the coupon is already used.</summary>
    public static ProblemCode AlreadyUsed { get; } = new("already_used");

    /// <summary><c>locked_by_other_order</c> — 409: the coupon is locked by another order.</summary>
    public static ProblemCode LockedByOtherOrder { get; } = new("locked_by_other_order");

    /// <summary><c>order_mismatch</c> — 409: the order was locked or redeemed at another price or with other coupons.</summary>
    public static ProblemCode OrderMismatch { get; } = new("order_mismatch");

    /// <summary><c>not_redeemed</c> — 409: the coupon is not used by an order, so there is nothing to refund.</summary>
    public static ProblemCode NotRedeemed { get; } = new("not_redeemed");

    /// <summary><c>coupon_revoked</c> — 409: an admin revoked the coupon; it cannot be locked or redeemed.</summary>
    public static ProblemCode CouponRevoked { get; } = new("coupon_revoked");

    /// <summary><c>below_minimum</c> — 422: the order amount is below the coupon's minimum.</summary>
    public static ProblemCode BelowMinimum { get; } = new("below_minimum");

    /// <summary><c>order_amount_required</c> — 422: an order amount is needed to redeem a coupon that is not locked.</summary>
    public static ProblemCode OrderAmountRequired { get; } = new("order_amount_required");

    /// <summary><c>blocklist_full</c> — 409: the blocklist is full.</summary>
    public static ProblemCode BlocklistFull { get; } = new("blocklist_full");

    /// <summary><c>method_not_allowed</c> — 405: the path does not take this method.</summary>
    public static ProblemCode MethodNotAllowed { get; } = new("method_not_allowed");

    /// <summary><c>not_acceptable</c> — 406: the answer cannot be given in a type the request accepts.</summary>
    public static ProblemCode NotAcceptable { get; } = new("not_acceptable");

    /// <summary><c>request_timeout</c> — 408: the request took too long to arrive.</summary>
    public static ProblemCode RequestTimeout { get; } = new("request_timeout");

    /// <summary><c>length_required</c> — 411: the body needs a length.</summary>
    public static ProblemCode LengthRequired { get; } = new("length_required");

    /// <summary><c>unsupported_media_type</c> — 415: the body is not JSON.</summary>
    public static ProblemCode UnsupportedMediaType { get; } = new("unsupported_media_type");

    /// <summary><c>bad_request</c> — 4xx: a refusal the service has no more specific code for.</summary>
    public static ProblemCode BadRequest { get; } = new("bad_request");

    /// <summary><c>job_not_found</c> — 404: no such job.</summary>
    public static ProblemCode JobNotFound { get; } = new("job_not_found");

    /// <summary><c>job_finished</c> — 409: the job has finished and can no longer be cancelled.</summary>
    public static ProblemCode JobFinished { get; } = new("job_finished");

    /// <summary><c>code_not_found</c> — 404: no such code (a shared code, a generated code, or a coupon's own code); a typo the check character catches is refused so without a lookup.</summary>
    public static ProblemCode CodeNotFound { get; } = new("code_not_found");

    /// <summary><c>code_already_claimed</c> — 409: someone else claimed this generated code.</summary>
    public static ProblemCode CodeAlreadyClaimed { get; } = new("code_already_claimed");

    /// <summary><c>code_taken</c> — 409: another campaign has this shared code.</summary>
    public static ProblemCode CodeTaken { get; } = new("code_taken");

    /// <summary><c>out_of_scope</c> — 422: none of the order's items is in the coupon's scope (its SKUs and categories).</summary>
    public static ProblemCode OutOfScope { get; } = new("out_of_scope");

    /// <summary><c>not_combinable</c> — 409: the coupons cannot go on one order together (an exclusive one among others, two of one campaign, more than five).</summary>
    public static ProblemCode NotCombinable { get; } = new("not_combinable");

    /// <summary><c>order_not_found</c> — 404: no such order (or not the caller's).</summary>
    public static ProblemCode OrderNotFound { get; } = new("order_not_found");

    /// <summary><c>order_busy</c> — 409: another operation on the order is under way; retry shortly.</summary>
    public static ProblemCode OrderBusy { get; } = new("order_busy");

    /// <summary><c>internal_error</c> — 500: something went wrong on the service's side.</summary>
    public static ProblemCode InternalError { get; } = new("internal_error");

    private static readonly ProblemCode[] All =
    [
        ValidationFailed,
        Unauthorized,
        Forbidden,
        Blocked,
        RateLimited,
        Overloaded,
        StorageUnavailable,
        PayloadTooLarge,
        NotFound,
        CampaignNotFound,
        CouponNotFound,
        CampaignNotActive,
        LimitReached,
        SoldOut,
        CampaignEnded,
        CouponExpired,
        CouponNotYetValid,
        AlreadyUsed,
        LockedByOtherOrder,
        OrderMismatch,
        NotRedeemed,
        CouponRevoked,
        BelowMinimum,
        OrderAmountRequired,
        BlocklistFull,
        JobNotFound,
        JobFinished,
        CodeNotFound,
        CodeAlreadyClaimed,
        CodeTaken,
        OutOfScope,
        NotCombinable,
        OrderNotFound,
        OrderBusy,
        MethodNotAllowed,
        NotAcceptable,
        RequestTimeout,
        LengthRequired,
        UnsupportedMediaType,
        BadRequest,
        InternalError,
    ];

    /// <summary>Whether this version of the client knows the code.</summary>
    public bool IsKnown => Array.IndexOf(All, this) >= 0;

    static IReadOnlyList<ProblemCode> IWireName<ProblemCode>.Known => All;

    static ProblemCode IWireName<ProblemCode>.Create(string value) => new(value);

    /// <summary>The code a problem without one is given, from its HTTP status (as the service does).</summary>
    public static ProblemCode ForStatus(int status) => status switch
    {
        400 => ValidationFailed,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        406 => NotAcceptable,
        408 => RequestTimeout,
        411 => LengthRequired,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => RateLimited,
        503 => StorageUnavailable,
        >= 500 => InternalError,
        _ => BadRequest,
    };

    /// <summary>The code as the service spells it.</summary>
    public override string ToString() => Value ?? string.Empty;
}
