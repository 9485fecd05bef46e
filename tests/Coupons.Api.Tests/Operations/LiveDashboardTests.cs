using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Coupons.Api.Tests.Contract;
using Coupons.Api.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Coupons.Api.Tests.Operations;

/// <summary>
/// The live dashboard at <c>/dashboard</c>, in a real headless Chromium (Debian's <c>chromium</c>,
/// driven by Playwright) against the service as its own process: the page asks for a token and shows
/// nothing for a user's; with an admin's it loads without a console error and a campaign's numbers move
/// while claims run. The screenshot is kept in <c>artifacts/dashboard.png</c>.
/// </summary>
public sealed class LiveDashboardTests(MetricsServer server, ITestOutputHelper output) : IClassFixture<MetricsServer>
{
    private static readonly string Chromium = Environment.GetEnvironmentVariable("COUPONS_CHROMIUM") ?? "/usr/bin/chromium";

    [Fact]
    public async Task The_data_is_for_admins_only_and_the_page_holds_none()
    {
        using var page = await server.Anonymous.GetAsync(new Uri("/dashboard", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("campaign", (await page.Content.ReadAsStringAsync()).Split("<tbody>")[1].Split("</tbody>")[0], StringComparison.Ordinal);

        using var anonymous = await server.Anonymous.GetAsync(new Uri("/dashboard/data", UriKind.Relative));
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        using var user = await server.As("dashboard-user").GetAsync(new Uri("/dashboard/data", UriKind.Relative));
        await user.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        var campaignId = await server.NewCampaignAsync(10, "Data");
        using var admin = await server.Admin.GetAsync(new Uri("/dashboard/data", UriKind.Relative));
        var data = await admin.AssertStatusAsync(HttpStatusCode.OK);
        Assert.True(data.GetProperty("ready").GetBoolean());
        // Nothing was shed on this node: its ceilings are far above what the tests send.
        Assert.Equal(0, data.GetProperty("requests").GetProperty("shed").GetInt64());
        var campaign = data.GetProperty("campaigns").EnumerateArray().Single(c => c.GetProperty("id").GetString() == campaignId);
        Assert.Equal(10, campaign.GetProperty("remainingStock").GetInt64());
        Assert.Equal("no-store", admin.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task In_Chromium_the_page_refuses_a_users_token_and_shows_a_campaigns_numbers_moving_for_an_admin()
    {
        const string name = "Flash <b>sale</b>";
        var campaignId = await server.NewCampaignAsync(1_000_000, name);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // As root without a sandbox, and nothing reaching out to the network on its own.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });

        await using (var refused = await browser.NewContextAsync())
        {
            var page = await refused.NewPageAsync();
            await page.GotoAsync(server.BaseAddress + "dashboard");
            await SignInAsync(page, CouponsApiFactory.Token("dashboard-user"));
            await Assertions.Expect(page.Locator("#sign-in-error")).ToContainTextAsync("not an admin's");
            Assert.True(await page.Locator("#live").IsHiddenAsync());
        }

        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var live = await context.NewPageAsync();
        var errors = new List<string>();
        live.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        live.PageError += (_, error) => errors.Add(error);
        await live.GotoAsync(server.BaseAddress + "dashboard");
        Assert.True(await live.Locator("#live").IsHiddenAsync());
        await SignInAsync(live, CouponsApiFactory.Token("dashboard-admin", "admin"));

        var row = live.Locator($"#campaigns tr[data-campaign='{campaignId}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        // The name is text, not markup.
        Assert.Equal(name, await row.Locator("td").First.TextContentAsync());
        var issuedBefore = Number(await row.Locator(".issued").TextContentAsync());

        using var claiming = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var claims = Task.WhenAll(ClaimAsync(campaignId, claiming.Token), ClaimAsync(campaignId, claiming.Token));
        await Assertions.Expect(row.Locator(".claims-rate")).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(–|0\\.0)$"), new() { Timeout = 30_000 });
        await Assertions.Expect(live.Locator("#claims-rate")).Not.ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^(–|0\\.0)$"), new() { Timeout = 30_000 });
        await Assertions.Expect(live.Locator("#p99")).ToContainTextAsync(" ms", new() { Timeout = 30_000 });
        await Assertions.Expect(live.Locator("#shed-rate")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^0\\.0 \\(\\d+\\)$"));
        await Assertions.Expect(live.Locator("#claim-outcomes tr[data-outcome='ok']")).ToBeVisibleAsync();
        Assert.True(Number(await row.Locator(".issued").TextContentAsync()) > issuedBefore);
        // The chart drawn from several readings, one a second.
        await live.WaitForFunctionAsync("() => Number(document.getElementById('rates-chart').dataset.points) >= 5", null, new() { Timeout = 30_000 });
        Assert.True(await live.Locator("#rates-chart canvas").CountAsync() > 0, "the claims chart is drawn");

        var screenshot = Path.Combine(CommittedDocument.RepositoryRoot(), "artifacts", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await live.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine("screenshot: " + screenshot);
        await claiming.CancelAsync();
        var claimed = (await claims).Sum();

        Assert.True(claimed > 0);
        Assert.Empty(errors);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000 && png.AsSpan(1, 3).SequenceEqual("PNG"u8), "the screenshot is a PNG of the page");
    }

    private static async Task SignInAsync(IPage page, string token)
    {
        await page.Locator("#token").FillAsync(token);
        await page.Locator("#token-form button[type=submit]").ClickAsync();
    }

    private static long Number(string? text) => long.Parse(text!, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    /// <summary>Claims by new users, one after another, until cancelled; how many were made.</summary>
    private async Task<int> ClaimAsync(string campaignId, CancellationToken ct)
    {
        var claimed = 0;
        while (!ct.IsCancellationRequested)
        {
            using var user = server.As("dashboard-claimer-" + Guid.NewGuid().ToString("N"));
            try
            {
                using var response = await user.PostAsync(new Uri($"/v1/campaigns/{campaignId}/claim", UriKind.Relative), null, ct);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                claimed++;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return claimed;
    }
}
