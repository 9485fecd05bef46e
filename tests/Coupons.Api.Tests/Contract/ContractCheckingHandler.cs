namespace Coupons.Api.Tests.Contract;

/// <summary>
/// Every answer the API tests receive goes through <see cref="ContractChecker"/>: one the committed
/// OpenAPI document does not describe fails the request, and so the test, with what is off.
/// </summary>
public sealed class ContractCheckingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Only bodies already in memory are read before sending; a streamed one is left to the server alone.
        var requestBody = request.Content is ByteArrayContent buffered && buffered.Headers.ContentType?.MediaType == "application/json"
            ? await buffered.ReadAsStringAsync(cancellationToken)
            : null;
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var violations = ContractChecker.Check(request.Method.Method, request.RequestUri!.AbsolutePath, requestBody, response, body);
        if (violations.Count > 0)
        {
            response.Dispose();
            throw new ContractViolationException(string.Join(Environment.NewLine, violations));
        }

        return response;
    }
}

public sealed class ContractViolationException(string message) : Exception("The answer breaks the OpenAPI document (docs/openapi.json): " + message);
