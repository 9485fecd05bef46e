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
            instead of 201); so does a claim by code (a generated code gives its claimer the same
            coupon again; a shared code does so without a key, or with the same key); lock, redeem,
            release and refund are idempotent per `orderId`; a job created with an `Idempotency-Key`
            is returned again (200 instead of 202).

            **Codes** travel only in request bodies, never in URLs; they are typed in any case, with
            or without the dashes between printed groups. Failed claims by code are limited per user
            and per address (429, `limit: code_attempts`).

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
        ("Codes", "Codes as people type them: a campaign's shared code, generated unique codes (made by a job, listed, exported as CSV) claimed once each, and every coupon's own code that a till looks up."),
        ("Jobs", "Long work in the background (code generation, issuance to user lists): progress, results by code, refused inputs, cancel."),
    ];
}
