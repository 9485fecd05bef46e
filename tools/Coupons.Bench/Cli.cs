using System.CommandLine;
using System.Globalization;
using Coupons.Bench.Reporting;
using Coupons.Bench.Scenarios;

namespace Coupons.Bench;

/// <summary>The command line: one command per scenario, sharing the target and reporting options.</summary>
internal static class Cli
{
    /// <summary>The key the tool gives a service it starts itself; pass the service's key with <c>--url</c>.</summary>
    public const string DefaultSigningKey = "coupons-bench-signing-key-0123456789abcdef";

    private static readonly Option<string?> Url = new("--url") { Description = "Target service (e.g. http://127.0.0.1:5000). Without it the tool builds and starts the service on a fresh embedded data dir." };
    private static readonly Option<string?> Service = new("--service") { Description = "Coupons.Api.dll to start instead of building src/Coupons.Api." };
    private static readonly Option<string> SigningKey = new("--signing-key") { Description = "The service's signing key (Coupons:Auth:SigningKey), to mint tokens.", DefaultValueFactory = _ => DefaultSigningKey };
    private static readonly Option<int> Connections = new("--connections", "-c") { Description = "Keep-alive connections (the most requests in flight).", DefaultValueFactory = _ => 64 };
    private static readonly Option<int> Users = new("--users") { Description = "Distinct users the claims cycle through.", DefaultValueFactory = _ => 10_000 };
    private static readonly Option<double> WarmupSeconds = new("--warmup") { Description = "Seconds of warm-up per phase, sent but not measured.", DefaultValueFactory = _ => 5 };
    private static readonly Option<double> DrainSeconds = new("--drain") { Description = "Seconds a phase may run over to answer what was sent; arrivals not started by then are dropped.", DefaultValueFactory = _ => 5 };
    private static readonly Option<double> TimeoutSeconds = new("--timeout") { Description = "Seconds before a request counts as failed.", DefaultValueFactory = _ => 10 };
    private static readonly Option<string?> Output = new("--out", "-o") { Description = "Folder for result.json, summary.md and chart.svg (default bench/results/<scenario>-<time>)." };
    private static readonly Option<int?> ServerPid = new("--server-pid") { Description = "Process id of the target, to report its memory." };
    private static readonly Option<bool> Quiet = new("--quiet", "-q") { Description = "No live progress line." };

    private static readonly Option<WorkloadKind> Workload = new("--workload", "-w") { Description = "claim (by id), keyedclaim (by id, a new Idempotency-Key each), code (by a shared code, a new Idempotency-Key each), mix or constant (the baseline's endpoint).", DefaultValueFactory = _ => WorkloadKind.Claim };
    private static readonly Option<string> RatioOption = new("--ratio") { Description = "Claims to redemptions (lock then redeem).", DefaultValueFactory = _ => "3:7" };
    private static readonly Option<string> ConstantPath = new("--path") { Description = "Path of the constant endpoint (with --workload constant).", DefaultValueFactory = _ => "/constant" };
    private static readonly Option<double> Rate = new("--rate", "-r") { Description = "Requests per second.", DefaultValueFactory = _ => 2_000 };
    private static readonly Option<double> DurationSeconds = new("--duration", "-d") { Description = "Seconds measured.", DefaultValueFactory = _ => 30 };

    public static RootCommand Build()
    {
        var root = new RootCommand("Coupons load tool: open-model load (fixed arrival rate, latency from the intended send time) with HdrHistogram percentiles.");
        root.Subcommands.Add(RampCommand());
        root.Subcommands.Add(MixCommand());
        root.Subcommands.Add(FlashCommand());
        root.Subcommands.Add(SoakCommand());
        root.Subcommands.Add(CodesCompareCommand());
        root.Subcommands.Add(OrdersCompareCommand());
        root.Subcommands.Add(SpikeCommand());
        return root;
    }

