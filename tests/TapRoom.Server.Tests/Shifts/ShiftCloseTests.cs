using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Shifts;

/// <summary>The closing wizard's rules, re-checked by the server on close: blockers, critical alerts, equipment.</summary>
public sealed class ShiftCloseTests
{
    private static async Task<(TapRoomHost Host, ShiftWorld World, HttpClient Manager, ShiftDto Shift)> OpenAsync()
    {
        var host = await TapRoomHost.StartAsync();
        var world = new ShiftWorld(host);
        world.SetTime(19, 0);
        var manager = await host.SignInAsAsync(StaffRole.Manager);
        var shift = await HttpAssert.OkAsync<ShiftDto>(await manager.PostAsJsonAsync("/api/shifts", new { }, TapRoomHost.Json));
        return (host, world, manager, shift);
    }

    private static object AllEquipment => new { equipmentConfirmed = DefaultEquipmentChecklist.Items };

    private static Task<HttpResponseMessage> CloseAsync(HttpClient manager, Guid shiftId, object body) =>
        manager.PostAsJsonAsync($"/api/shifts/{shiftId}/close", body, TapRoomHost.Json);

    [Fact]
    public async Task Close_is_blocked_by_an_active_visit_then_by_a_pending_pour_then_allowed_once_both_are_resolved()
    {
        var (host, world, manager, shift) = await OpenAsync();
        await using var _ = host;
        using var __ = manager;
        var beer = await world.BeerAsync("Pils", 6.50m);
        var tap = await world.TapAsync(1, await world.KegAsync(beer), ShiftWorld.At(12, 0));
        var anna = await world.VisitAsync("Anna", ShiftWorld.At(19, 5));
        await world.TopUpAsync(anna, 20m, ShiftWorld.At(19, 5));
        world.SetTime(19, 30);

        var check = await HttpAssert.OkAsync<ShiftCloseCheckDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/close-check"));
        var blocker = Assert.Single(check.Blockers);
        Assert.Equal((ShiftBlockerKind.ActiveVisit, anna.Id, $"/visits/{anna.Id}"), (blocker.Kind, blocker.Id, blocker.Link));
        Assert.Contains("Anna", blocker.Title);
        Assert.False(check.CanClose);

        var refused = await HttpAssert.ProblemAsync(await CloseAsync(manager, shift.Id, AllEquipment), HttpStatusCode.Conflict, "shift_has_blockers");
        var details = refused.GetProperty("details").EnumerateArray().ToList();
        Assert.Equal(["active_visit"], details.Select(d => d.GetProperty("kind").GetString()));
        Assert.Equal(anna.Id, details[0].GetProperty("id").GetGuid());

        // The guest pours and the controller never syncs; the desk closes the visit anyway (a path rule 2 forbids, but
        // the close must not rely on it): the pending pour alone still blocks.
        var pending = await world.PendingPourAsync(anna, tap, ShiftWorld.At(19, 40));
        var both = await HttpAssert.OkAsync<ShiftCloseCheckDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/close-check"));
        Assert.Equal([ShiftBlockerKind.ActiveVisit, ShiftBlockerKind.PendingSync], both.Blockers.Select(b => b.Kind));
        await host.DbAsync(async db =>
        {
            var v = await db.Visits.SingleAsync(x => x.Id == anna.Id);
            v.Status = VisitStatus.Closed;
            v.ClosedAt = ShiftWorld.At(19, 45);
            v.ClosedBy = "Desk";
            await db.SaveChangesAsync();
        });
        var pourOnly = await HttpAssert.OkAsync<ShiftCloseCheckDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/close-check"));
        var pourBlocker = Assert.Single(pourOnly.Blockers);
        Assert.Equal((ShiftBlockerKind.PendingSync, pending.Id, $"/sync?pour={pending.Id}"), (pourBlocker.Kind, pourBlocker.Id, pourBlocker.Link));
        Assert.Contains("Tap 1", pourBlocker.Title);
        Assert.False(pourOnly.CanClose);
        var refusedForPour = await HttpAssert.ProblemAsync(await CloseAsync(manager, shift.Id, AllEquipment), HttpStatusCode.Conflict, "shift_has_blockers");
        Assert.Equal(["pending_sync"], refusedForPour.GetProperty("details").EnumerateArray().Select(d => d.GetProperty("kind").GetString()));

        // A refused close changes nothing and is audited as a refusal.
        var stillOpen = await host.DbAsync(db => db.Shifts.AsNoTracking().SingleAsync(s => s.Id == shift.Id));
        Assert.Equal((ShiftStatus.Open, (DateTime?)null, (string?)null), (stillOpen.Status, stillOpen.ClosedAt, stillOpen.ReportJson));
        Assert.Equal(2, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "close_shift.rejected" && e.SubjectId == shift.Id)));

        await world.MarkPourSyncedAsync(pending, 300, ShiftWorld.At(19, 50));
        world.SetTime(20, 0);
        var clear = await HttpAssert.OkAsync<ShiftCloseCheckDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/close-check"));
        Assert.Empty(clear.Blockers);
        Assert.True(clear.CanClose);

        var report = await HttpAssert.OkAsync<ShiftReportDto>(await CloseAsync(manager, shift.Id, AllEquipment));
        Assert.True(report.Final);
        Assert.Equal(ShiftWorld.At(20, 0), report.ClosedAt);
        Assert.Equal(1, report.Pours.Count);
        Assert.Equal(1.95m, report.Money.Revenue);
        var closed = await host.DbAsync(db => db.Shifts.AsNoTracking().SingleAsync(s => s.Id == shift.Id));
        Assert.Equal((ShiftStatus.Closed, ShiftWorld.At(20, 0)), (closed.Status, closed.ClosedAt));
        Assert.NotNull(closed.ReportJson);
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == AuditActions.ShiftClosed && e.SubjectId == shift.Id)));
    }

    [Fact]
    public async Task Critical_alerts_block_the_close_until_acknowledged_and_other_open_alerts_do_not()
    {
        var (host, world, manager, shift) = await OpenAsync();
        await using var _ = host;
        using var __ = manager;
        var critical = await world.AlertAsync(AlertSeverity.Critical, "lost_card_attempt", ShiftWorld.At(19, 10));
        var warning = await world.AlertAsync(AlertSeverity.Warning, "keg_low", ShiftWorld.At(19, 20));
        await world.AlertAsync(AlertSeverity.Critical, "controller_offline", ShiftWorld.At(19, 25), AlertStatus.Resolved, ShiftWorld.At(19, 26));
        world.SetTime(19, 30);

        var check = await HttpAssert.OkAsync<ShiftCloseCheckDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/close-check"));
        Assert.Empty(check.Blockers);
        Assert.Equal(1, check.Alerts.CriticalUnacknowledged);
        Assert.Equal([critical.Id, warning.Id], check.Alerts.Unresolved.Select(a => a.Id));
        Assert.False(check.CanClose);
        var refused = await HttpAssert.ProblemAsync(await CloseAsync(manager, shift.Id, AllEquipment), HttpStatusCode.Conflict, "critical_alerts_unacknowledged");
        Assert.Equal(critical.Id, Assert.Single(refused.GetProperty("details").EnumerateArray().ToList()).GetProperty("id").GetGuid());

        await world.AcknowledgeAsync(critical, ShiftWorld.At(19, 35));
        var acknowledged = await HttpAssert.OkAsync<ShiftCloseCheckDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/close-check"));
        Assert.Equal(0, acknowledged.Alerts.CriticalUnacknowledged);
        Assert.Equal(2, acknowledged.Alerts.Unresolved.Count);
        Assert.True(acknowledged.CanClose);

        var report = await HttpAssert.OkAsync<ShiftReportDto>(await CloseAsync(manager, shift.Id, AllEquipment));
        Assert.Equal(new ShiftReportSeverityCounts(0, 1, 2), report.Alerts.Raised);
        Assert.Equal(new ShiftReportSeverityCounts(0, 1, 1), report.Alerts.StillOpenBySeverity);
        Assert.Equal([critical.Id, warning.Id], report.Alerts.StillOpen.Select(a => a.Id));
    }

    [Fact]
    public async Task Every_equipment_item_of_the_locations_checklist_must_be_confirmed_by_name()
    {
        var (host, world, manager, shift) = await OpenAsync();
        await using var _ = host;
        using var __ = manager;
        string[] checklist = ["Lines flushed", "Cooler at 4 °C", "Floor mopped"];
        await host.DbAsync(async db =>
        {
            (await db.Locations.SingleAsync()).EquipmentChecklist = [.. checklist];
            await db.SaveChangesAsync();
        });

        var check = await HttpAssert.OkAsync<ShiftCloseCheckDto>(await manager.GetAsync($"/api/shifts/{shift.Id}/close-check"));
        Assert.Equal(checklist.Select(i => new EquipmentItemDto(i, false)), check.Equipment);
        Assert.True(check.CanClose);

        var missing = await HttpAssert.ProblemAsync(await CloseAsync(manager, shift.Id, new { equipmentConfirmed = checklist[..2] }),
            HttpStatusCode.Conflict, "equipment_not_confirmed");
        Assert.Equal(["Floor mopped"], missing.GetProperty("details").GetProperty("missing").EnumerateArray().Select(e => e.GetString()));
        await HttpAssert.ProblemAsync(await CloseAsync(manager, shift.Id, new { }), HttpStatusCode.Conflict, "equipment_not_confirmed");
        await HttpAssert.ProblemAsync(await CloseAsync(manager, shift.Id, new { equipmentConfirmed = new[] { "lines flushed", "Cooler at 4 °C", "Floor mopped" } }),
            HttpStatusCode.Conflict, "equipment_not_confirmed");
        var unknown = await HttpAssert.ProblemAsync(await CloseAsync(manager, shift.Id, new { equipmentConfirmed = checklist.Append("Coffee machine off") }),
            HttpStatusCode.Conflict, "equipment_not_confirmed");
        Assert.Equal(["Coffee machine off"], unknown.GetProperty("details").GetProperty("unknown").EnumerateArray().Select(e => e.GetString()));
        await HttpAssert.ProblemAsync(await CloseAsync(manager, shift.Id, new { equipmentConfirmed = new[] { "" } }), HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(ShiftStatus.Open, await host.DbAsync(db => db.Shifts.Where(s => s.Id == shift.Id).Select(s => s.Status).SingleAsync()));

        var report = await HttpAssert.OkAsync<ShiftReportDto>(await CloseAsync(manager, shift.Id,
            new { equipmentConfirmed = checklist.Reverse(), comment = "  All good  " }));
        Assert.Equal(checklist, report.EquipmentConfirmed);
        Assert.Equal("All good", report.Comment);
        Assert.Equal(checklist, await host.DbAsync(db => db.Shifts.Where(s => s.Id == shift.Id).Select(s => s.EquipmentConfirmed).SingleAsync()));
        var audit = await host.DbAsync(db => db.AuditEvents.SingleAsync(e => e.Action == AuditActions.ShiftClosed));
        using var details = JsonDocument.Parse(audit.DetailsJson);
        Assert.Equal("All good", details.RootElement.GetProperty("comment").GetString());
    }
}
