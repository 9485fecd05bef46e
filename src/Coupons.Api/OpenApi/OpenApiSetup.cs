using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;

namespace Coupons.Api.OpenApi;

/// <summary>Where the document says the service runs (<c>Coupons:OpenApi</c>).</summary>
public sealed class OpenApiSettings
{
    public const string SectionName = "Coupons:OpenApi";

    /// <summary>The base URL clients call; the README's local address unless a deployment sets its own.</summary>
    [Required(ErrorMessage = SectionName + ":ServerUrl must be an absolute http or https URL")]
    [Url(ErrorMessage = SectionName + ":ServerUrl must be an absolute http or https URL")]
    public string ServerUrl { get; set; } = "http://127.0.0.1:5080";

    public string ServerDescription { get; set; } = "The service as the README runs it on one machine.";
}

public static class OpenApiSetup
{
    /// <summary>
    /// The OpenAPI document at <c>/openapi/v1.json</c>: generated from the endpoints, then completed
    /// by the contract's own transformers. <c>docs/openapi.json</c> is a copy that a test keeps equal.
    /// </summary>
    public static IServiceCollection AddCouponsOpenApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OpenApiSettings>().Bind(configuration.GetSection(OpenApiSettings.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        // The document's transformer takes the same settings, bound once here (text only: binding cannot fail).
        var settings = configuration.GetSection(OpenApiSettings.SectionName).Get<OpenApiSettings>() ?? new OpenApiSettings();
        services.AddOpenApi(options =>
        {
            options.CreateSchemaReferenceId = SchemaNames.Of;
            options.AddOperationTransformer<ContractOperations>();
            options.AddDocumentTransformer(new ContractDocument(settings));
            options.AddDocumentTransformer<BearerSecurityTransformer>();
        });
        return services;
    }
}

/// <summary>
/// Component names as a client's types read: <c>Coupon</c>, not <c>CouponResponse</c>; <c>CouponPage</c>,
/// not <c>PageResponseOfCouponResponse</c>. A campaign's generated code is <c>CouponCode</c> (a bare
/// <c>Code</c> would read as any code, and clash with the <c>code</c> fields of problems and coupons).
/// </summary>
internal static class SchemaNames
{
    public static string? Of(System.Text.Json.Serialization.Metadata.JsonTypeInfo type) =>
        OpenApiOptions.CreateDefaultSchemaReferenceId(type) is { } name ? Rename(name) : null;

    private static string Rename(string name)
    {
        const string page = "PageResponseOf";
        if (name.StartsWith(page, StringComparison.Ordinal))
        {
            return Rename(name[page.Length..]) + "Page";
        }

        return name switch
        {
            "StatsResponse" => "CampaignStats",
            "CodeResponse" => "CouponCode",
            "DiscountTerms" => WireSchemas.Discount,
            "ValidityTerms" => WireSchemas.Validity,
            _ when name.EndsWith("Response", StringComparison.Ordinal) => name[..^"Response".Length],
            _ => name,
        };
    }
}