    private static Command RampCommand()
    {
        var from = new Option<double>("--from") { Description = "Rate of the first step (req/s).", DefaultValueFactory = _ => 1_000 };
        var to = new Option<double>("--to") { Description = "Rate of the last step (req/s).", DefaultValueFactory = _ => 20_000 };
        var steps = new Option<int>("--steps") { Description = "Number of steps, evenly spaced.", DefaultValueFactory = _ => 10 };
        var stepSeconds = new Option<double>("--step-duration") { Description = "Seconds measured per step.", DefaultValueFactory = _ => 10 };
        var slo = new Option<double>("--slo-ms") { Description = "The p99 a step must stay within to count as held.", DefaultValueFactory = _ => 5 };
        var thenAt = new Option<double?>("--then-at") { Description = "After the ramp, one more step at this fraction of the maximum achieved (e.g. 0.7)." };
        var keepGoing = new Option<bool>("--no-stop") { Description = "Run every step even after the server saturates." };
        var command = WithCommon(new Command("ramp", "Steps of rising rate; per step the achieved rate and percentiles; the highest rate held within the SLO."),
            Workload, RatioOption, ConstantPath, from, to, steps, stepSeconds, slo, thenAt, keepGoing);
        command.SetAction((parse, cancel) => RunAsync(parse, "ramp", (context, progress) => Scenarios.Scenarios.RampAsync(
            context, parse.GetValue(Workload), Ratio.Parse(parse.GetValue(RatioOption)!), parse.GetValue(ConstantPath)!, parse.GetValue(from), parse.GetValue(to),
            parse.GetValue(steps), TimeSpan.FromSeconds(parse.GetValue(stepSeconds)), parse.GetValue(slo), parse.GetValue(thenAt), !parse.GetValue(keepGoing), progress, cancel), cancel));
        return command;
    }

    private static Command MixCommand()
    {
        var command = WithCommon(new Command("mix", "Claims and redemptions (lock then redeem of coupons claimed earlier) at a ratio, 3:7 by default."),
            RatioOption, Rate, DurationSeconds);
        command.SetAction((parse, cancel) => RunAsync(parse, "mix", (context, progress) => Scenarios.Scenarios.MixAsync(
            context, Ratio.Parse(parse.GetValue(RatioOption)!), parse.GetValue(Rate), TimeSpan.FromSeconds(parse.GetValue(DurationSeconds)), progress, cancel), cancel));
        return command;
    }

    private static Command FlashCommand()
    {
        var users = new Option<int>("--flash-users", "-u") { Description = "Users racing.", DefaultValueFactory = _ => 100_000 };
        var stock = new Option<long>("--stock", "-s") { Description = "Coupons on sale.", DefaultValueFactory = _ => 10_000 };
        var limit = new Option<int>("--limit") { Description = "Coupons per user.", DefaultValueFactory = _ => 1 };
        var again = new Option<double>("--second-attempts") { Description = "Share of users who claim a second time (half replaying their key, half with a new one).", DefaultValueFactory = _ => 0.1 };
        var rate = new Option<double>("--rate", "-r") { Description = "Claims per second.", DefaultValueFactory = _ => 5_000 };
        var byCode = new Option<bool>("--by-code") { Description = "Claim by code: one generated code per user; second attempts replay the own code or try another user's (code_already_claimed); the export checked too." };
        var command = WithCommon(new Command("flash", "U users race for stock S; verifies exactly min(S, demand) issued, limits held, no coupon twice, only sold_out/limit_reached refusals."),
            users, stock, limit, again, rate, byCode);
        command.SetAction((parse, cancel) => RunAsync(parse, "flash", (context, progress) => parse.GetValue(byCode)
            ? FlashByCode.RunAsync(context, parse.GetValue(users), parse.GetValue(stock), parse.GetValue(limit), parse.GetValue(rate), parse.GetValue(again), progress, cancel)
            : Scenarios.Scenarios.FlashAsync(context, parse.GetValue(users), parse.GetValue(stock), parse.GetValue(limit), parse.GetValue(rate), parse.GetValue(again), progress, cancel), cancel));
        return command;
    }

    private static Command CodesCompareCommand()
    {
        var from = new Option<double>("--from") { Description = "Rate of the first step (req/s).", DefaultValueFactory = _ => 2_000 };
        var to = new Option<double>("--to") { Description = "Rate of the last step (req/s).", DefaultValueFactory = _ => 30_000 };
        var steps = new Option<int>("--steps") { Description = "Steps per round, evenly spaced.", DefaultValueFactory = _ => 8 };
        var stepSeconds = new Option<double>("--step-duration") { Description = "Seconds measured per step and kind.", DefaultValueFactory = _ => 5 };
        var rounds = new Option<int>("--rounds") { Description = "Ramps, one after another.", DefaultValueFactory = _ => 3 };
        var slo = new Option<double>("--slo-ms") { Description = "The p99 a step must stay within to count as held.", DefaultValueFactory = _ => 5 };
        var brief = new Option<bool>("--short") { Description = "A smoke test for CI: one round of three 1 s steps (and 1 s of warm-up unless --warmup is given)." };
        var command = WithCommon(new Command("codes-compare", "Claim by id against claim by code (a shared code, a new Idempotency-Key each) in one run: interleaved steps at the same rates, rounds of ramps; the ratio of their maxima and their p99s."),
            from, to, steps, stepSeconds, rounds, slo, brief);
        command.SetAction((parse, cancel) => RunAsync(parse, "codes-compare", (context, progress) => CodesCompare.RunAsync(context, parse.GetValue(brief)
            ? CompareSettings.Short(parse.GetValue(from), parse.GetValue(to), parse.GetValue(slo))
            : new CompareSettings(parse.GetValue(from), parse.GetValue(to), parse.GetValue(steps), TimeSpan.FromSeconds(parse.GetValue(stepSeconds)), parse.GetValue(rounds), parse.GetValue(slo)),
            progress, cancel), cancel, parse.GetValue(brief)));
        return command;
    }

