using Coupons.Bench.Scenarios;
using Coupons.Bench.Service;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Coupons.Bench.Tests;

/// <summary>The service on real Kestrel (loopback, a free port) and a fresh embedded store, for the scenarios to drive over HTTP.</summary>
public sealed class LiveServiceFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "coupons-bench-tests-" + Guid.NewGuid().ToString("N"));

    public Uri Url { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        UseKestrel(0);
        StartServer();
        Url = CreateClient().BaseAddress!;
        await Service.ServiceProcess.WaitReadyAsync(Url, null, TimeSpan.FromSeconds(30), CancellationToken.None);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Coupons:Embedded:DataDir", _dataDir);
        builder.UseSetting("Coupons:Auth:SigningKey", Cli.DefaultSigningKey);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // The load comes from one address and reuses users: the limits would measure themselves.
        builder.UseSetting("Coupons:Protection:Enabled", "false");
    }
}

public class ScenarioTests(LiveServiceFixture service) : IClassFixture<LiveServiceFixture>
{
    private Task<BenchContext> Context(int connections = 8, int users = 50) => BenchContext.CreateAsync(
        new CommonOptions(service.Url, null, Cli.DefaultSigningKey, connections, users, TimeSpan.FromSeconds(0.3), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), null, null, Quiet: true),
        TextWriter.Null, CancellationToken.None);

    [Fact]
    public async Task A_spike_is_one_run_of_four_phases_every_arrival_answered_and_filed_by_phase()
    {
        await using var context = await Context(connections: 32);
        var spike = new SpikeSettings(100, 4, 0.5, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 50, 2, AdvisoryTiming: true, NodeMaxInFlight: null);

        var report = await Spike.RunAsync(context, spike, null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        Assert.Equal(["warm-up", "before", "spike", "after"], report.Steps.Select(step => step.Name));
        // 0.3 s of warm-up and 0.5 s before at 50/s, 1 s at 400/s, 1 s at 50/s; the node sheds none of it (MaxInFlight 1,024).
        Assert.Equal([15L, 25, 400, 50], report.Steps.Select(step => step.Result.Answers["claim"].GetValueOrDefault("201")));
        Assert.All(report.Steps, step => Assert.Equal(0, step.Result.Dropped));
        Assert.Contains(report.Findings, finding => finding.StartsWith("bar met: every answer 2xx, 409 or 503 overloaded", StringComparison.Ordinal));
        var timeline = report.Attachments!["timeline.csv"].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("second,offered,admitted,shed,other,unanswered,", timeline[0], StringComparison.Ordinal);
        Assert.Equal(490, timeline.Skip(1).Sum(row => long.Parse(row.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_flash_sale_sells_exactly_its_stock_and_the_verifier_agrees_with_the_server()
    {
        await using var context = await Context();

        var report = await Scenarios.Scenarios.FlashAsync(context, users: 400, stock: 60, perUserLimit: 1, rate: 800, secondAttempts: 0.2, null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        var answers = report.Steps.Single().Result.Answers["claim"];
        Assert.Equal(60, answers["201"]);
        Assert.Equal(480, answers.Values.Sum());
        Assert.Contains(report.Findings, finding => finding.Contains("issued: expected 60, acknowledged 60, server 60", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flash_sale_with_two_coupons_a_user_holds_the_limit()
    {
        await using var context = await Context();

        var report = await Scenarios.Scenarios.FlashAsync(context, users: 100, stock: 500, perUserLimit: 2, rate: 500, secondAttempts: 1, null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        // 100 first claims; then every user tries again, half replaying their key (same coupon back)
        // and half with a new key (a second coupon, within the limit of 2): 150 coupons.
        Assert.Contains(report.Findings, finding => finding.Contains("issued: expected 150, acknowledged 150, server 150", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flash_sale_by_code_sells_exactly_its_stock_and_the_export_agrees()
    {
        await using var context = await Context();

        var report = await FlashByCode.RunAsync(context, users: 400, stock: 60, perUserLimit: 1, rate: 800, secondAttempts: 0.5, null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        var answers = report.Steps.Single().Result.Answers["claim by code"];
        Assert.Equal(60, answers["201"]);
        Assert.Equal(600, answers.Values.Sum());
        // 100 users tried another user's code (one already given): refused, never a coupon.
        Assert.Equal(100, answers["409 code_already_claimed"]);
        Assert.Contains(report.Findings, finding => finding.Contains("issued: expected 60, acknowledged 60, server 60, claimed in the export 60", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_flash_sale_by_code_with_stock_for_all_gives_every_replay_its_coupon_back()
    {
        await using var context = await Context();

        var report = await FlashByCode.RunAsync(context, users: 100, stock: 500, perUserLimit: 2, rate: 500, secondAttempts: 1, null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        var answers = report.Steps.Single().Result.Answers["claim by code"];
        // A code gives one coupon, whatever the per-user limit: 100 issued, 50 replays, 50 refused.
        Assert.Equal((100, 50, 50), (answers["201"], answers["200"], answers["409 code_already_claimed"]));
    }

    [Fact]
    public async Task Codes_compare_runs_claims_by_id_without_and_with_a_key_and_by_code_at_the_same_rates_and_gives_their_ratios()
    {
        await using var context = await Context();

        var report = await CodesCompare.RunAsync(context, CompareSettings.Short(from: 40, to: 120, sloMs: 10_000), null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        Assert.Equal(
            ["r1 id+key 40/s", "r1 code 40/s", "r1 id 40/s", "r1 code 80/s", "r1 id 80/s", "r1 id+key 80/s", "r1 id 120/s", "r1 id+key 120/s", "r1 code 120/s"],
            report.Steps.Select(step => step.Name));
        Assert.All(report.Steps.Where(step => step.Name.Contains("code", StringComparison.Ordinal)), step => Assert.Equal(["201"], step.Result.Answers["claim by code"].Keys));
        Assert.All(report.Steps.Where(step => step.Name.Contains(" id", StringComparison.Ordinal)), step => Assert.Equal(["201"], step.Result.Answers["claim"].Keys));
        Assert.Contains(report.Findings, finding => finding.StartsWith("maximum achieved, mean of 1 round(s): by id ", StringComparison.Ordinal)
            && finding.Contains("code ÷ id = ", StringComparison.Ordinal) && finding.Contains("code ÷ id+key = ", StringComparison.Ordinal));
        Assert.Contains(report.Findings, finding => finding.StartsWith("request shapes: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Orders_compare_runs_the_single_coupon_mix_and_the_two_coupon_order_mix_at_the_same_rates_and_verifies_every_order()
    {
        await using var context = await Context();

        var report = await OrdersCompare.RunAsync(context, new Ratio(3, 7), CompareSettings.Short(from: 40, to: 120, sloMs: 10_000), verifyEvery: 1, null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        Assert.Equal(["r1 orders 40/s", "r1 single 40/s", "r1 single 80/s", "r1 orders 80/s", "r1 orders 120/s", "r1 single 120/s"], report.Steps.Select(step => step.Name));
        var orderSteps = report.Steps.Where(step => step.Name.Contains("orders", StringComparison.Ordinal)).ToList();
        Assert.All(orderSteps, step => Assert.Equal(["200"], step.Result.Answers["redeem order"].Keys));
        // Of two orders racing for one pair, one locks and the other is refused whole.
        Assert.Contains(orderSteps, step => step.Result.Answers["lock order"].Keys.Any(key => key.StartsWith("409 ", StringComparison.Ordinal)));
        Assert.Contains(report.Findings, finding => finding.StartsWith("maximum achieved, mean of 1 round(s): single ", StringComparison.Ordinal) && finding.Contains("orders ÷ single = ", StringComparison.Ordinal));
        Assert.Contains(report.Findings, finding => finding.StartsWith("verifier: ", StringComparison.Ordinal) && finding.EndsWith("0 violation(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_soak_by_shared_code_makes_every_claim_a_new_coupon()
    {
        await using var context = await Context(users: 5);

        var report = await Scenarios.Scenarios.SoakAsync(context, WorkloadKind.Code, new Ratio(3, 7), rate: 100, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        var answers = report.Steps.Single().Result.Answers["claim by code"];
        Assert.Equal(["201"], answers.Keys);
    }

    [Fact]
    public async Task The_mix_locks_and_redeems_coupons_claimed_in_the_run_without_errors()
    {
        await using var context = await Context();

        var report = await Scenarios.Scenarios.MixAsync(context, new Ratio(3, 7), rate: 170, TimeSpan.FromSeconds(1), null, CancellationToken.None);

        // Not report.Passed: that also asks for the rate to be held, which a busy test machine may not give.
        var step = report.Steps.Single().Result;
        Assert.Equal(0, step.Errors);
        Assert.True(step.ByKind["redeem"].Count > 0);
        Assert.Equal(step.ByKind["lock"].Count, step.Answers["lock"]["200"]);
        Assert.Equal(step.ByKind["redeem"].Count, step.Answers["redeem"]["200"]);
        Assert.Equal(step.ByKind["claim"].Count, step.Answers["claim"]["201"]);
    }

    [Fact]
    public async Task A_ramp_reports_each_step_and_the_rate_held_within_the_slo()
    {
        await using var context = await Context();

        var report = await Scenarios.Scenarios.RampAsync(
            context, WorkloadKind.Claim, new Ratio(3, 7), "/constant", from: 50, to: 150, steps: 2, TimeSpan.FromSeconds(1), sloMs: 10_000, thenAtFraction: 0.5, stopWhenSaturated: true, null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        Assert.Equal(["50/s", "150/s", "50% of max"], report.Steps.Select(step => step.Name));
        Assert.InRange(report.Steps[0].Result.Answers["claim"]["201"], 49, 51);
        Assert.InRange(report.Steps[1].Result.Answers["claim"]["201"], 149, 151);
        Assert.Contains(report.Findings, finding => finding.StartsWith("maximum achieved: ", StringComparison.Ordinal));
        Assert.Contains(report.Findings, finding => finding.Contains("p99 ≤ 10000 ms", StringComparison.Ordinal));
        // The server runs in this process, so its CPU time cannot be told apart: only the tool's is given.
        Assert.All(report.Steps, step => Assert.Null(step.ServerCpuMicrosecondsPerRequest));
        Assert.All(report.Steps, step => Assert.True(step.ToolCpuMicrosecondsPerRequest > 0));
    }

    [Fact]
    public async Task A_soak_reports_windows_and_drift_with_no_errors()
    {
        await using var context = await Context();

        var report = await Scenarios.Scenarios.SoakAsync(context, WorkloadKind.Claim, new Ratio(3, 7), rate: 100, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(1), null, CancellationToken.None);

        Assert.True(report.Passed, string.Join("; ", report.Failures));
        Assert.Equal(0, report.Steps.Single().Result.Errors);
        Assert.Contains(report.Findings, finding => finding.StartsWith("drift first → last window", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_tools_tokens_are_accepted_and_roles_respected()
    {
        await using var context = await Context();
        var campaign = await context.CreateCampaignAsync("tokens", 5, 1, CancellationToken.None);

        var asUser = await context.Client.As(context.Tokens.Issue("someone")).ClaimAnswerAsync(campaign, null, CancellationToken.None);
        var asService = await context.Service.ClaimAnswerAsync(campaign, null, CancellationToken.None);
        var forged = await context.Client.As(new Service.Tokens("another-key-that-is-long-enough-0123456789", TimeProvider.System).Issue("x")).ClaimAnswerAsync(campaign, null, CancellationToken.None);

        Assert.Equal(201, asUser.Status);
        Assert.Equal(403, asService.Status);
        Assert.Equal(401, forged.Status);
    }
}
