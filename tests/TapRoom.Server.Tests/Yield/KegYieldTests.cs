using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using System.Net.Http.Json;
using TapRoom.Contracts;
using TapRoom.Server.Features.Alerts;
using TapRoom.Server.Features.Yield;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Kegs;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Yield;

/// <summary>Where a keg's beer goes (PRODUCT.md "Where the beer goes"), through the real API, hub and database.</summary>
public sealed class KegYieldTests
{
    private sealed record Arranged(PourWorld World, HttpClient Manager, TapRig Tap, KegDto Keg, ControllerRig Controller, HubClient.ControllerHubClient Client);

    private static async Task<Arranged> ArrangeAsync(int nominalMl = 20_000, decimal? cost = 90m, bool jobs = false)
    {
        var settings = new Dictionary<string, string?>();
        if (jobs) TapRoomHost.TriggeredJobsOnly(settings);
        var world = await PourWorld.StartAsync(configure: b => b.Configuration.AddInMemoryCollection(settings));
        var manager = await world.Host.SignInAsAsync(StaffRole.Manager);
        var beer = await KegKit.CreateBeerAsync(manager, "Yield Lager " + Guid.NewGuid().ToString("N")[..6], price: 6m);
        var tap = await KegKit.CreateTapAsync(manager, "Yield tap");
        var keg = await HttpAssert.OkAsync<KegDto>(await manager.PostAsync("/api/kegs", new { beerTypeId = beer.Id, nominalVolumeMl = nominalMl, cost }));
        await KegKit.ConnectAsync(manager, tap.Id, keg.Id);
        var controller = await world.ControllerAsync(tap.Id);
        var client = await world.ConnectAsync(controller);
        return new Arranged(world, manager, new TapRig(tap.Id, keg.Id, beer.Id, tap.Name), keg, controller, client);
    }

    private static async Task PourAsync(Arranged a, GuestRig guest, int volumeMl)
    {
        var allow = await a.Client.Authorize(PourWorld.Present(a.Tap, guest));
        Assert.True(allow.Allowed, allow.Message);
        var done = await a.Client.CompletePour(PourWorld.Completion(allow.PourSessionId!.Value, a.Tap, volumeMl));
        Assert.Equal(CompletePourOutcome.Synced, done.Outcome);
    }

