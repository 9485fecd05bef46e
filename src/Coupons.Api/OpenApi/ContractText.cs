using Microsoft.OpenApi;

namespace Coupons.Api.OpenApi;

/// <summary>The words of the OpenAPI document that belong to no operation: the service's description and its tags'.</summary>
internal static class ContractText
{
    public static OpenApiInfo Info => new()
    {
        Title = "Coupons API",
        Version = "1.0.0",
        Summary = "Flash-sale claims, checkout redemption and live stats of coupon campaigns.",
        Description = """
            Users claim coupons from a campaign's limited stock (per-user limits, idempotent retries);
            an order locks, redeems, releases or refunds a coupon, each step atomic and idempotent per
            order; admins create and steer campaigns and read live counts. Amounts are integers in
            minor units (cents).

            **Auth**: `Authorization: Bearer <JWT>`, HS256, issuer and audience `coupons`. `sub` is the
            user; claim `role` is `admin`, `service` (the order system, acts for any user) or absent
            (an end user).

            **Errors** are RFC 9457 problem details (`application/problem+json`) with a stable `code`
            (the `ProblemCode` enum; codes are only ever added). `x-problem-codes` on each operation
            lists, by status, exactly the codes that operation can answer with. A 429 or 503 carries
            `Retry-After` in seconds.

            **Retries**: a claim with an `Idempotency-Key` returns the same coupon when repeated (200
            instead of 201); lock, redeem, release and refund are idempotent per `orderId`.

            **Paging**: lists answer `{items, nextCursor}`; pass `nextCursor` back as `cursor` until it is null.
            """,
        Contact = new OpenApiContact { Name = "Coupons maintainers" },
        License = new OpenApiLicense { Name = "MIT", Identifier = "MIT" },
    };

    public static IReadOnlyList<(string Name, string Description)> Tags =>
    [
        ("Campaigns", "Campaigns, their stock and status (admins), and claims from them (end users)."),
        ("Coupons", "A user's coupons, and an order's lock, redemption, release and refund of one."),
        ("Protection", "The blocklist, fraud flags and the audit log (admins)."),
        ("Jobs", "Long work in the background (issuance to user lists): progress, results by code, refused inputs, cancel."),
    ];
}
