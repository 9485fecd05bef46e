using System.ComponentModel;
using Coupons.Api.Auth;
using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Api.OpenApi;
using Coupons.Api.Protection;
using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Apis;

/// <summary>The fraud signals' admin API: entities flagged, and dismissing a flag.</summary>
public static class FraudApi
{
    private const string NoSuchFlag = "No such flag.";

    public static RouteGroupBuilder MapFraudApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapApiGroup("/v1/fraud/flags", "Protection").RequireRole(AuthExtensions.Admin);
        api.MapGet("/", List)
            .Answers(200, "A page of flags.").WithName("ListFraudFlags").WithDescription("What the fraud signals flagged: accounts sharing a device, accounts behind one address, accounts claiming in bursts.").WithSummary("Devices, addresses and accounts a fraud signal flagged, by signal and value (admin).");
        api.MapDelete("/{signal}", Dismiss)
            .ProducesCodes(new ProblemCode(ProblemCodes.NotFound, StatusCodes.Status404NotFound, NoSuchFlag))
            .Answers(204, "Dismissed.").WithName("DismissFraudFlag").WithDescription("Clears a flag; the entity is flagged again if it trips the signal again. A block the flag caused stays until lifted.").WithSummary("Dismiss a flag; the entity can be flagged again (admin).");
        return api;
    }

    private static ProblemHttpResult UnknownSignal() => Problems.Validation("signal", "must be one of " + string.Join(", ", FraudFlag.Signals));

    private static async Task<Results<Ok<PageResponse<FraudFlag>>, ProblemHttpResult>> List(
        FraudSignals fraud,
        [Description("Only flags of this signal.")] string? signal,
        [Description("Page size, 1 to 200; 50 when not given.")] int? limit,
        [Description("The nextCursor of the previous page.")] string? cursor)
    {
        if (signal is not null && FraudFlag.KindOf(signal) is null)
        {
            return UnknownSignal();
        }

        if (KeyPaging.Check(limit, cursor, out var pageSize, out var after) is { } problem)
        {
            return problem;
        }

        var flags = (await fraud.Store.FlagsAsync().ConfigureAwait(false)).Where(f => signal is null || f.Signal == signal);
        return TypedResults.Ok(KeyPaging.Page(flags, f => f.Key, after, pageSize));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Dismiss(
        string signal,
        [Description("The flagged device, address or account.")] string? value,
        FraudSignals fraud)
    {
        if (FraudFlag.KindOf(signal) is null)
        {
            return UnknownSignal();
        }

        if (string.IsNullOrEmpty(value) || value.Length > 256)
        {
            return Problems.Validation("value", "must be 1 to 256 characters");
        }

        return await fraud.DismissAsync(signal, value).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : Problems.Create(StatusCodes.Status404NotFound, ProblemCodes.NotFound, NoSuchFlag);
    }
}
