using Coupons.Api.Contracts;
using Coupons.Api.Http;
using Coupons.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Coupons.Api.Apis;

internal static class Paging
{
    /// <summary>Checks the limit and cursor of a listing; returns a problem when either is off.</summary>
    public static ProblemHttpResult? Check(int? limit, string? cursor, out int pageSize, out Guid? after)
    {
        pageSize = limit ?? StoreLimits.DefaultPageSize;
        after = null;
        if (pageSize is < 1 or > StoreLimits.MaxPageSize)
        {
            return Problems.Validation("limit", $"must be between 1 and {StoreLimits.MaxPageSize}");
        }

        return Cursors.TryParse(cursor, out after) ? null : Problems.Validation("cursor", "is not a cursor this service gave");
    }
}
