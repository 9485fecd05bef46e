using System.Diagnostics;
using Coupons.Bench.Load;
using Coupons.Bench.Scenarios;
using Coupons.Bench.Service;

namespace Coupons.Bench.Tests;

/// <summary>The spike's schedule, its classes of answers, and its verdict on made-up answers (no server).</summary>
public sealed class SpikeTests
{
    private static readonly long Millisecond = Stopwatch.Frequency / 1000;

    [Fact]
    public void One_segment_spaces_arrivals_as_a_plain_phase_does()
    {
        var schedule = new ArrivalSchedule([new RateSegment(200, TimeSpan.FromSeconds(1.5))]);

        Assert.Equal(300, schedule.Arrivals);
        Assert.Equal(0, schedule.OffsetTicks(0));
        Assert.Equal((long)(7 * (Stopwatch.Frequency / 200.0)), schedule.OffsetTicks(7));
        Assert.Equal(200, schedule.RequestRateAt(1.49));
        Assert.Equal(0, schedule.RequestRateAt(1.5));
    }

    [Fact]
    public void Each_segment_begins_when_the_last_one_s_time_is_up_at_its_own_rate()
    {
        // Two requests an arrival: 100 req/s is 50 arrivals a second.
        var schedule = new ArrivalSchedule([new RateSegment(100, TimeSpan.FromSeconds(1)), new RateSegment(1000, TimeSpan.FromSeconds(2)), new RateSegment(100, TimeSpan.FromSeconds(1))], 2);

        Assert.Equal(50 + 1000 + 50, schedule.Arrivals);
        Assert.Equal(0, schedule.SegmentOf(49));
        Assert.Equal(1, schedule.SegmentOf(50));
        Assert.Equal(1, schedule.SegmentOf(1049));
        Assert.Equal(2, schedule.SegmentOf(1050));
        Assert.Equal(Stopwatch.Frequency, schedule.OffsetTicks(50));
        Assert.Equal(Stopwatch.Frequency + Stopwatch.Frequency / 500, schedule.OffsetTicks(51));
        Assert.Equal(3 * Stopwatch.Frequency, schedule.OffsetTicks(1050));
        Assert.Equal(3.0, schedule.StartSeconds(2));
        Assert.Equal(1000, schedule.RequestRateAt(2.5));
    }

    [Fact]
    public async Task The_engine_sends_every_arrival_of_a_schedule_once()
    {
        var workload = new CountingWorkload();
        var settings = new PhaseSettings(100, TimeSpan.FromSeconds(1), TimeSpan.Zero, 4, TimeSpan.FromSeconds(5))
        {
            Schedule = [new RateSegment(100, TimeSpan.FromSeconds(0.5)), new RateSegment(400, TimeSpan.FromSeconds(0.5))],
        };

        var result = await LoadEngine.RunAsync(workload, settings, null, null, CancellationToken.None);

        Assert.Equal(250, result.Arrivals);
        Assert.Equal(250, workload.Runs);
        Assert.Equal(0, result.Dropped);
    }

    [Theory]
    [InlineData(201, null, SpikeAnswerClass.Admitted)]
    [InlineData(200, null, SpikeAnswerClass.Admitted)]
    [InlineData(409, "limit_reached", SpikeAnswerClass.Admitted)]
    [InlineData(503, "overloaded", SpikeAnswerClass.Shed)]
    [InlineData(503, "storage_unavailable", SpikeAnswerClass.Other)]
    [InlineData(500, null, SpikeAnswerClass.Other)]
    [InlineData(429, "rate_limited", SpikeAnswerClass.Other)]
    [InlineData(0, "TimeoutException", SpikeAnswerClass.Other)]
    public void Only_2xx_and_409_are_admitted_and_only_503_overloaded_is_shed(int status, string? code, SpikeAnswerClass expected) =>
        Assert.Equal(expected, SpikeRecorder.Classify(new Answer(status, code, Guid.Empty)));