    private static Command OrdersCompareCommand()
    {
        var from = new Option<double>("--from") { Description = "Rate of the first step (req/s).", DefaultValueFactory = _ => 1_000 };
        var to = new Option<double>("--to") { Description = "Rate of the last step (req/s).", DefaultValueFactory = _ => 12_000 };
        var steps = new Option<int>("--steps") { Description = "Steps per round, evenly spaced.", DefaultValueFactory = _ => 8 };
        var stepSeconds = new Option<double>("--step-duration") { Description = "Seconds measured per step and kind.", DefaultValueFactory = _ => 5 };
        var rounds = new Option<int>("--rounds") { Description = "Ramps, one after another.", DefaultValueFactory = _ => 3 };
        var slo = new Option<double>("--slo-ms") { Description = "The p99 a step must stay within to count as held.", DefaultValueFactory = _ => 50 };
        var verify = new Option<int>("--verify-every") { Description = "Besides every race and refusal, the verifier reads back one order in this many.", DefaultValueFactory = _ => 20 };
        var brief = new Option<bool>("--short") { Description = "A smoke test for CI: one round of three 1 s steps." };
        var command = WithCommon(new Command("orders-compare", "The claim/redeem mix with single-coupon redemptions against the same mix with two-coupon orders, interleaved at the same rates; the ratio of their maxima and a verifier of every order (whole or absent, no coupon in two orders)."),
            RatioOption, from, to, steps, stepSeconds, rounds, slo, verify, brief);
        command.SetAction((parse, cancel) => RunAsync(parse, "orders-compare", (context, progress) => OrdersCompare.RunAsync(context, Ratio.Parse(parse.GetValue(RatioOption)!), parse.GetValue(brief)
            ? CompareSettings.Short(parse.GetValue(from), parse.GetValue(to), parse.GetValue(slo))
            : new CompareSettings(parse.GetValue(from), parse.GetValue(to), parse.GetValue(steps), TimeSpan.FromSeconds(parse.GetValue(stepSeconds)), parse.GetValue(rounds), parse.GetValue(slo)),
            parse.GetValue(verify), progress, cancel), cancel, parse.GetValue(brief)));
        return command;
    }

    private static Command SpikeCommand()
    {
        var capacity = new Option<double>("--capacity") { Description = "The node's measured capacity (claims/s); the rates are fractions and multiples of it.", Required = true };
        var factor = new Option<double>("--factor") { Description = "The spike's rate as a multiple of the capacity.", DefaultValueFactory = _ => 10 };
        var fraction = new Option<double>("--before-fraction") { Description = "The rate before and after the spike as a fraction of the capacity.", DefaultValueFactory = _ => 0.5 };
        var before = new Option<double>("--before") { Description = "Seconds measured before the spike (after the warm-up, at the same rate).", DefaultValueFactory = _ => 10 };
        var spike = new Option<double>("--spike-duration") { Description = "Seconds of the spike.", DefaultValueFactory = _ => 20 };
        var after = new Option<double>("--after") { Description = "Seconds after the spike, at the before rate.", DefaultValueFactory = _ => 10 };
        var p99 = new Option<double>("--p99-bar-ms") { Description = "The p99 admitted claims must stay under during the spike, and a window after it to count as at full rate.", DefaultValueFactory = _ => 50 };
        var recovery = new Option<double>("--recovery-bar") { Description = "Seconds after the spike's end within which a one-second window must be at full rate (≥ 95 % admitted, p99 under the bar).", DefaultValueFactory = _ => 2 };
        var advisory = new Option<bool>("--advisory-timing") { Description = "Report the timing bars (p99, recovery, the spike sent as scheduled) without failing on them; an answer outside 2xx, 409, 503 overloaded still fails (a smoke run on a busy machine)." };
        var ceiling = new Option<int?>("--max-in-flight") { Description = "The node's Coupons:Admission:MaxInFlight, to report it and warn when the connections cannot exceed it." };
        var command = WithCommon(new Command("spike", "Claims by id at a fraction of the node's capacity, then a multiple of it (10× for 20 s), then the fraction again, in one open-model run; per phase the answers and the p99 of admitted claims, and the time to recover (issue 17's bars)."),
            capacity, factor, fraction, before, spike, after, p99, recovery, advisory, ceiling);
        command.SetAction((parse, cancel) =>
        {
            var settings = new SpikeSettings(
                parse.GetValue(capacity), parse.GetValue(factor), parse.GetValue(fraction), TimeSpan.FromSeconds(parse.GetValue(before)), TimeSpan.FromSeconds(parse.GetValue(spike)),
                TimeSpan.FromSeconds(parse.GetValue(after)), parse.GetValue(p99), parse.GetValue(recovery), parse.GetValue(advisory), parse.GetValue(ceiling));
            if (settings.BeforeRate < 1 || settings.SpikeRate < settings.BeforeRate || settings.Before <= TimeSpan.Zero || settings.Spike <= TimeSpan.Zero || settings.After < TimeSpan.FromSeconds(1))
            {
                Console.Error.WriteLine("spike: --capacity × --before-fraction must be ≥ 1/s, --factor ≥ --before-fraction, --before and --spike-duration > 0, --after ≥ 1 s");
                return Task.FromResult(2);
            }

            return RunAsync(parse, "spike", (context, progress) => Spike.RunAsync(context, settings, progress, cancel), cancel);
        });
        return command;
    }

