using System.Globalization;
using Coupons.Bench.Load;

namespace Coupons.Bench.Scenarios;

/// <summary>
/// The spike's bars, each met or missed: only 2xx, 409 and 503 <c>overloaded</c> answers (always a
/// failure when missed); the spike sent as scheduled (else the run shows nothing about the node);
/// the p99 of admitted claims during the spike under the bar; the node back to full rate within the
/// recovery bar after the spike. The last three are failures unless the timing bars are advisory.
/// </summary>
internal sealed class SpikeVerdict
{
    private readonly SpikeSettings _spike;
    private readonly SpikeRecorder _recorder;
    private readonly IReadOnlyList<string> _names;
    private readonly List<string> _failures = [];
    private readonly List<string> _bars = [];

    public SpikeVerdict(SpikeSettings spike, SpikeRecorder recorder, IReadOnlyList<string> names)
    {
        _spike = spike;
        _recorder = recorder;
        _names = names;
        Judge();
    }

    public IReadOnlyList<string> Failures => _failures;

    private int Index(string name) => _names.ToList().IndexOf(name);

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private void Bar(bool met, bool timing, string text)
    {
        var advisory = timing && _spike.AdvisoryTiming;
        _bars.Add($"bar {(met ? "met" : advisory ? "missed (advisory)" : "MISSED")}: {text}");
        if (!met && !advisory)
        {
            _failures.Add(text);
        }
    }

    private void Judge()
    {
        var phases = Enumerable.Range(0, _names.Count).Select(_recorder.Figures).ToList();
        var other = phases.Sum(p => p.Other);
        var unanswered = phases.Sum(p => p.Unanswered);
        Bar(other == 0, timing: false, $"every answer 2xx, 409 or 503 overloaded: {other} other answer(s)" +
            (other == 0 ? "" : " (" + string.Join(", ", phases.SelectMany(p => p.Answers).Where(pair => !IsInBar(pair.Key)).GroupBy(pair => pair.Key).Select(g => $"{g.Key}: {g.Sum(pair => pair.Value)}")) + ")"));

        var spike = phases[Index("spike")];
        var lateShare = (double)(spike.Late + spike.Unanswered) / Math.Max(1, spike.Offered);
        Bar(lateShare <= 0.05 && unanswered == 0, timing: true,
            $"the tool sent the spike as scheduled: {F(lateShare * 100)} % of its {spike.Offered} arrivals started over {SpikeRecorder.LateStart.TotalMilliseconds:0} ms late or never (at most 5 %), {unanswered} never sent in the whole run");
        Bar(spike.Admitted.Count > 0 && spike.Admitted.P99Ms < _spike.P99BarMs, timing: true,
            $"p99 of admitted claims during the spike {F(spike.Admitted.P99Ms)} ms (< {F(_spike.P99BarMs)} ms; {spike.Admitted.Count} admitted)");

        var recovery = Recovery();
        Bar(recovery is { } r && r <= _spike.RecoveryBarSeconds, timing: true, recovery is { } seconds
            ? $"back to full rate {F(seconds)} s after the spike's end (≤ {F(_spike.RecoveryBarSeconds)} s): the first one-second window with ≥ 95 % of its arrivals admitted and their p99 < {F(_spike.P99BarMs)} ms ends then"
            : $"back to full rate within {F(_spike.RecoveryBarSeconds)} s: no one-second window of the after phase had ≥ 95 % of its arrivals admitted with their p99 < {F(_spike.P99BarMs)} ms");
    }

    /// <summary>Seconds from the spike's end to the end of the first window (1 s, sliding by 100 ms) at full rate; null if none.</summary>
    private double? Recovery()
    {
        var after = Index("after");
        var first = _recorder.FirstBucketOf(after);
        var buckets = (int)Math.Round(_spike.After.TotalSeconds * 10);
        for (var offset = 0; offset + 10 <= buckets; offset++)
        {
            if (_recorder.Window(first + offset, 10).AtFullRate(_spike.P99BarMs))
            {
                return (offset + 10) / 10.0;
            }
        }

        return null;
    }

    private static bool IsInBar(string label) =>
        label is "409" or "503 overloaded" || label.StartsWith("409 ", StringComparison.Ordinal) || label.Length >= 3 && label[0] == '2' && char.IsAsciiDigit(label[1]) && char.IsAsciiDigit(label[2]);

    public List<string> Findings(double? serverCpu, double toolCpu, int connections)
    {
        var findings = new List<string>();
        for (var i = 0; i < _names.Count; i++)
        {
            var p = _recorder.Figures(i);
            var seconds = _recorder.Schedule.Segments[i].Duration.TotalSeconds;
            findings.Add($"{_names[i]} ({F(_recorder.Schedule.Segments[i].RequestsPerSecond)}/s offered, {p.Offered} arrivals): admitted {p.Admitted.Count} ({F(p.Admitted.Count / seconds)}/s; p50 {F(p.Admitted.P50Ms)} ms, p99 {F(p.Admitted.P99Ms)} ms), " +
                $"shed {p.Shed.Count} (p99 {F(p.Shed.P99Ms)} ms), other {p.Other}, never sent {p.Unanswered}; started over {SpikeRecorder.LateStart.TotalMilliseconds:0} ms late by the tool {p.Late} (start lag p99 {F(p.StartLag.P99Ms)} ms)");
        }

        findings.Add("the table's latencies are those of admitted claims (2xx, 409), from each arrival's intended time; achieved is every answer per second");
        var afterStart = _recorder.FirstBucketOf(Index("after"));
        var afterSeconds = (int)Math.Floor(_spike.After.TotalSeconds);
        findings.Add("after the spike, per second: " + string.Join("; ", Enumerable.Range(0, afterSeconds).Select(s =>
        {
            var w = _recorder.Window(afterStart + s * 10, 10);
            return $"+{s}s {w.Admitted}/{w.Offered} admitted ({F(100.0 * w.Admitted / Math.Max(1, w.Offered))} %), p99 {F(w.AdmittedP99Ms)} ms";
        })));
        if (_spike.NodeMaxInFlight is { } ceiling && connections <= ceiling)
        {
            findings.Add($"warning: {connections} connections cannot put more than the node's MaxInFlight ({ceiling}) in flight: the tool, not the node, queued the spike");
        }

        findings.Add($"CPU per request over the run: server {(serverCpu is { } cpu ? F(cpu) + " µs" : "unknown")}, tool {F(toolCpu)} µs");
        findings.AddRange(_bars);
        return findings;
    }
}
