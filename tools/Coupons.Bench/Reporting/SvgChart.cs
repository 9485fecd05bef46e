using System.Globalization;
using System.Net;
using System.Text;

namespace Coupons.Bench.Reporting;

/// <summary>
/// A two-panel SVG of a run over time: target and achieved request rate above, latency
/// percentiles (log scale) below. Plain SVG, so it opens in any browser and diffs as text.
/// </summary>
public static class SvgChart
{
    private const int Width = 960;
    private const int PanelHeight = 260;
    private const int Left = 70;
    private const int Right = 20;
    private const int Top = 40;
    private const int Gap = 50;

    public static string Render(string title, IReadOnlyList<StepReport> steps)
    {
        var points = steps.SelectMany(step => step.Result.Series.Select(point => (At: step.StartsAtSeconds + point.AtSeconds, Point: point))).ToList();
        var svg = new StringBuilder();
        var height = Top + 2 * PanelHeight + Gap + 40;
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.Append(Invariant($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>"));
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"22\" font-size=\"15\">{WebUtility.HtmlEncode(title)}</text>"));
        if (points.Count == 0)
        {
            return svg.Append("</svg>").ToString();
        }

        var maxTime = Math.Max(1, points.Max(p => p.At));
        var maxRate = Math.Max(1, points.Max(p => Math.Max(p.Point.TargetPerSecond, p.Point.AchievedPerSecond))) * 1.1;
        var latencies = points.SelectMany(p => new[] { p.Point.P50Ms, p.Point.P99Ms, p.Point.P999Ms }).Where(v => v > 0).ToList();
        var minLatency = latencies.Count > 0 ? Math.Pow(10, Math.Floor(Math.Log10(latencies.Min()))) : 0.1;
        var maxLatency = latencies.Count > 0 ? Math.Pow(10, Math.Ceiling(Math.Log10(latencies.Max()))) : 10;
        maxLatency = Math.Max(maxLatency, minLatency * 10);

        double X(double seconds) => Left + seconds / maxTime * (Width - Left - Right);
        var rateTop = Top;
        var latencyTop = Top + PanelHeight + Gap;
        double RateY(double rate) => rateTop + PanelHeight - rate / maxRate * PanelHeight;
        double LatencyY(double ms) => latencyTop + PanelHeight - (Math.Log10(Math.Max(ms, minLatency)) - Math.Log10(minLatency)) / (Math.Log10(maxLatency) - Math.Log10(minLatency)) * PanelHeight;

        Frame(svg, rateTop, "requests/s");
        Frame(svg, latencyTop, "latency ms (log)");
        for (var i = 0; i <= 4; i++)
        {
            var rate = maxRate * i / 4;
            Label(svg, Left - 6, RateY(rate) + 4, rate.ToString("0", CultureInfo.InvariantCulture), "end");
        }

        for (var ms = minLatency; ms <= maxLatency * 1.0001; ms *= 10)
        {
            Label(svg, Left - 6, LatencyY(ms) + 4, ms.ToString("0.###", CultureInfo.InvariantCulture), "end");
            svg.Append(Invariant($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{LatencyY(ms):0.0}\" y2=\"{LatencyY(ms):0.0}\" stroke=\"#eee\"/>"));
        }

        for (var i = 0; i <= 5; i++)
        {
            var seconds = maxTime * i / 5;
            Label(svg, X(seconds), latencyTop + PanelHeight + 16, seconds.ToString("0", CultureInfo.InvariantCulture) + " s", "middle");
        }

        foreach (var step in steps.Skip(1))
        {
            svg.Append(Invariant($"<line x1=\"{X(step.StartsAtSeconds):0.0}\" x2=\"{X(step.StartsAtSeconds):0.0}\" y1=\"{Top}\" y2=\"{latencyTop + PanelHeight}\" stroke=\"#ddd\" stroke-dasharray=\"2,3\"/>"));
        }

        Line(svg, points.Select(p => (X(p.At), RateY(p.Point.TargetPerSecond))), "#999", dashed: true);
        Line(svg, points.Select(p => (X(p.At), RateY(p.Point.AchievedPerSecond))), "#1f77b4", dashed: false);
        Line(svg, points.Where(p => p.Point.P50Ms > 0).Select(p => (X(p.At), LatencyY(p.Point.P50Ms))), "#2ca02c", dashed: false);
        Line(svg, points.Where(p => p.Point.P99Ms > 0).Select(p => (X(p.At), LatencyY(p.Point.P99Ms))), "#ff7f0e", dashed: false);
        Line(svg, points.Where(p => p.Point.P999Ms > 0).Select(p => (X(p.At), LatencyY(p.Point.P999Ms))), "#d62728", dashed: false);
        Legend(svg, rateTop, [("target", "#999"), ("achieved", "#1f77b4")]);
        Legend(svg, latencyTop, [("p50", "#2ca02c"), ("p99", "#ff7f0e"), ("p99.9", "#d62728")]);
        return svg.Append("</svg>").ToString();
    }

    private static void Frame(StringBuilder svg, double top, string label)
    {
        svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{top}\" width=\"{Width - Left - Right}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#888\"/>"));
        svg.Append(Invariant($"<text x=\"14\" y=\"{top + PanelHeight / 2}\" transform=\"rotate(-90 14 {top + PanelHeight / 2})\" text-anchor=\"middle\">{label}</text>"));
    }

    private static void Label(StringBuilder svg, double x, double y, string text, string anchor) =>
        svg.Append(Invariant($"<text x=\"{x:0.0}\" y=\"{y:0.0}\" text-anchor=\"{anchor}\">{text}</text>"));

    private static void Line(StringBuilder svg, IEnumerable<(double X, double Y)> points, string color, bool dashed)
    {
        var coordinates = string.Join(" ", points.Select(p => Invariant($"{p.X:0.0},{p.Y:0.0}")));
        if (coordinates.Length == 0)
        {
            return;
        }

        svg.Append(Invariant($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"{(dashed ? " stroke-dasharray=\"5,4\"" : "")} points=\"{coordinates}\"/>"));
    }

    private static void Legend(StringBuilder svg, double top, (string Name, string Color)[] entries)
    {
        var x = Left + 10.0;
        foreach (var (name, color) in entries)
        {
            svg.Append(Invariant($"<line x1=\"{x:0}\" x2=\"{x + 18:0}\" y1=\"{top + 14}\" y2=\"{top + 14}\" stroke=\"{color}\" stroke-width=\"2\"/>"));
            Label(svg, x + 22, top + 18, name, "start");
            x += 30 + name.Length * 7;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
