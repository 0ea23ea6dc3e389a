using System.Net;
using System.Net.Http.Json;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Tests.Infrastructure;
using static TapRoom.Server.Tests.Shifts.ShiftWorld;

namespace TapRoom.Server.Tests.Shifts;

/// <summary>
/// A shift with known activity (and activity before and after it that must not count) gives exactly the expected
/// report, figure by figure; the stored report never changes; CSV and HTML carry the same figures.
/// </summary>
public sealed class ShiftReportTests
{
    private const string Comment = "Quiet night, <b>no</b> issues";

    private sealed record Known(
        TapRoomHost Host, ShiftWorld World, HttpClient Manager, StaffUserDto ManagerUser, StaffUserDto StaffUser, Guid ShiftId,
        BeerType Pils, BeerType Stout, Tap Tap1, Tap Tap2, Keg Keg1, Keg Keg3, Visit Anna, Visit Ben, PourSession Reconciled,
        Alert Critical, Alert OpenBefore, Alert Info) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Manager.Dispose();
            await Host.DisposeAsync();
        }
    }

    /// <summary>
    /// Shift 19:00–21:30 UTC. Pils 6.50/l, "Stout &amp; Porter" 9.00/l. Tap 1 pours Pils until its keg is swapped for a
    /// Stout keg at 20:40/20:45; tap 2 pours Stout.
    /// </summary>
    private static async Task<Known> SeedAsync()
    {
        var host = await TapRoomHost.StartAsync();
        var w = new ShiftWorld(host);
        w.SetTime(18, 0);
        var pils = await w.BeerAsync("Pils", 6.50m);
        var stout = await w.BeerAsync("Stout & Porter", 9.00m);
        var keg1 = await w.KegAsync(pils);
        var keg2 = await w.KegAsync(stout);
        var keg3 = await w.KegAsync(stout);
        var tap1 = await w.TapAsync(1, keg1, At(18, 0));
        var tap2 = await w.TapAsync(2, keg2, At(18, 0));

        // Before the shift: none of this counts, except Otto's visit closing during the shift.
        var otto = await w.VisitAsync("Otto", At(18, 5));
        await w.TopUpAsync(otto, 50m, At(18, 6));
        await w.PourAsync(otto, tap1, 400, At(18, 10));
        await w.ForceUnlockAsync(otto, At(18, 30), "before the shift");
        await w.AlertAsync(AlertSeverity.Warning, "keg_low", At(18, 20), AlertStatus.Resolved, At(18, 30));
        var openBefore = await w.AlertAsync(AlertSeverity.Warning, "lock_timeout", At(18, 25));

        w.SetTime(19, 0);
        var manager = await host.SignInAsAsync(StaffRole.Manager);
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var managerUser = await w.MeAsync(manager);
        var staffUser = await w.MeAsync(staff);
        var shift = await HttpAssert.OkAsync<ShiftDto>(await manager.PostAsJsonAsync("/api/shifts", new { }, TapRoomHost.Json));
        w.SetTime(19, 2);
        await HttpAssert.OkAsync<ShiftDto>(await staff.PostAsJsonAsync($"/api/shifts/{shift.Id}/members", new { }, TapRoomHost.Json));

        var anna = await w.VisitAsync("Anna", At(19, 5));
        await w.TopUpAsync(anna, 30m, At(19, 5));
        var ben = await w.VisitAsync("Ben", At(19, 10));
        await w.TopUpAsync(ben, 25m, At(19, 10));
        await w.PourAsync(anna, tap1, 500, At(19, 20));                 // Pils 3.25
        await w.TopUpAsync(anna, 20m, At(19, 30));
        await w.PourAsync(anna, tap2, 330, At(19, 40));                 // Stout 2.97
        var critical = await w.AlertAsync(AlertSeverity.Critical, "lost_card_attempt", At(19, 45));
        await w.AcknowledgeAsync(critical, At(19, 50));
        await w.PourAsync(ben, tap1, 250, At(19, 50));                  // Pils 1.625 -> 1.63
        await w.ForceUnlockAsync(anna, At(20, 0), "stuck reader");
        await w.AdjustAsync(ben, 1.50m, At(20, 0));
        var pending = await w.PendingPourAsync(ben, tap2, At(20, 5));
        await w.ReconcileAsync(pending, 400, At(20, 15), "Test Manager", "flow meter lost"); // Stout 3.60
        await w.LateSyncMismatchAsync(pending, 520, At(20, 30));
        await w.AlertAsync(AlertSeverity.Warning, "keg_low", At(20, 35), AlertStatus.Resolved, At(20, 40));
        await w.SwapKegAsync(tap1, keg1, keg3, At(20, 40), At(20, 45));
        await w.PourAsync(anna, tap1, 200, At(20, 50));                 // Stout from tap 1: 1.80
        var info = await w.AlertAsync(AlertSeverity.Info, "flow_without_pour", At(20, 50));
        Assert.Equal(47.40m, await w.CloseVisitAsync(otto, At(21, 0)));
        w.SetTime(21, 0);
        await HttpAssert.OkAsync<ShiftDto>(await staff.PostAsync($"/api/shifts/{shift.Id}/members/{staffUser.Id}/leave", null));
        Assert.Equal(41.98m, await w.CloseVisitAsync(anna, At(21, 10)));
        Assert.Equal(21.27m, await w.CloseVisitAsync(ben, At(21, 15)));

        // Stamped after the close at 21:30: must not count either.
        var cleo = await w.VisitAsync("Cleo", At(22, 0));
        await w.TopUpAsync(cleo, 40m, At(22, 0));
        await w.ForceUnlockAsync(cleo, At(22, 5), "after the shift");
        await w.PourAsync(cleo, tap2, 300, At(22, 10));
        await w.AlertAsync(AlertSeverity.Critical, "controller_offline", At(22, 15), AlertStatus.Resolved, At(22, 20));
        await w.AuditAsync(AuditActions.KegEmptied, "keg", keg2.Id, At(22, 20));
        await w.CloseVisitAsync(cleo, At(22, 30));

        w.SetTime(21, 30);
        return new Known(host, w, manager, managerUser, staffUser, shift.Id, pils, stout, tap1, tap2, keg1, keg3, anna, ben, pending, critical, openBefore, info);
    }

    private static Task<HttpResponseMessage> CloseAsync(Known k) => k.Manager.PostAsJsonAsync($"/api/shifts/{k.ShiftId}/close",
        new { equipmentConfirmed = DefaultEquipmentChecklist.Items, comment = Comment }, TapRoomHost.Json);

    [Fact]
    public async Task A_seeded_shift_gives_exactly_the_expected_report_figure_by_figure()
    {
        await using var k = await SeedAsync();
        var r = await HttpAssert.OkAsync<ShiftReportDto>(await CloseAsync(k));

        Assert.Equal(k.ShiftId, r.ShiftId);
        Assert.Equal(("TapRoom", "EUR", "Europe/Berlin", true), (r.VenueName, r.Currency, r.TimeZone, r.Final));
        Assert.Equal(At(19, 0), r.OpenedAt);
        Assert.Equal(At(21, 30), r.ClosedAt);
        Assert.Equal(At(21, 30), r.PeriodEnd);
        Assert.Equal((k.ManagerUser.Name, k.ManagerUser.Name), (r.OpenedBy, r.ClosedBy));

        Assert.Equal(2, r.Members.Count);
        Assert.Equal(new ShiftMemberDto(k.ManagerUser.Id, k.ManagerUser.Name, StaffRole.Manager, At(19, 0), At(21, 30)), r.Members[0]);
        Assert.Equal(new ShiftMemberDto(k.StaffUser.Id, k.StaffUser.Name, StaffRole.Staff, At(19, 2), At(21, 0)), r.Members[1]);

        Assert.Equal(new ShiftReportVisits(Opened: 2, Closed: 3, ActiveAtEnd: 0), r.Visits);

        Assert.Equal(5, r.Pours.Count);
        Assert.Equal(1680, r.Pours.VolumeMl);
        Assert.Equal(13.25m, r.Pours.Revenue);
        Assert.Equal(2, r.Pours.ByTap.Count);
        Assert.Equal(new ShiftReportTapLine(k.Tap1.Id, 1, "Tap 1", 3, 950, 6.68m), r.Pours.ByTap[0]);
        Assert.Equal(new ShiftReportTapLine(k.Tap2.Id, 2, "Tap 2", 2, 730, 6.57m), r.Pours.ByTap[1]);
        Assert.Equal(2, r.Pours.ByBeer.Count);
        Assert.Equal(new ShiftReportBeerLine(k.Pils.Id, "Pils", 2, 750, 4.88m), r.Pours.ByBeer[0]);
        Assert.Equal(new ShiftReportBeerLine(k.Stout.Id, "Stout & Porter", 3, 930, 8.37m), r.Pours.ByBeer[1]);

        Assert.Equal(75.00m, r.Money.TopUps);
        Assert.Equal(3, r.Money.TopUpCount);
        Assert.Equal(110.65m, r.Money.Refunds);
        Assert.Equal(3, r.Money.RefundCount);
        Assert.Equal(-35.65m, r.Money.Net);
        Assert.Equal(13.25m, r.Money.Revenue);
        Assert.Equal(1.50m, r.Money.Adjustments);

        Assert.Equal((1, 1, 1), (r.Exceptions.ManualReconciles, r.Exceptions.ForceUnlocks, r.Exceptions.LateSyncMismatches));
        Assert.Equal(new ShiftReportReconcile(k.Reconciled.Id, k.Ben.Id, "Tap 2", 400, 3.60m, At(20, 15), "Test Manager", "flow meter lost"),
            Assert.Single(r.Exceptions.Reconciles));
        Assert.Equal(new ShiftReportForceUnlock(k.Anna.Id, At(20, 0), "Test Manager", "stuck reader"), Assert.Single(r.Exceptions.ForceUnlockEvents));
        Assert.Equal(new ShiftReportLateSync(k.Reconciled.Id, k.Ben.Id, "Tap 2", 400, 520, At(20, 30)), Assert.Single(r.Exceptions.Mismatches));

        Assert.Equal((1, 1), (r.Kegs.Connected, r.Kegs.Emptied));
        Assert.Equal(
            [
                new ShiftReportKegChange(k.Keg1.Id, "Pils", k.Tap1.Id, "Tap 1", "emptied", At(20, 40)),
                new ShiftReportKegChange(k.Keg3.Id, "Stout & Porter", k.Tap1.Id, "Tap 1", "connected", At(20, 45)),
            ],
            r.Kegs.Changes);

        Assert.Equal(new ShiftReportSeverityCounts(Info: 1, Warning: 1, Critical: 1), r.Alerts.Raised);
        Assert.Equal(new ShiftReportSeverityCounts(Info: 1, Warning: 1, Critical: 1), r.Alerts.StillOpenBySeverity);
        Assert.Equal([k.Critical.Id, k.OpenBefore.Id, k.Info.Id], r.Alerts.StillOpen.Select(a => a.Id));
        Assert.Equal(AlertStatus.Acknowledged, r.Alerts.StillOpen[0].Status);

        Assert.Equal(DefaultEquipmentChecklist.Items, r.EquipmentConfirmed);
        Assert.Equal(Comment, r.Comment);

        // The stored report is what GET returns.
        var stored = await HttpAssert.OkAsync<ShiftReportDto>(await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/report"));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(r, TapRoomHost.Json), System.Text.Json.JsonSerializer.Serialize(stored, TapRoomHost.Json));
    }

    [Fact]
    public async Task The_preview_of_an_open_shift_runs_to_now_and_the_close_check_carries_it()
    {
        await using var k = await SeedAsync();
        k.World.SetTime(19, 45);
        var preview = await HttpAssert.OkAsync<ShiftReportDto>(await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/report"));
        Assert.False(preview.Final);
        Assert.Null(preview.ClosedAt);
        Assert.Equal(At(19, 45), preview.PeriodEnd);
        Assert.Null(Assert.Single(preview.Members, m => m.StaffUserId == k.ManagerUser.Id).LeftAt);
        Assert.Equal((2, 830, 6.22m), (preview.Pours.Count, preview.Pours.VolumeMl, preview.Pours.Revenue));
        Assert.Equal((75.00m, 0m), (preview.Money.TopUps, preview.Money.Refunds));

        var check = await HttpAssert.OkAsync<ShiftCloseCheckDto>(await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/close-check"));
        Assert.Equal(At(19, 45), check.Summary.PeriodEnd);
        Assert.Equal((preview.Pours.Count, preview.Pours.VolumeMl, preview.Pours.Revenue), (check.Summary.Pours.Count, check.Summary.Pours.VolumeMl, check.Summary.Pours.Revenue));
        Assert.Equal(preview.Pours.ByTap, check.Summary.Pours.ByTap);
        Assert.Equal(preview.Pours.ByBeer, check.Summary.Pours.ByBeer);
        Assert.Equal(preview.Money with { HandledBy = [] }, check.Summary.Money with { HandledBy = [] });
        Assert.Equal(preview.Money.HandledBy, check.Summary.Money.HandledBy);
    }

    [Fact]
    public async Task The_stored_report_of_a_closed_shift_never_changes_and_the_shift_cannot_be_closed_or_changed_again()
    {
        await using var k = await SeedAsync();
        await HttpAssert.OkAsync<ShiftReportDto>(await CloseAsync(k));
        var before = await (await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/report")).Content.ReadAsStringAsync();
        var csvBefore = await k.Manager.GetStringAsync($"/api/shifts/{k.ShiftId}/report.csv");

        // Later activity, a new shift, and even a late-stamped charge inside the old period.
        k.World.SetTime(22, 35);
        var next = await HttpAssert.OkAsync<ShiftDto>(await k.Manager.PostAsJsonAsync("/api/shifts", new { }, TapRoomHost.Json));
        var dora = await k.World.VisitAsync("Dora", At(22, 40));
        await k.World.TopUpAsync(dora, 40m, At(22, 40));
        await k.World.PourAsync(dora, k.Tap2, 300, At(22, 45));
        await k.World.TopUpAsync(k.Anna, 99m, At(20, 0));
        await k.World.AlertAsync(AlertSeverity.Warning, "keg_low", At(22, 50));
        k.World.SetTime(23, 0);

        var after = await (await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/report")).Content.ReadAsStringAsync();
        Assert.Equal(before, after);
        Assert.Equal(csvBefore, await k.Manager.GetStringAsync($"/api/shifts/{k.ShiftId}/report.csv"));
        var nextPreview = await HttpAssert.OkAsync<ShiftReportDto>(await k.Manager.GetAsync($"/api/shifts/{next.Id}/report"));
        Assert.Equal((1, 1, 40m, 2.70m), (nextPreview.Visits.Opened, nextPreview.Pours.Count, nextPreview.Money.TopUps, nextPreview.Money.Revenue));

        await HttpAssert.ProblemAsync(await CloseAsync(k), HttpStatusCode.Conflict, "shift_closed");
        await HttpAssert.ProblemAsync(await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/close-check"), HttpStatusCode.Conflict, "shift_closed");
        await HttpAssert.ProblemAsync(await k.Manager.PostAsJsonAsync($"/api/shifts/{k.ShiftId}/members", new { }, TapRoomHost.Json),
            HttpStatusCode.Conflict, "shift_closed");
        await HttpAssert.ProblemAsync(await k.Manager.PostAsync($"/api/shifts/{k.ShiftId}/members/{k.ManagerUser.Id}/leave", null),
            HttpStatusCode.Conflict, "shift_closed");
        Assert.Equal(before, await (await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/report")).Content.ReadAsStringAsync());
        var closed = await HttpAssert.OkAsync<ShiftDto>(await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}"));
        Assert.Equal((ShiftStatus.Closed, At(21, 30)), (closed.Status, closed.ClosedAt));
    }

    [Fact]
    public async Task The_CSV_and_HTML_downloads_carry_the_figures()
    {
        await using var k = await SeedAsync();
        await HttpAssert.OkAsync<ShiftReportDto>(await CloseAsync(k));

        var csvResponse = await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/report.csv");
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        var disposition = csvResponse.Content.Headers.ContentDisposition!;
        Assert.Equal("attachment", disposition.DispositionType);
        Assert.Equal($"shift-report-2026-11-21-{k.ShiftId.ToString("N")[..8]}.csv", disposition.FileNameStar ?? disposition.FileName?.Trim('"'));
        var lines = (await csvResponse.Content.ReadAsStringAsync()).TrimStart('\uFEFF').Split("\r\n");

        void Section(string title, params string[] expected)
        {
            var at = Array.IndexOf(lines, title);
            Assert.True(at >= 0, $"section {title} missing");
            Assert.Equal(expected, lines.Skip(at + 1).Take(expected.Length));
        }
        Section("Shift report", "Field,Value", "Venue,TapRoom", $"Shift,{k.ShiftId}", "Status,final", "Opened at,2026-11-21 20:00:00 +01:00",
            $"Opened by,{k.ManagerUser.Name}", "Closed at,2026-11-21 22:30:00 +01:00", $"Closed by,{k.ManagerUser.Name}", "Period end,2026-11-21 22:30:00 +01:00",
            "Currency,EUR", "Time zone,Europe/Berlin", $"Comment,\"{Comment}\"");
        Section("Members", "Name,Role,Joined at,Left at", $"{k.ManagerUser.Name},manager,2026-11-21 20:00:00 +01:00,2026-11-21 22:30:00 +01:00",
            $"{k.StaffUser.Name},staff,2026-11-21 20:02:00 +01:00,2026-11-21 22:00:00 +01:00");
        Section("Visits", "Opened,Closed,Active at end", "2,3,0");
        Section("Pours", "Pours,Volume ml,Revenue", "5,1680,13.25");
        Section("Pours by tap", "Tap number,Tap,Pours,Volume ml,Revenue", "1,Tap 1,3,950,6.68", "2,Tap 2,2,730,6.57");
        Section("Pours by beer", "Beer,Pours,Volume ml,Revenue", "Pils,2,750,4.88", "Stout & Porter,3,930,8.37");
        Section("Money", "Top-ups,Top-up count,Refunds,Refund count,Net,Revenue,Adjustments", "75.00,3,110.65,3,-35.65,13.25,1.50");
        Section("Exceptions", "Manual reconciles,Force unlocks,Late-sync mismatches", "1,1,1");
        Section("Manual reconciles", "Pour,Tap,Volume ml,Charged,At,By,Comment",
            $"{k.Reconciled.Id},Tap 2,400,3.60,2026-11-21 21:15:00 +01:00,Test Manager,flow meter lost");
        Section("Late-sync mismatches", "Pour,Tap,Reconciled ml,Controller ml,At", $"{k.Reconciled.Id},Tap 2,400,520,2026-11-21 21:30:00 +01:00");
        Section("Kegs changed", "Keg,Beer,Tap,Change,At", $"Pils keg #{k.Keg1.Id.ToString("N")[..8]},Pils,Tap 1,emptied,2026-11-21 21:40:00 +01:00",
            $"Stout & Porter keg #{k.Keg3.Id.ToString("N")[..8]},Stout & Porter,Tap 1,connected,2026-11-21 21:45:00 +01:00");
        Section("Waste by kind", "Kind,Entries,Volume ml", "spill,0,0", "foam,0,0", "other,0,0");
        Section("Alerts by severity", "Severity,Raised in period,Still open", "info,1,1", "warning,1,1", "critical,1,1");

        var htmlResponse = await k.Manager.GetAsync($"/api/shifts/{k.ShiftId}/report.html");
        Assert.Equal("text/html", htmlResponse.Content.Headers.ContentType?.MediaType);
        var html = await htmlResponse.Content.ReadAsStringAsync();
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("@media print", html);
        Assert.Contains("<h1>TapRoom — shift report</h1>", html);
        Assert.Contains("2026-11-21 20:00 – 2026-11-21 22:30 (Europe/Berlin)", html); // venue local time, CET
        Assert.Contains("<td>1. Tap 1</td><td>3</td><td>950</td><td>6.68 EUR</td>", html);
        Assert.Contains("<td>2. Tap 2</td><td>2</td><td>730</td><td>6.57 EUR</td>", html);
        Assert.Contains("<td>Pils</td><td>2</td><td>750</td><td>4.88 EUR</td>", html);
        Assert.Contains("<td>Stout &amp; Porter</td><td>3</td><td>930</td><td>8.37 EUR</td>", html);
        Assert.Contains("<td>75.00 EUR (3)</td><td>110.65 EUR (3)</td><td>-35.65 EUR</td><td>13.25 EUR</td><td>1.50 EUR</td>", html);
        Assert.Contains("<td>1</td><td>1</td><td>1</td>", html);
        Assert.Contains("Quiet night, &lt;b&gt;no&lt;/b&gt; issues", html);
        Assert.DoesNotContain("<b>no</b>", html);
    }
}
