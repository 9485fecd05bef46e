using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Crash;
using Coupons.Api.Tests.Infrastructure;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// Logs as containers want them (<c>Logging:Console:FormatterName=json</c>, which the Kubernetes
/// ConfigMap sets): the real service's every console line one JSON object, and none of them carrying
/// the signing key, a token or a code a user typed.
/// </summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task With_the_json_formatter_every_console_line_is_a_json_object_without_secrets()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "coupons-json-logs-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var server = ServerProcess.Start(
                dataDir, CouponsApiFactory.SigningKeyText, "--Logging:Console:FormatterName=json", "--Logging:LogLevel:Default=Information");
            using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
            await server.WaitReadyAsync(anonymous, TimeSpan.FromSeconds(60), CancellationToken.None);
            var adminToken = CouponsApiFactory.Token("json-admin", "admin");
            var userToken = CouponsApiFactory.Token("json-user");
            using var admin = new HttpClient { BaseAddress = server.BaseAddress };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            using var user = new HttpClient { BaseAddress = server.BaseAddress };
            user.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", userToken);
            const string code = "JSONLOGS-SECRET-1";
            using (var created = await admin.PostJsonAsync("/v1/campaigns", new JsonObject
            {
                ["name"] = "Logs",
                ["discount"] = new JsonObject { ["type"] = "amount_off", ["amountOff"] = 100 },
                ["totalStock"] = 5,
                ["perUserLimit"] = 1,
                ["validity"] = new JsonObject { ["days"] = 1 },
                ["code"] = code,
            }))
            {
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            }

            using (var claimed = await user.PostJsonAsync("/v1/codes/claim", new JsonObject { ["code"] = code }))
            {
                Assert.Equal(HttpStatusCode.Created, claimed.StatusCode);
            }

            using (var wrong = await user.PostJsonAsync("/v1/codes/claim", new JsonObject { ["code"] = "NOT-" + code }))
            {
                Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
            }

            server.Kill();
            var lines = server.Tail().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.NotEmpty(lines);
            Assert.All(lines, line => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind));
            Assert.Contains(lines, line => line.Contains("\"Category\":\"Coupons", StringComparison.Ordinal));
            foreach (var secret in new[] { CouponsApiFactory.SigningKeyText, adminToken, userToken, code, code.ToLowerInvariant(), "NOT-" + code })
            {
                Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.OrdinalIgnoreCase));
            }
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }
}
