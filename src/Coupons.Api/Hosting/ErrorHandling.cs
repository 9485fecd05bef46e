using Coupons.Api.Http;
using Coupons.Core;
using Microsoft.AspNetCore.Diagnostics;

namespace Coupons.Api.Hosting;

/// <summary>
/// Broken infrastructure becomes a 503 problem with a stable code; a bad request the framework
/// caught becomes its 4xx; anything else is a bug and a 500 without details.
/// </summary>
internal sealed partial class ExceptionToProblem(ILogger<ExceptionToProblem> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            StorageUnavailableException e => Problems.Create(StatusCodes.Status503ServiceUnavailable, "storage_unavailable", "The store cannot take this request now.", e.Message),
            OverloadedException e => Problems.Create(StatusCodes.Status503ServiceUnavailable, "overloaded", "The service is shedding load; try again shortly.", e.Message),
            BadHttpRequestException e => Problems.Create(e.StatusCode, Problems.CodeForStatus(e.StatusCode), "The request could not be read.", e.Message),
            _ => null,
        };
        if (problem is null)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            problem = Problems.Create(StatusCodes.Status500InternalServerError, "internal_error", "Something went wrong on our side.");
        }
        else if (problem.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "1";
        }

        await problem.ExecuteAsync(httpContext).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
