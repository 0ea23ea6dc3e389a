using System.Globalization;
using System.Net;
using System.Text;
using TapRoom.Contracts;

namespace TapRoom.Server.Features.Stats;

/// <summary>
/// The shift report's charts as inline SVG for the printable page: drawn on the server so they print without script,
/// with presentation attributes only (no style attributes, nothing a Content-Security-Policy refuses), a <c>title</c> on
/// every bar for its number on hover, and the figures in a table next to each chart for screen readers.
/// </summary>
public static class ReportCharts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const string Ink = "#222";
    private const string Grid = "#ccc";
    private const string Volume = "#4a6fa5";
    private const string Money = "#b8741a";

    public sealed record Bar(string Label, decimal Value, string Text);

    public static string Html(ShiftReportDto report, ShiftStatsDto stats)
    {
        var zone = Domain.Location.FindTimeZone(stats.TimeZone);
        string Hour(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(utc, zone).ToString("HH:mm", Inv);
        string Litres(int ml) => (ml / 1000m).ToString("0.0#", Inv) + " L";
        string Cash(decimal amount) => amount.ToString("0.00", Inv) + " " + report.Currency;

        var sb = new StringBuilder("<section class=\"charts\"><h2>Charts</h2><div class=\"chart-grid\">\n");
        sb.Append(Figure("volume-per-hour", "Volume per hour", Columns(stats.Hours.Select(h => new Bar(Hour(h.StartsAt), h.VolumeMl / 1000m, Litres(h.VolumeMl))).ToList(), Volume)));
        sb.Append(Figure("revenue-per-hour", $"Revenue per hour ({report.Currency})", Columns(stats.Hours.Select(h => new Bar(Hour(h.StartsAt), h.Revenue, Cash(h.Revenue))).ToList(), Money)));
        sb.Append(Figure("volume-per-tap", "Volume per tap", Rows(report.Pours.ByTap.Select(t => new Bar($"{t.TapNumber}. {t.TapName}", t.VolumeMl / 1000m, Litres(t.VolumeMl))).ToList(), Volume)));
        sb.Append(Figure("volume-per-beer", "Volume per beer", Rows(report.Pours.ByBeer.Select(b => new Bar(b.BeerName, b.VolumeMl / 1000m, Litres(b.VolumeMl))).ToList(), Volume)));
        sb.Append(Figure("money", "Top-ups, refunds and pour charges", Rows(
        [
            new Bar("Top-ups", report.Money.TopUps, Cash(report.Money.TopUps)),
            new Bar("Refunds", report.Money.Refunds, Cash(report.Money.Refunds)),
            new Bar("Pour charges", report.Money.Revenue, Cash(report.Money.Revenue)),
        ], Money)));
        sb.Append(Figure("denials", "Denials by reason", Rows(stats.Denials.Select(d => new Bar(TapRoomJson.EnumValue(d.Reason).Replace('_', ' '), d.Count, d.Count.ToString(Inv))).ToList(), Ink)));
        sb.Append("</div></section>\n");
        return sb.ToString();
    }

    private static string Figure(string id, string title, (string Svg, IReadOnlyList<Bar> Bars) chart)
    {
        var sb = new StringBuilder();
        sb.Append("<figure class=\"chart\" data-chart=\"").Append(id).Append("\"><figcaption>").Append(H(title)).Append("</figcaption>");
        if (chart.Bars.Count == 0)
        {
            sb.Append("<p class=\"none\">None</p></figure>\n");
            return sb.ToString();
        }
        sb.Append(chart.Svg);
        sb.Append("<table class=\"sr-only\"><caption>").Append(H(title)).Append("</caption><tbody>");
        foreach (var b in chart.Bars) sb.Append("<tr><th scope=\"row\">").Append(H(b.Label)).Append("</th><td>").Append(H(b.Text)).Append("</td></tr>");
        sb.Append("</tbody></table></figure>\n");
        return sb.ToString();
    }

    /// <summary>Vertical bars over time (hours): label every bar when there is room, every n-th otherwise.</summary>
    public static (string Svg, IReadOnlyList<Bar> Bars) Columns(IReadOnlyList<Bar> bars, string colour)
    {
        const int w = 440, h = 200, left = 44, right = 8, top = 10, bottom = 24;
        if (bars.Count == 0) return ("", bars);
        var max = Nice(bars.Max(b => b.Value));
        var plotW = w - left - right;
        var plotH = h - top - bottom;
        var slot = (double)plotW / bars.Count;
        var every = Math.Max(1, (int)Math.Ceiling(bars.Count / (plotW / 40.0)));
        var sb = Open(w, h, bars);
        Axis(sb, max, left, top, plotW, plotH);
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var bh = max > 0 ? (double)(b.Value / max) * plotH : 0;
            var x = left + i * slot + slot * 0.15;
            sb.Append($"<rect x=\"{F(x)}\" y=\"{F(top + plotH - bh)}\" width=\"{F(slot * 0.7)}\" height=\"{F(bh)}\" fill=\"{colour}\"><title>{H(b.Label)}: {H(b.Text)}</title></rect>");
            if (i % every == 0)
                sb.Append($"<text x=\"{F(left + i * slot + slot / 2)}\" y=\"{h - 8}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{Ink}\">{H(b.Label)}</text>");
        }
        return (sb.Append("</svg>").ToString(), bars);
    }

    /// <summary>Horizontal bars for categories, the value written at the end of each bar.</summary>
    public static (string Svg, IReadOnlyList<Bar> Bars) Rows(IReadOnlyList<Bar> bars, string colour)
    {
        const int w = 440, left = 130, right = 90, row = 24, top = 6;
        if (bars.Count == 0) return ("", bars);
        var h = top * 2 + row * bars.Count;
        var max = bars.Max(b => b.Value);
        var plotW = w - left - right;
        var sb = Open(w, h, bars);
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var y = top + i * row;
            var bw = max > 0 ? (double)(b.Value / max) * plotW : 0;
            sb.Append($"<text x=\"{left - 6}\" y=\"{y + 16}\" font-size=\"11\" text-anchor=\"end\" fill=\"{Ink}\">{H(Trim(b.Label, 20))}</text>");
            sb.Append($"<rect x=\"{left}\" y=\"{y + 4}\" width=\"{F(Math.Max(bw, b.Value > 0 ? 1 : 0))}\" height=\"{row - 8}\" fill=\"{colour}\"><title>{H(b.Label)}: {H(b.Text)}</title></rect>");
            sb.Append($"<text x=\"{F(left + bw + 5)}\" y=\"{y + 16}\" font-size=\"11\" fill=\"{Ink}\">{H(b.Text)}</text>");
        }
        return (sb.Append("</svg>").ToString(), bars);
    }

    private static StringBuilder Open(int w, int h, IReadOnlyList<Bar> bars) =>
        new StringBuilder().Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"")
            .Append(H(string.Join("; ", bars.Select(b => $"{b.Label}: {b.Text}")))).Append("\" font-family=\"system-ui, sans-serif\">");

    private static void Axis(StringBuilder sb, decimal max, int left, int top, int plotW, int plotH)
    {
        for (var i = 0; i <= 4; i++)
        {
            var y = top + plotH - plotH * i / 4.0;
            var value = max * i / 4;
            sb.Append($"<line x1=\"{left}\" x2=\"{left + plotW}\" y1=\"{F(y)}\" y2=\"{F(y)}\" stroke=\"{(i == 0 ? Ink : Grid)}\" stroke-width=\"{(i == 0 ? 1 : 0.5)}\"/>");
            sb.Append($"<text x=\"{left - 4}\" y=\"{F(y + 3)}\" font-size=\"9\" text-anchor=\"end\" fill=\"{Ink}\">{value.ToString(value < 10 ? "0.#" : "0", Inv)}</text>");
        }
    }

    /// <summary>A round axis maximum at or above <paramref name="max"/> (1, 2, 2.5, 5 × 10ⁿ).</summary>
    public static decimal Nice(decimal max)
    {
        if (max <= 0) return 1;
        var exp = Math.Floor(Math.Log10((double)max));
        var unit = (decimal)Math.Pow(10, exp);
        foreach (var step in new[] { 1m, 2m, 2.5m, 5m, 10m })
            if (step * unit >= max) return step * unit;
        return 10 * unit;
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
    private static string F(double d) => d.ToString("0.#", Inv);
    private static string H(string s) => WebUtility.HtmlEncode(s);
}
