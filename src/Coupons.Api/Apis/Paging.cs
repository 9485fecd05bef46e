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
        after = null;
        if (CheckLimit(limit, out pageSize) is { } problem)
        {
            return problem;
        }

        return Cursors.TryParse(cursor, out after) ? null : Problems.Validation("cursor", "is not a cursor this service gave");
    }

    /// <summary>A page size of 1 to <see cref="StoreLimits.MaxPageSize"/>, <see cref="StoreLimits.DefaultPageSize"/> when not given.</summary>
    public static ProblemHttpResult? CheckLimit(int? limit, out int pageSize)
    {
        pageSize = limit ?? StoreLimits.DefaultPageSize;
        return pageSize is < 1 or > StoreLimits.MaxPageSize
            ? Problems.Validation("limit", $"must be between 1 and {StoreLimits.MaxPageSize}")
            : null;
    }
}

/// <summary>Paging over lists kept in memory and ordered by a string key (blocklist, fraud flags): the cursor is the last key given.</summary>
internal static class KeyPaging
{
    public static ProblemHttpResult? Check(int? limit, string? cursor, out int pageSize, out string? after)
    {
        after = null;
        if (Paging.CheckLimit(limit, out pageSize) is { } problem)
        {
            return problem;
        }

        if (cursor is null)
        {
            return null;
        }

        try
        {
            after = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor));
            return null;
        }
        catch (FormatException)
        {
            return Problems.Validation("cursor", "is not a cursor this service gave");
        }
    }

    /// <summary>The items after <paramref name="after"/> in key order, one page of them, and the cursor of the next page.</summary>
    public static PageResponse<T> Page<T>(IEnumerable<T> items, Func<T, string> key, string? after, int pageSize)
    {
        var page = items.Where(i => after is null || string.CompareOrdinal(key(i), after) > 0)
            .OrderBy(key, StringComparer.Ordinal)
            .Take(pageSize + 1)
            .ToList();
        var next = page.Count > pageSize ? System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(key(page[pageSize - 1]))) : null;
        return new PageResponse<T>([.. page.Take(pageSize)], next);
    }
}
