using System.Globalization;
using Coupons.Bench.Load;
using Coupons.Bench.Reporting;
using Coupons.Bench.Service;

namespace Coupons.Bench.Scenarios;

/// <summary>
/// The flash sale claimed by code: the campaign gets one generated code per user (a generation job,
/// its codes read back from the CSV export), and the users race with them (<see cref="CodeFlashWorkload"/>).
/// Verified by <see cref="CodeFlashVerifier"/> against the answers, the server's stats and its export.
/// </summary>
public static class FlashByCode
{
    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static async Task<RunReport> RunAsync(
        BenchContext context, int users, long stock, int perUserLimit, double rate, double secondAttempts, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var campaignId = await context.CreateCampaignAsync("flash by code", stock, perUserLimit, cancellationToken);
        var codes = await GenerateAsync(context, campaignId, users, cancellationToken);
        context.Log.WriteLine($"minting {users} user tokens");
        var prefix = $"fc{Guid.NewGuid().ToString("N")[..6]}-";
        var userIds = Enumerable.Range(0, users).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var workload = new CodeFlashWorkload(context.Client.As(context.Tokens.Users(prefix, users)), codes, secondAttempts);
        var settings = new PhaseSettings(rate, TimeSpan.FromSeconds(workload.Arrivals / rate), TimeSpan.Zero, context.Options.Connections, context.Options.Drain)
        {
            ArrivalLimit = workload.Arrivals,
        };
        var (result, serverCpu, toolCpu) = await Scenarios.MeasureCpuAsync(context, () => LoadEngine.RunAsync(workload, settings, context.ServerMemoryMb, progress, cancellationToken));
        var stats = await BenchClient.StatsAsync(context.Admin, campaignId, cancellationToken);
        var exported = await Codes.ExportCodesAsync(context.Admin, campaignId, cancellationToken);
        var answers = workload.Answers();
        var verdict = CodeFlashVerifier.Verify(stock, perUserLimit, codes, userIds, answers, stats, exported);
        var findings = new List<string>
        {
            $"{users} users, each with a generated code of their own; {workload.Arrivals} claims by code sent at {F(rate)}/s; stock {stock}, limit {perUserLimit} per user",
            $"second attempts: {answers.Count(a => !a.IsOwnCode)} with another user's code (given to its owner before), {answers.Count(a => a.IsOwnCode) - users} with their own code again",
            $"issued: expected {verdict.ExpectedIssued}, acknowledged {verdict.Acknowledged}, server {verdict.ServerIssued}, claimed in the export {exported.Count(row => row.Status == "claimed")}",
            $"refusals: {string.Join(", ", verdict.Refusals.Select(pair => $"{pair.Key} {pair.Value}"))}",
            $"server stats: issued {stats.Issued}, remaining {stats.RemainingStock}, rejected {string.Join(", ", stats.Rejected.Select(pair => $"{pair.Key} {pair.Value}"))}",
        };
        var failures = verdict.Violations.ToList();
        if (workload.Unanswered > 0)
        {
            failures.Add($"{workload.Unanswered} claim(s) were never sent (the drain time ran out)");
        }

        var report = Scenarios.Settings(context, ("users", users.ToString(CultureInfo.InvariantCulture)), ("stock", stock.ToString(CultureInfo.InvariantCulture)),
            ("perUserLimit", perUserLimit.ToString(CultureInfo.InvariantCulture)), ("rate", F(rate)), ("secondAttempts", F(secondAttempts)), ("byCode", "true"));
        return new RunReport("flash", started, context.TargetDescription, MachineInfo.Current(), report, [new StepReport($"{F(rate)}/s by code", 0, result, serverCpu, toolCpu)], findings, failures);
    }

    /// <summary>Generates one code per user by a job, waits for it, and reads the codes back from the CSV export (not measured).</summary>
    private static async Task<string[]> GenerateAsync(BenchContext context, Guid campaignId, int count, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var job = await Codes.GenerateCodesAsync(context.Admin, campaignId, count, TimeSpan.FromMinutes(10), cancellationToken);
        var generated = clock.Elapsed;
        var rows = await Codes.ExportCodesAsync(context.Admin, campaignId, cancellationToken);
        context.Log.WriteLine($"generated {count} codes in {generated.TotalSeconds:0.0} s (job {job.Id}), exported them in {(clock.Elapsed - generated).TotalSeconds:0.0} s");
        if (rows.Count != count || rows.Any(row => row.Status != "available"))
        {
            throw new InvalidOperationException($"the export after generation has {rows.Count} codes, {rows.Count(row => row.Status != "available")} not available; expected {count} available");
        }

        return [.. rows.Select(row => row.Code)];
    }
}