    [Fact]
    public void Recovery_is_timed_from_the_spike_s_end_to_the_end_of_the_first_second_at_full_rate()
    {
        // before 1 s, spike 1 s, after 3 s at 100/s: in the after phase the first 0.8 s are shed, the rest admitted in 5 ms.
        var (recorder, names, spike) = Run(afterShedSeconds: 0.8, admittedMs: 5);

        var verdict = new SpikeVerdict(spike, recorder, names);
        var findings = verdict.Findings(null, 1, 2000);

        Assert.Empty(verdict.Failures);
        Assert.Contains(findings, f => f.StartsWith("bar met: back to full rate 1.8 s after the spike's end", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("bar met: every answer 2xx, 409 or 503 overloaded", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("bar met: p99 of admitted claims during the spike 5", StringComparison.Ordinal));
    }

    [Fact]
    public void A_slow_recovery_and_a_slow_spike_are_missed_bars_and_failures_unless_advisory()
    {
        var (recorder, names, spike) = Run(afterShedSeconds: 2.5, admittedMs: 80);

        var enforced = new SpikeVerdict(spike, recorder, names);
        var advisory = new SpikeVerdict(spike with { AdvisoryTiming = true }, recorder, names);

        Assert.Equal(2, enforced.Failures.Count);
        Assert.Contains(enforced.Failures, f => f.StartsWith("p99 of admitted claims during the spike 80", StringComparison.Ordinal));
        Assert.Contains(enforced.Failures, f => f.StartsWith("back to full rate within 2 s: no one-second window", StringComparison.Ordinal));
        Assert.Empty(advisory.Failures);
        Assert.Contains(advisory.Findings(null, 1, 2000), f => f.StartsWith("bar missed (advisory): p99 of admitted claims", StringComparison.Ordinal));
    }

    [Fact]
    public void An_answer_outside_the_bar_fails_even_with_advisory_timing()
    {
        var (recorder, names, spike) = Run(afterShedSeconds: 0, admittedMs: 5, spikeAnswer: new Answer(503, "storage_unavailable", Guid.Empty));

        var verdict = new SpikeVerdict(spike with { AdvisoryTiming = true }, recorder, names);

        var failure = Assert.Single(verdict.Failures);
        Assert.Contains("503 storage_unavailable: 900", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Arrivals_the_tool_started_late_make_the_spike_not_sent_as_scheduled()
    {
        var (recorder, names, spike) = Run(afterShedSeconds: 0, admittedMs: 5, spikeStartLagMs: 100);

        var verdict = new SpikeVerdict(spike, recorder, names);

        Assert.Contains(verdict.Failures, f => f.StartsWith("the tool sent the spike as scheduled: 100 %", StringComparison.Ordinal));
    }

    /// <summary>
    /// Made-up answers for before (1 s), spike (1 s) and after (3 s) at 100/1000/100 per second: before
    /// admitted in <paramref name="admittedMs"/>; the spike one in ten admitted so, the rest shed (or
    /// <paramref name="spikeAnswer"/>); after, shed for <paramref name="afterShedSeconds"/>, then admitted.
    /// </summary>
    private static (SpikeRecorder Recorder, string[] Names, SpikeSettings Spike) Run(
        double afterShedSeconds, double admittedMs, Answer? spikeAnswer = null, double spikeStartLagMs = 0)
    {
        var spike = new SpikeSettings(200, 5, 0.5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), 50, 2, false, 10);
        var recorder = new SpikeRecorder(new ArrivalSchedule([new RateSegment(100, spike.Before), new RateSegment(1000, spike.Spike), new RateSegment(100, spike.After)]));
        var admitted = new Answer(201, null, Guid.NewGuid());
        var shed = new Answer(503, "overloaded", Guid.Empty);
        var latency = (long)(admittedMs * Millisecond);
        for (long number = 0; number < recorder.Schedule.Arrivals; number++)
        {
            var at = (double)recorder.Schedule.OffsetTicks(number) / Stopwatch.Frequency;
            var (answer, lag) = recorder.Schedule.SegmentOf(number) switch
            {
                0 => (admitted, 0L),
                1 => (number % 10 == 0 ? admitted : spikeAnswer ?? shed, (long)(spikeStartLagMs * Millisecond)),
                _ => (at < 2 + afterShedSeconds ? shed : admitted, 0L),
            };
            recorder.Record(number, answer, answer.Status == 201 ? latency : Millisecond, lag);
        }

        return (recorder, ["before", "spike", "after"], spike);
    }

    private sealed class CountingWorkload : IWorkload
    {
        public long Runs;

        public IReadOnlyList<string> Kinds { get; } = ["op"];

        public double RequestsPerOperation => 1;

        public Task RunAsync(Arrival arrival, Meter meter, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Runs);
            meter.Record(0, arrival.IntendedTimestamp, new Answer(200, null, Guid.Empty), expected: true, arrival.Measured);
            return Task.CompletedTask;
        }
    }
}