    private static Command SoakCommand()
    {
        var window = new Option<double>("--window") { Description = "Seconds per reporting window.", DefaultValueFactory = _ => 10 };
        var command = WithCommon(new Command("soak", "A fixed rate for a duration; latency and server memory per window, and their drift."),
            Workload, RatioOption, Rate, DurationSeconds, window);
        command.SetAction((parse, cancel) => RunAsync(parse, "soak", (context, progress) => Scenarios.Scenarios.SoakAsync(
            context, parse.GetValue(Workload), Ratio.Parse(parse.GetValue(RatioOption)!), parse.GetValue(Rate), TimeSpan.FromSeconds(parse.GetValue(DurationSeconds)),
            TimeSpan.FromSeconds(parse.GetValue(window)), progress, cancel), cancel));
        return command;
    }

    private static Command WithCommon(Command command, params Option[] specific)
    {
        foreach (var option in new Option[] { Url, Service, SigningKey, Connections, Users, WarmupSeconds, DrainSeconds, TimeoutSeconds, Output, ServerPid, Quiet }.Concat(specific))
        {
            command.Options.Add(option);
        }

        return command;
    }

    private static async Task<int> RunAsync(
        ParseResult parse, string scenario, Func<BenchContext, IProgress<string>?, Task<RunReport>> run, CancellationToken cancellationToken, bool shortWarmup = false)
    {
        var url = parse.GetValue(Url);
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out _) || !url.StartsWith("http", StringComparison.Ordinal)))
        {
            Console.Error.WriteLine($"--url: '{url}' is not an http(s) URL");
            return 2;
        }

        var options = new CommonOptions(
            url is null ? null : new Uri(url), parse.GetValue(Service), parse.GetValue(SigningKey)!, parse.GetValue(Connections), parse.GetValue(Users),
            TimeSpan.FromSeconds(shortWarmup && parse.GetResult(WarmupSeconds) is null or { Implicit: true } ? 1 : parse.GetValue(WarmupSeconds)), TimeSpan.FromSeconds(parse.GetValue(DrainSeconds)), TimeSpan.FromSeconds(parse.GetValue(TimeoutSeconds)),
            parse.GetValue(Output), parse.GetValue(ServerPid), parse.GetValue(Quiet));
        if (options.Connections is < 1 or > 10_000 || options.Users is < 1 or > 10_000_000)
        {
            Console.Error.WriteLine("--connections must be 1..10000 and --users 1..10000000");
            return 2;
        }

        IProgress<string>? progress = options.Quiet ? null : new ProgressLine(Console.Error);
        await using var context = await BenchContext.CreateAsync(options, Console.Error, cancellationToken);
        var report = await run(context, progress);
        var folder = options.OutputFolder ?? Path.Combine("bench", "results", $"{scenario}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        var markdown = report.Write(folder);
        Console.Error.WriteLine();
        Console.WriteLine(markdown);
        Console.WriteLine($"results: {Path.GetFullPath(folder)} (result.json, summary.md, chart.svg)");
        return report.Passed ? 0 : 1;
    }

    /// <summary>A progress line rewritten in place on a terminal, one line per report elsewhere.</summary>
    private sealed class ProgressLine(TextWriter writer) : IProgress<string>
    {
        public void Report(string value)
        {
            if (Console.IsErrorRedirected)
            {
                writer.WriteLine(value);
            }
            else
            {
                writer.Write("\r" + value.PadRight(Math.Max(0, Console.WindowWidth - 1)));
            }
        }
    }
}