    [Fact]
    public async Task A_keg_played_through_every_part_keeps_each_exactly_and_the_parts_add_up_to_its_nominal_volume()
    {
        var a = await ArrangeAsync();
        await using var _ = a.World;
        using var __ = a.Manager;
        var host = a.World.Host;
        Assert.Equal((90m, a.World.LocationId), (a.Keg.Cost, a.Keg.LocationId));
        var guest = await a.World.GuestAsync(balance: 100m);

        // Two charged pours and a ghost pour under the venue's minimum charged pour (10 ml).
        await PourAsync(a, guest, 500);
        await PourAsync(a, guest, 400);
        await PourAsync(a, guest, 6);

        // A leak: the meter counted with the valve closed.
        await a.Client.FlowWithoutPour(new FlowWithoutPourMessage(a.Tap.TapId, 70, a.World.Now));
        await PourWorld.EventuallyAsync(() => host.KegAsync(a.Keg.Id).Result.LeakMl == 70, "the leak on the keg");

        // A calibration pour: the controller is asked to pour, reports its pulses; never charged.
        var started = new TaskCompletionSource<StartCalibrationPourMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.Client.StartCalibrationPour += m => { started.TrySetResult(m); return Task.CompletedTask; };
        var calibration = await HttpAssert.OkAsync<StartCalibrationResult>(await a.Manager.PostAsync($"/api/taps/{a.Tap.TapId}/calibrations", new { targetMl = 300 }));
        var ask = await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((calibration.CalibrationId, a.Tap.TapId, 300), (ask.CalibrationId, ask.TapId, ask.TargetMl));
        await a.Client.CalibrationPourDone(new CalibrationPourDoneMessage(calibration.CalibrationId, a.Tap.TapId, 1697, 303, a.World.Now));
        await a.Client.CalibrationPourDone(new CalibrationPourDoneMessage(calibration.CalibrationId, a.Tap.TapId, 1697, 303, a.World.Now)); // a repeat changes nothing

        // Cleaning: a line flush.
        await HttpAssert.OkAsync<TapStatusResult>(await a.Manager.PostAsync($"/api/taps/{a.Tap.TapId}/status", new { status = "cleaning" }));
        await HttpAssert.OkAsync<FlushResult>(await a.Manager.PostAsync($"/api/taps/{a.Tap.TapId}/flush", new { volumeMl = 250 }));
        await HttpAssert.OkAsync<TapStatusResult>(await a.Manager.PostAsync($"/api/taps/{a.Tap.TapId}/status", new { status = "active" }));

        // Staff waste, each with a comment.
        using var staff = await host.SignInAsAsync(StaffRole.Staff);
        var spill = await HttpAssert.OkAsync<KegWasteDto>(await staff.PostAsync($"/api/kegs/{a.Keg.Id}/waste", new { volumeMl = 120, kind = "spill", comment = "Knocked a jug over" }));
        Assert.Equal((WasteKind.Spill, 120, 20_000 - 500 - 400 - 6 - 70 - 303 - 250 - 120), (spill.Kind, spill.VolumeMl, spill.KegRemainingMl));
        await HttpAssert.OkAsync<KegWasteDto>(await staff.PostAsync($"/api/kegs/{a.Keg.Id}/waste", new { volumeMl = 80, kind = "foam", comment = "Fresh keg foaming" }));

        // The shift report adds the waste by kind.
        var shiftId = await host.DbAsync(db => db.Shifts.Where(x => x.Status == ShiftStatus.Open).Select(x => x.Id).SingleAsync());
        var shiftReport = await HttpAssert.OkAsync<ShiftReportDto>(await a.Manager.GetAsync($"/api/shifts/{shiftId}/report"));
        Assert.Equal([(WasteKind.Spill, 1, 120), (WasteKind.Foam, 1, 80), (WasteKind.Other, 0, 0)],
            shiftReport.Kegs.Waste!.Select(w => (w.Kind, w.Entries, w.VolumeMl)));
        var shiftCsv = await a.Manager.GetStringAsync($"/api/shifts/{shiftId}/report.csv");
        Assert.Contains("Waste by kind\r\nKind,Entries,Volume ml\r\nspill,1,120\r\nfoam,1,80\r\nother,0,0\r\n", shiftCsv);

        // Marked empty early: what the meter says is left is the loss at empty.
        await HttpAssert.OkAsync<KegDto>(await staff.PostAsync($"/api/kegs/{a.Keg.Id}/empty", new { }));

        var y = await HttpAssert.OkAsync<KegYieldDto>(await a.Manager.GetAsync($"/api/kegs/{a.Keg.Id}/yield"));
        Assert.Equal(
            (20_000, 900, 6, 250, 303, 70, 120, 80, 0, 18_271, 0),
            (y.NominalMl, y.ChargedMl, y.BelowMinimumMl, y.CleaningMl, y.CalibrationMl, y.LeakMl, y.SpillMl, y.FoamMl, y.OtherMl, y.LossAtEmptyMl, y.RemainingMl));
        Assert.Equal(y.NominalMl, y.ChargedMl + y.BelowMinimumMl + y.CleaningMl + y.CalibrationMl + y.LeakMl + y.SpillMl + y.FoamMl + y.OtherMl + y.LossAtEmptyMl + y.RemainingMl);
        // 900 of 20 000 ml charged; 3.00 + 2.40 for 90.00 of keg: 100.00 a litre charged, and a loss.
        Assert.Equal((4.50m, 90m, 5.40m, 100.00m, -1566.67m), (y.YieldPercent, y.Cost, y.Revenue, y.CostPerLiter, y.MarginPercent));

        // Nothing charged for the calibration pour, the leak, the flush or the waste: the guest paid the two pours.
        Assert.Equal(100m - 5.40m, await host.DbAsync(db => db.Visits.Where(v => v.Id == guest.VisitId).Select(v => v.Balance).SingleAsync()));
        Assert.Equal(2, (await host.AuditAsync("keg.waste_recorded")).Count);
        Assert.Single(await host.AuditAsync("calibration.poured"));

        // The yield report and its CSV show the beer with the same parts.
        var day = a.World.Now;
        var report = await HttpAssert.OkAsync<YieldReportDto>(await a.Manager.GetAsync(
            $"/api/reports/yield?locationId={a.World.LocationId}&from={day.AddDays(-1):O}&to={day.AddDays(1):O}"));
        var line = Assert.Single(report.Beers, b => b.BeerTypeId == a.Tap.BeerTypeId);
        Assert.Equal((1, 20_000, 900, 18_271, 4.50m, 5.40m), (line.Kegs, line.NominalMl, line.ChargedMl, line.LossAtEmptyMl, line.YieldPercent, line.Revenue));
        var csv = Encoding.UTF8.GetString(await (await a.Manager.GetAsync($"/api/reports/yield.csv?locationId={a.World.LocationId}&from={day.AddDays(-1):O}&to={day.AddDays(1):O}")).Content.ReadAsByteArrayAsync());
        Assert.Contains(",1,20000,900,4.50,6,0.03,250,1.25,303,1.52,70,0.35,120,0.60,80,0.40,0,0.00,18271,91.36,0,0.00,4.50,90.00,5.40,-1566.67\r\n", csv);

        // The database holds the sum on every statement.
        var violations = await host.DbAsync(db => db.Kegs.Where(k => k.RemainingVolumeMl + k.ChargedMl + k.BelowMinimumMl + k.CleaningMl + k.CalibrationMl
            + k.LeakMl + k.SpillMl + k.FoamMl + k.OtherMl + k.LossAtEmptyMl != k.NominalVolumeMl).CountAsync());
        Assert.Equal(0, violations);
    }

