using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Api.Protection;
using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Apis;

/// <summary>The blocklist's admin API: users, addresses (CIDR ranges) and devices refused with 403 <c>blocked</c> on every node.</summary>
public static class BlocklistApi
{
    private const string BlocklistFullTitle = "The blocklist is full.";
    private const string NoSuchEntry = "No such blocklist entry.";

    public static RouteGroupBuilder MapBlocklistApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/blocklist", "Protection").RequireRole(AuthExtensions.Admin);
        api.MapGet("/", List)
            .Answers(200, "A page of entries.").WithName("ListBlocklist").WithDescription("Entries in force, ordered by kind and value, a page at a time.").WithSummary("Blocklist entries in force, by kind and value (admin).");
        api.MapPost("/", Add)
            .ProducesCodes(ProblemCodes.Of(ProblemCodes.BlocklistFull))
            .Answers(201, "The new entry; Location is where to lift it.").Answers(200, "The entry, replacing the one of the same kind and value.").WithName("AddBlocklistEntry").WithDescription("Blocks a user, an IP address or range, or a device on every node: their requests under /v1 are answered 403 blocked. An entry for the same kind and value is replaced.").WithSummary("Block a user, an address or range, or a device; 201 when new, 200 when it replaced an entry (admin).")
            .WithJsonBody<RouteHandlerBuilder, BlockRequest>();
        api.MapDelete("/{kind}", Remove)
            .ProducesCodes(new ProblemCode(ProblemCodes.NotFound, StatusCodes.Status404NotFound, NoSuchEntry))
            .Answers(204, "Lifted.").WithName("RemoveBlocklistEntry").WithDescription("Lifts the block of the kind and value given (value as it was added).").WithSummary("Lift a block (admin).");
        return api;
    }

    private static Results<Ok<PageResponse<BlockEntry>>, ProblemHttpResult> List(
        Blocklist blocklist,
        TimeProvider time,
        [Description("Only entries of this kind: user, ip, device.")] string? kind,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor)
    {
        if (kind is not null && kind is not (BlockEntry.User or BlockEntry.Ip or BlockEntry.Device))
        {
            return Problems.Validation("kind", "must be one of user, ip, device");
        }

        if (KeyPaging.Check(limit, cursor, out var pageSize, out var after) is { } problem)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        var live = blocklist.Current.Entries.Where(e => (kind is null || e.Kind == kind) && e.IsLive(now));
        return TypedResults.Ok(KeyPaging.Page(live, e => e.Key, after, pageSize));
    }

    private static async Task<Results<Created<BlockEntry>, Ok<BlockEntry>, ProblemHttpResult>> Add(HttpContext context, Blocklist blocklist, TimeProvider time)
    {
        var (body, problem) = await JsonBody.ReadAsync<BlockRequest>(context.Request).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string>();
        var kind = body!.Kind ?? string.Empty;
        var value = BlockEntry.Canonical(kind, body.Value, out var error);
        if (error is not null)
        {
            errors[kind is BlockEntry.User or BlockEntry.Ip or BlockEntry.Device ? "value" : "kind"] = error;
        }

        if (body.Reason is { Length: > BlockEntry.MaxReasonLength })
        {
            errors["reason"] = $"must be at most {BlockEntry.MaxReasonLength} characters";
        }
        else if (body.Reason is { } reason && reason.Any(char.IsControl))
        {
            errors["reason"] = "must not contain control characters";
        }

        var now = time.GetUtcNow();
        if (body.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            errors["expiresAt"] = "must be in the future";
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var entry = new BlockEntry(kind, value!, body.Reason, now, Caller.Of(context).UserId, body.ExpiresAt);
        var (added, replaced) = await blocklist.SetAsync(entry).ConfigureAwait(false);
        if (!added)
        {
            return Problems.Create(StatusCodes.Status409Conflict, ProblemCodes.BlocklistFull, BlocklistFullTitle, "Remove entries first, or raise Coupons:Protection:MaxBlocklistEntries.");
        }

        return replaced ? TypedResults.Ok(entry) : TypedResults.Created(LocationOf(entry), entry);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Remove(
        string kind,
        [Description("The entry's value, as it was added (a range as 203.0.113.0/24).")] string? value,
        Blocklist blocklist)
    {
        var canonical = BlockEntry.Canonical(kind, value, out var error);
        if (error is not null)
        {
            return Problems.Validation(kind is BlockEntry.User or BlockEntry.Ip or BlockEntry.Device ? "value" : "kind", error);
        }

        return await blocklist.RemoveAsync(kind, canonical!).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : Problems.Create(StatusCodes.Status404NotFound, ProblemCodes.NotFound, NoSuchEntry);
    }

    /// <summary>Where the entry is: the path that lifts it.</summary>
    private static string LocationOf(BlockEntry entry) =>
        $"/v1/blocklist/{entry.Kind}?value={Uri.EscapeDataString(entry.Value)}";
}
