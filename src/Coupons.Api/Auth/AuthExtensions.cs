using Coupons.Api.Http;
using Coupons.Core;
using Coupons.Embedded;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Auth;

public static class AuthExtensions
{
    public const string Admin = "admin";
    public const string EndUser = "end-user";
    public const string OwnerOrService = "owner-or-service";
    public const string ServiceOrAdmin = "service-or-admin";

    /// <summary>JWT bearer auth (HS256, issuer and audience <c>coupons</c>) and the role policies of the contract.</summary>
    public static IServiceCollection AddCouponsAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.SectionName))
            .PostConfigure(options => options.DataDir = EmbeddedStoreOptions.DataDirOf(configuration))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Resolved when first asked for (MapCouponsService does at start): only then may a key file be created.
        services.AddSingleton(sp => SigningKey.Resolve(sp.GetRequiredService<IOptions<AuthOptions>>().Value));

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<SigningKey, IOptions<AuthOptions>>((options, signingKey, auth) =>
        {
            options.MapInboundClaims = false;
            // Nothing reads the token back from the authentication properties: not keeping it saves a dictionary and two objects a request.
            options.SaveToken = false;
            options.TokenHandlers.Clear();
            options.TokenHandlers.Add(new CachingTokenHandler(auth.Value.TokenCacheSize, TimeProvider.System) { MapInboundClaims = false });
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = SigningKey.Issuer,
                ValidAudience = SigningKey.Audience,
                // A token's kid picks its key; a token without one is tried against each.
                IssuerSigningKeys = signingKey.AcceptedKeys,
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                RequireExpirationTime = true,
                RequireSignedTokens = true,
                NameClaimType = Caller.SubjectClaim,
                RoleClaimType = Caller.RoleClaim,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            options.Events = Events();
        });

        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder()
                .RequireAuthenticatedUser().Build())
            .AddPolicy(Admin, policy => policy.RequireAssertion(c => RoleOf(c) == CallerRole.Admin))
            .AddPolicy(EndUser, policy => policy.RequireAssertion(c => RoleOf(c) == CallerRole.User))
            .AddPolicy(OwnerOrService, policy => policy.RequireAssertion(c => RoleOf(c) is CallerRole.User or CallerRole.Service))
            .AddPolicy(ServiceOrAdmin, policy => policy.RequireAssertion(c => RoleOf(c) is CallerRole.Service or CallerRole.Admin));
        return services;
    }

    /// <summary>The subject check (and the one read of the token's claims), and problem answers for 401 and 403.</summary>
    private static JwtBearerEvents Events() => new()
    {
        OnTokenValidated = context =>
        {
            // The one read of the token's claims in this request; every later reader takes it from the request's features.
            var subject = context.Principal is { } principal ? Caller.Remember(context.HttpContext, principal)?.UserId : null;
            if (string.IsNullOrWhiteSpace(subject) || subject.Length > StoreLimits.MaxUserIdLength)
            {
                context.Fail($"the token needs a subject of 1 to {StoreLimits.MaxUserIdLength} characters");
            }

            return Task.CompletedTask;
        },
        OnChallenge = async context =>
        {
            context.HandleResponse();
            await Problems.Create(StatusCodes.Status401Unauthorized, "unauthorized", "A valid bearer token is required.")
                .ExecuteAsync(context.HttpContext).ConfigureAwait(false);
        },
        OnForbidden = context => Problems.Create(StatusCodes.Status403Forbidden, "forbidden", "The token's role may not do this.")
            .ExecuteAsync(context.HttpContext),
    };

    /// <summary>The caller's role as the request read it; the principal's claims only when there is no request.</summary>
    private static CallerRole RoleOf(AuthorizationHandlerContext context) =>
        context.Resource is HttpContext http && ReferenceEquals(http.User, context.User) ? Caller.RoleOf(http) : Caller.RoleOf(context.User);
}
