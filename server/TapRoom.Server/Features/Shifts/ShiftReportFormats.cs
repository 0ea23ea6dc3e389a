using System.Globalization;
using System.Net;
using System.Text;
using TapRoom.Contracts;

namespace TapRoom.Server.Features.Shifts;

/// <summary>
/// The report as CSV (sections with headers, invariant culture, times in the venue's time zone with their UTC offset, the
/// zone named in the header) and as a printable HTML page.
/// </summary>
public static class ShiftReportFormats
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string FileName(ShiftReportDto r, string extension) =>
        $"shift-report-{r.OpenedAt.ToString("yyyy-MM-dd", Inv)}-{r.ShiftId.ToString("N")[..8]}.{extension}";

    private static string M(decimal amount) => amount.ToString("0.00", Inv);

    /// <summary>A UTC time as the venue's local time with its offset, e.g. <c>2026-11-21 20:00:00 +01:00</c>.</summary>
    private static string T(DateTime? at, TimeZoneInfo zone)
    {
        if (at is null) return "";
        var utc = DateTime.SpecifyKind(at.Value, DateTimeKind.Utc);
        return new DateTimeOffset(utc).ToOffset(zone.GetUtcOffset(utc)).ToString("yyyy-MM-dd HH:mm:ss zzz", Inv);
    }

    private static string E(AlertSeverity s) => TapRoomJson.EnumValue(s);

    public static string ToCsv(ShiftReportDto r)
    {
        var zone = Domain.Location.FindTimeZone(r.TimeZone);
        string T(DateTime? at) => ShiftReportFormats.T(at, zone);
        var sb = new StringBuilder();
        void Row(params object?[] cells) => sb.Append(string.Join(',', cells.Select(Cell))).Append("\r\n");
        void Section(string title, params string[] headers)
        {
            if (sb.Length > 0) sb.Append("\r\n");
            Row(title);
            if (headers.Length > 0) Row(headers);
        }

        Section("Shift report", "Field", "Value");
        Row("Venue", r.VenueName);
        Row("Shift", r.ShiftId);
        Row("Status", r.Final ? "final" : "preview");
        Row("Opened at", T(r.OpenedAt));
        Row("Opened by", r.OpenedBy);
        Row("Closed at", T(r.ClosedAt));
        Row("Closed by", r.ClosedBy);
        Row("Period end", T(r.PeriodEnd));
        Row("Currency", r.Currency);
        Row("Time zone", r.TimeZone);
        Row("Comment", r.Comment);

        Section("Members", "Name", "Role", "Joined at", "Left at");
        foreach (var m in r.Members) Row(m.Name, TapRoomJson.EnumValue(m.Role), T(m.JoinedAt), T(m.LeftAt));

        Section("Visits", "Opened", "Closed", "Active at end");
        Row(r.Visits.Opened, r.Visits.Closed, r.Visits.ActiveAtEnd);

        Section("Pours", "Pours", "Volume ml", "Revenue");
        Row(r.Pours.Count, r.Pours.VolumeMl, M(r.Pours.Revenue));

        Section("Pours by tap", "Tap number", "Tap", "Pours", "Volume ml", "Revenue");
        foreach (var t in r.Pours.ByTap) Row(t.TapNumber, t.TapName, t.Pours, t.VolumeMl, M(t.Revenue));

        Section("Pours by beer", "Beer", "Pours", "Volume ml", "Revenue");
        foreach (var b in r.Pours.ByBeer) Row(b.BeerName, b.Pours, b.VolumeMl, M(b.Revenue));

        Section("Money", "Top-ups", "Top-up count", "Refunds", "Refund count", "Net", "Revenue", "Adjustments");
        Row(M(r.Money.TopUps), r.Money.TopUpCount, M(r.Money.Refunds), r.Money.RefundCount, M(r.Money.Net), M(r.Money.Revenue), M(r.Money.Adjustments));

        Section("Money by payment method", "Method", "Top-ups", "Top-up count", "Refunds", "Refund count");
        Row("cash", M(r.Money.Cash.TopUps), r.Money.Cash.TopUpCount, M(r.Money.Cash.Refunds), r.Money.Cash.RefundCount);
        Row("card", M(r.Money.Card.TopUps), r.Money.Card.TopUpCount, M(r.Money.Card.Refunds), r.Money.Card.RefundCount);

        Section("Cash drawer", "Cash expected in the drawer", "Moved while no shift was open (count)", "Of which cash net");
        Row(M(r.Money.CashExpectedInDrawer), r.Money.OutsideShift.Count, M(r.Money.OutsideShift.CashNet));

        Section("Money handled by", "Name", "Top-ups", "Top-up count", "Refunds", "Refund count", "On the shift");
        foreach (var h in r.Money.HandledBy) Row(h.Name, M(h.TopUps), h.TopUpCount, M(h.Refunds), h.RefundCount, h.OnShift ? "yes" : "no");

        Section("Exceptions", "Manual reconciles", "Force unlocks", "Late-sync mismatches");
        Row(r.Exceptions.ManualReconciles, r.Exceptions.ForceUnlocks, r.Exceptions.LateSyncMismatches);

        Section("Manual reconciles", "Pour", "Tap", "Volume ml", "Charged", "At", "By", "Comment");
        foreach (var x in r.Exceptions.Reconciles) Row(x.PourSessionId, x.TapName, x.VolumeMl, M(x.ChargedAmount), T(x.At), x.By, x.Comment);

        Section("Force unlocks", "Visit", "At", "By", "Comment");
        foreach (var x in r.Exceptions.ForceUnlockEvents) Row(x.VisitId, T(x.At), x.By, x.Comment);

        Section("Late-sync mismatches", "Pour", "Tap", "Reconciled ml", "Controller ml", "At");
        foreach (var x in r.Exceptions.Mismatches) Row(x.PourSessionId, x.TapName, x.ReconciledVolumeMl, x.ControllerVolumeMl, T(x.At));

        Section("Kegs changed", "Keg", "Beer", "Tap", "Change", "At");
        foreach (var k in r.Kegs.Changes) Row(KegName(k), k.BeerName, k.TapName, k.Change, T(k.At));

        Section("Waste by kind", "Kind", "Entries", "Volume ml");
        foreach (var w in r.Kegs.Waste ?? []) Row(TapRoomJson.EnumValue(w.Kind), w.Entries, w.VolumeMl);

        Section("Alerts by severity", "Severity", "Raised in period", "Still open");
        Row("info", r.Alerts.Raised.Info, r.Alerts.StillOpenBySeverity.Info);
        Row("warning", r.Alerts.Raised.Warning, r.Alerts.StillOpenBySeverity.Warning);
        Row("critical", r.Alerts.Raised.Critical, r.Alerts.StillOpenBySeverity.Critical);

        Section("Alerts still open", "Severity", "Type", "Status", "Subject", "Message", "Raised at", "Occurrences");
        foreach (var a in r.Alerts.StillOpen)
            Row(E(a.Severity), a.Type, TapRoomJson.EnumValue(a.Status), a.SubjectType, a.Message, T(a.RaisedAt), a.OccurrenceCount);

        Section("Equipment confirmed", "Item");
        foreach (var i in r.EquipmentConfirmed) Row(i);
        return sb.ToString();
    }

    /// <summary>Quotes when needed; text (not a number) that a spreadsheet would run as a formula is prefixed with an apostrophe.</summary>
    internal static string Cell(object? value)
    {
        var s = value switch
        {
            null => "",
            IFormattable f => f.ToString(null, Inv),
            _ => value.ToString() ?? "",
        };
        if (value is string && s.Length > 0 && s[0] is '=' or '+' or '-' or '@' or '\t' or '\r'
            && !decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, Inv, out _))
            s = "'" + s;
        return s.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }

    /// <param name="charts">Inline SVG charts (Features/Stats/ReportCharts), placed after the summary.</param>
    public static string ToHtml(ShiftReportDto r, string? charts = null)
    {
        var zone = Domain.Location.FindTimeZone(r.TimeZone);
        string L(DateTime? at) => at is null ? "—" : H(TimeZoneInfo.ConvertTimeFromUtc(at.Value, zone).ToString("yyyy-MM-dd HH:mm", Inv));
        string Money(decimal amount) => H($"{M(amount)} {r.Currency}");
        var sb = new StringBuilder();
        void Table(string title, string[] headers, IEnumerable<string[]> rows)
        {
            sb.Append("<section><h2>").Append(H(title)).Append("</h2><table><thead><tr>");
            foreach (var h in headers) sb.Append("<th>").Append(H(h)).Append("</th>");
            sb.Append("</tr></thead><tbody>");
            var any = false;
            foreach (var row in rows)
            {
                any = true;
                sb.Append("<tr>");
                foreach (var c in row) sb.Append("<td>").Append(c).Append("</td>");
                sb.Append("</tr>");
            }
            if (!any) sb.Append("<tr><td class=\"none\" colspan=\"").Append(headers.Length).Append("\">None</td></tr>");
            sb.Append("</tbody></table></section>\n");
        }
        string N(int n) => n.ToString(Inv);

        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shift report — ").Append(H(r.VenueName)).Append("</title>\n");
        sb.Append("""
            <style>
            body { font: 11pt/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
            h1 { font-size: 18pt; margin: 0 0 .25rem; } h2 { font-size: 12pt; margin: 1.25rem 0 .4rem; border-bottom: 1px solid #999; }
            .meta { color: #333; margin: 0 0 1rem; } .badge { border: 1px solid #333; border-radius: 3px; padding: 0 .3rem; font-size: 9pt; }
            table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; } td.none { color: #777; font-style: italic; }
            .figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: .5rem; } .figure { border: 1px solid #ccc; padding: .4rem .6rem; }
            .figure b { display: block; font-size: 14pt; }
            .chart-grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .5rem 1.5rem; } .chart { margin: 0; break-inside: avoid; }
            .chart figcaption { font-weight: 600; margin: .4rem 0 .2rem; } .chart svg { max-width: 100%; height: auto; }
            .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
            .figure { min-width: 0; overflow-wrap: anywhere; }
            @media (max-width: 40rem) {
              body { font-size: 10pt; margin: 1rem auto; } .figures { grid-template-columns: repeat(2, minmax(0, 1fr)); }
              .chart-grid { grid-template-columns: minmax(0, 1fr); } table { table-layout: fixed; }
              th, td { padding: .2rem .25rem; overflow-wrap: anywhere; hyphens: auto; }
            }
            @media print { body { margin: 0; max-width: none; } section { break-inside: avoid; } .noprint { display: none; } a { color: inherit; text-decoration: none; } }
            @page { margin: 15mm; }
            </style></head><body>
            """);
        sb.Append("<h1>").Append(H(r.VenueName)).Append(" — shift report</h1>");
        sb.Append("<p class=\"meta\"><span class=\"badge\">").Append(r.Final ? "final" : "preview").Append("</span> ")
            .Append(L(r.OpenedAt)).Append(" – ").Append(L(r.PeriodEnd)).Append(" (").Append(H(r.TimeZone)).Append(")<br>Opened by ")
            .Append(H(r.OpenedBy));
        if (r.ClosedBy is not null) sb.Append(", closed by ").Append(H(r.ClosedBy));
        sb.Append("</p>\n<p class=\"noprint\"><button onclick=\"window.print()\">Print</button></p>\n");

        sb.Append("<section><h2>Summary</h2><div class=\"figures\">");
        foreach (var (label, value) in new[]
        {
            ("Pours", N(r.Pours.Count)), ("Volume", H($"{N(r.Pours.VolumeMl)} ml")), ("Revenue", Money(r.Money.Revenue)), ("Net top-ups", Money(r.Money.Net)),
            ("Top-ups", Money(r.Money.TopUps)), ("Refunds", Money(r.Money.Refunds)), ("Visits opened", N(r.Visits.Opened)), ("Visits closed", N(r.Visits.Closed)),
        })
            sb.Append("<div class=\"figure\">").Append(H(label)).Append("<b>").Append(value).Append("</b></div>");
        sb.Append("</div></section>\n");
        sb.Append(charts);

        Table("Members", ["Name", "Role", "Joined", "Left"], r.Members.Select(m => new[] { H(m.Name), H(TapRoomJson.EnumValue(m.Role)), L(m.JoinedAt), L(m.LeftAt) }));
        Table("Pours by tap", ["Tap", "Pours", "Volume (ml)", "Revenue"],
            r.Pours.ByTap.Select(t => new[] { H($"{t.TapNumber}. {t.TapName}"), N(t.Pours), N(t.VolumeMl), Money(t.Revenue) }));
        Table("Pours by beer", ["Beer", "Pours", "Volume (ml)", "Revenue"],
            r.Pours.ByBeer.Select(b => new[] { H(b.BeerName), N(b.Pours), N(b.VolumeMl), Money(b.Revenue) }));
        Table("Money", ["Top-ups", "Refunds", "Net (top-ups − refunds)", "Revenue (pour charges)", "Adjustments"],
            [[$"{Money(r.Money.TopUps)} ({N(r.Money.TopUpCount)})", $"{Money(r.Money.Refunds)} ({N(r.Money.RefundCount)})", Money(r.Money.Net), Money(r.Money.Revenue), Money(r.Money.Adjustments)]]);
        Table("Money by payment method", ["Method", "Top-ups", "Refunds"],
        [
            ["Cash", $"{Money(r.Money.Cash.TopUps)} ({N(r.Money.Cash.TopUpCount)})", $"{Money(r.Money.Cash.Refunds)} ({N(r.Money.Cash.RefundCount)})"],
            ["Card", $"{Money(r.Money.Card.TopUps)} ({N(r.Money.Card.TopUpCount)})", $"{Money(r.Money.Card.Refunds)} ({N(r.Money.Card.RefundCount)})"],
        ]);
        Table("Cash drawer", ["Cash expected in the drawer", "Moved while no shift was open"],
            [[Money(r.Money.CashExpectedInDrawer), $"{N(r.Money.OutsideShift.Count)} ({Money(r.Money.OutsideShift.CashNet)} cash net)"]]);
        Table("Money handled by", ["Name", "Top-ups", "Refunds", "On the shift"],
            r.Money.HandledBy.Select(h => new[] { H(h.Name), $"{Money(h.TopUps)} ({N(h.TopUpCount)})", $"{Money(h.Refunds)} ({N(h.RefundCount)})", h.OnShift ? "yes" : "no" }));
        Table("Exceptions", ["Manual reconciles", "Force unlocks", "Late-sync mismatches"],
            [[N(r.Exceptions.ManualReconciles), N(r.Exceptions.ForceUnlocks), N(r.Exceptions.LateSyncMismatches)]]);
        Table("Manual reconciles", ["Tap", "Volume (ml)", "Charged", "At", "By", "Comment"],
            r.Exceptions.Reconciles.Select(x => new[] { H(x.TapName), N(x.VolumeMl), Money(x.ChargedAmount), L(x.At), H(x.By ?? ""), H(x.Comment ?? "") }));
        Table("Force unlocks", ["At", "By", "Comment"], r.Exceptions.ForceUnlockEvents.Select(x => new[] { L(x.At), H(x.By), H(x.Comment ?? "") }));
        Table("Late-sync mismatches", ["Tap", "Reconciled (ml)", "Controller (ml)", "At"],
            r.Exceptions.Mismatches.Select(x => new[] { H(x.TapName), N(x.ReconciledVolumeMl), x.ControllerVolumeMl is { } v ? N(v) : "—", L(x.At) }));
        Table("Kegs changed", ["Keg", "Tap", "Change", "At"], r.Kegs.Changes.Select(k => new[] { H(KegName(k)), H(k.TapName ?? "—"), H(k.Change), L(k.At) }));
        Table("Waste by kind", ["Kind", "Entries", "Volume"], (r.Kegs.Waste ?? []).Select(w => new[] { H(TapRoomJson.EnumValue(w.Kind)), H(w.Entries.ToString(Inv)), H($"{w.VolumeMl} ml") }));
        Table("Alerts by severity", ["Severity", "Raised in period", "Still open"],
        [
            ["info", N(r.Alerts.Raised.Info), N(r.Alerts.StillOpenBySeverity.Info)],
            ["warning", N(r.Alerts.Raised.Warning), N(r.Alerts.StillOpenBySeverity.Warning)],
            ["critical", N(r.Alerts.Raised.Critical), N(r.Alerts.StillOpenBySeverity.Critical)],
        ]);
        Table("Alerts still open", ["Severity", "Type", "Status", "Message", "Raised"],
            r.Alerts.StillOpen.Select(a => new[] { H(E(a.Severity)), H(a.Type), H(TapRoomJson.EnumValue(a.Status)), H(a.Message), L(a.RaisedAt) }));
        Table("Equipment confirmed", ["Item"], r.EquipmentConfirmed.Select(i => new[] { H(i) }));
        if (r.Comment is not null) sb.Append("<section><h2>Comment</h2><p>").Append(H(r.Comment)).Append("</p></section>\n");
        sb.Append("<p class=\"meta\">Generated ").Append(L(r.GeneratedAt)).Append(". Every figure comes from the ledger, the pours and the audit trail of the period.</p>\n");
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static string H(string s) => WebUtility.HtmlEncode(s);

    /// <summary>A keg as staff name it: its beer and the first digits of its id (what the Kegs view shows).</summary>
    public static string KegName(ShiftReportKegChange k) => $"{k.BeerName} keg #{k.KegId.ToString("N")[..8]}";

}
