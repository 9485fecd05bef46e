using System.Security.Claims;
using Coupons.Api.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Coupons.Api.Auth;

/// <summary>Makes tokens this service accepts: for the development token command and for tests.</summary>
public static class TokenIssuer
{
    public static string Issue(SecurityKey key, string subject, string? role, TimeSpan lifetime, DateTimeOffset now)
    {
        var claims = new Dictionary<string, object> { [Caller.SubjectClaim] = subject };
        if (!string.IsNullOrEmpty(role))
        {
            claims[Caller.RoleClaim] = role;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = SigningKey.Issuer,
            Audience = SigningKey.Audience,
            Claims = claims,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    /// <summary>
    /// <c>token --sub alice [--role admin|service] [--ttl-minutes 60]</c>: prints a token signed with the
    /// key the service uses under the same configuration. Returns the process exit code.
    /// </summary>
    public static int RunCommand(string[] args, TextWriter output, TextWriter error)
    {
        string? subject = null;
        string? role = null;
        var ttlMinutes = 60;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sub" when i + 1 < args.Length:
                    subject = args[++i];
                    break;
                case "--role" when i + 1 < args.Length:
                    role = args[++i];
                    break;
                case "--ttl-minutes" when i + 1 < args.Length && int.TryParse(args[i + 1], out var minutes) && minutes > 0:
                    ttlMinutes = minutes;
                    i++;
                    break;
                default:
                    rest.Add(args[i]);
                    break;
            }
        }

        if (string.IsNullOrWhiteSpace(subject) || role is not (null or "admin" or "service"))
        {
            error.WriteLine("usage: token --sub <user id> [--role admin|service] [--ttl-minutes N] [--Coupons:Auth:SigningKey=... | --Coupons:Embedded:DataDir=...]");
            return 2;
        }

        // The service's own configuration (appsettings.json and appsettings.{Environment}.json of its
        // content root, the environment, the command line), so the key is the one it would use.
        var configuration = Hosting.ServiceSetup.CreateBuilder([.. rest]).Configuration;
        var key = SigningKey.Resolve(configuration);
        output.WriteLine(Issue(key.Key, subject, role, TimeSpan.FromMinutes(ttlMinutes), TimeProvider.System.GetUtcNow()));
        return 0;
    }
}
