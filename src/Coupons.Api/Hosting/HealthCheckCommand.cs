namespace Coupons.Api.Hosting;

/// <summary>
/// <c>healthcheck [url]</c>: GET the service's <c>/health/live</c> on this machine, for a container's
/// HEALTHCHECK (the runtime image has no curl). Without a URL, the first of <c>ASPNETCORE_URLS</c>,
/// a wildcard host (<c>+</c>, <c>*</c>, <c>0.0.0.0</c>, <c>[::]</c>) as 127.0.0.1. Exits with 0 on
/// 200, 1 on any other answer or none within 3 s, 2 when there is no URL to ask.
/// </summary>
public static class HealthCheckCommand
{
    private const string LivePath = "/health/live";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var target = args.Length > 0 ? args[0] : FromUrls(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"));
        if (!Uri.TryCreate(target, UriKind.Absolute, out var uri))
        {
            await error.WriteLineAsync("usage: healthcheck [http://host:port/health/live] (or ASPNETCORE_URLS set)").ConfigureAwait(false);
            return 2;
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await client.GetAsync(uri).ConfigureAwait(false);
            await output.WriteLineAsync($"{uri}: {(int)response.StatusCode}").ConfigureAwait(false);
            return response.StatusCode == System.Net.HttpStatusCode.OK ? 0 : 1;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"{uri}: {exception.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The live route on the first of <paramref name="urls"/> (<c>;</c>-separated), reachable from this machine; null when there is none.</summary>
    internal static string? FromUrls(string? urls)
    {
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null)
        {
            return null;
        }

        var schemeEnd = first.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return null;
        }

        var rest = first[(schemeEnd + 3)..].TrimEnd('/');
        var portStart = rest.LastIndexOf(':');
        var host = portStart < 0 ? rest : rest[..portStart];
        if (host is "+" or "*" or "0.0.0.0" or "[::]" or "")
        {
            rest = "127.0.0.1" + (portStart < 0 ? "" : rest[portStart..]);
        }

        return first[..(schemeEnd + 3)] + rest + LivePath;
    }
}