    [Theory]
    [InlineData(-5, "spill", "A comment", "validation_failed")]
    [InlineData(0, "foam", "A comment", "validation_failed")]
    [InlineData(50, "evaporation", "A comment", "validation_failed")]
    [InlineData(50, "spill", "", "validation_failed")]
    [InlineData(20_001, "other", "More than the keg holds", "waste_exceeds_keg")]
    public async Task Waste_that_is_negative_zero_of_an_unknown_kind_without_a_comment_or_more_than_is_left_is_refused_and_nothing_is_saved(
        int volumeMl, string kind, string comment, string code)
    {
        var a = await ArrangeAsync();
        await using var _ = a.World;
        using var __ = a.Manager;
        await HttpAssert.ProblemAsync(await a.Manager.PostAsync($"/api/kegs/{a.Keg.Id}/waste", new { volumeMl, kind, comment }), HttpStatusCode.BadRequest, code);
        var keg = await a.World.Host.KegAsync(a.Keg.Id);
        Assert.Equal((20_000, 0, 0, 0), (keg.RemainingVolumeMl, keg.SpillMl, keg.FoamMl, keg.OtherMl));
        Assert.Equal(0, await a.World.Host.DbAsync(db => db.KegWaste.CountAsync()));
        Assert.Empty(await a.World.Host.AuditAsync("keg.waste_recorded"));
    }

    [Fact]
    public async Task Stock_tells_the_rate_days_left_and_reorder_date_and_the_reorder_alert_is_raised_once()
    {
        var a = await ArrangeAsync(nominalMl: 20_000, jobs: true);
        await using var _ = a.World;
        using var __ = a.Manager;
        var host = a.World.Host;
        var time = host.Time;
        // A spare keg of the same beer waits in the warehouse.
        await HttpAssert.OkAsync<KegDto>(await a.Manager.PostAsync("/api/kegs", new { beerTypeId = a.Tap.BeerTypeId, nominalVolumeMl = 10_000 }));
        var guest = await a.World.GuestAsync(balance: 500m, volumeLimitMl: 100_000);
        // 14 days at 1 litre a day.
        for (var d = 0; d < 14; d++)
        {
            await PourAsync(a, guest, 1000);
            time.Advance(TimeSpan.FromDays(1));
        }
        using var manager = await host.SignInAsAsync(StaffRole.Manager); // two weeks on: a new sign-in
        var stock = await HttpAssert.OkAsync<StockReportDto>(await manager.GetAsync($"/api/reports/stock?locationId={a.World.LocationId}"));
        var line = Assert.Single(stock.Beers, b => b.BeerTypeId == a.Tap.BeerTypeId);
        var today = DateOnly.FromDateTime(TapRoom.Server.Domain.Location.ToVenueTime(time.GetUtcNow().UtcDateTime, "Europe/Berlin").Local);
        Assert.Equal((6_000, 10_000, 1.000m, 16.0m, 3), (line.ConnectedMl, line.WarehouseMl, line.LitresPerDay, line.DaysLeft, stock.ReorderLeadDays));
        Assert.Equal(today.AddDays(16 - 3), line.ReorderBy);
        Assert.False(line.ReorderDue);
        Assert.Empty((await host.SendAsync(new CheckReorders.Command())).Raised);

        // Two days on, a busy night: 16 l in the last 14 days, 12 l left lasts 10.5 days; with a lead time of 12 days the date has passed.
        time.Advance(TimeSpan.FromDays(2));
        using var later = await host.SignInAsAsync(StaffRole.Manager);
        await HttpAssert.OkAsync<LocationDto>(await later.PutAsJsonAsync("/api/location/policies", new { reorderLeadDays = 12 }, TapRoomHost.Json));
        for (var i = 0; i < 4; i++) await PourAsync(a, guest, 1000);
        var due = Assert.Single((await HttpAssert.OkAsync<StockReportDto>(await later.GetAsync("/api/reports/stock"))).Beers, b => b.BeerTypeId == a.Tap.BeerTypeId);
        Assert.True(due.ReorderDue, $"reorder by {due.ReorderBy}, {due.DaysLeft} days left");
        Assert.Equal((2_000, 10_000, 1.143m, 10.5m), (due.ConnectedMl, due.WarehouseMl, due.LitresPerDay, due.DaysLeft));
        Assert.Equal(today.AddDays(2 + 10 - 12), due.ReorderBy);

        Assert.Equal([a.Tap.BeerTypeId], (await host.SendAsync(new CheckReorders.Command())).Raised);
        Assert.Empty((await host.SendAsync(new CheckReorders.Command())).Raised);
        Assert.Equal("Succeeded", await host.RunJobAsync("reorder-sweep"));
        var alert = Assert.Single(await host.DbAsync(db => db.Alerts.AsNoTracking().Where(x => x.Type == AlertTypes.ReorderDue).ToListAsync()));
        Assert.Equal((AlertSeverity.Warning, 1, a.Tap.BeerTypeId), (alert.Severity, alert.OccurrenceCount, alert.SubjectId));
    }

    private sealed record TapStatusResult(Guid TapId, TapStatus Status);

    private sealed record FlushResult(Guid TapId, Guid KegId, int RequestedMl, int WasteMl, int KegRemainingMl);
}
