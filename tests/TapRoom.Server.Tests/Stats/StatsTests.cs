using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Stats;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Stats;

/// <summary>
/// The chart figures through the real host and a real SQLite file, on a night arranged at known times (the clock is
/// the host's manual time provider): two pours and a flush on one keg, their charges, three denials.
/// </summary>
public sealed class StatsTests : IAsyncLifetime
{
    private TapRoomHost _host = null!;
    private DateTime _t0;
    private Guid _shiftId;
    private DashboardVenue.Arranged _tap = null!;

    public async Task InitializeAsync()
    {
        _host = await TapRoomHost.StartAsync();
        _t0 = _host.Time.GetUtcNow().UtcDateTime;
        _tap = await DashboardVenue.TapWithKegAsync(_host, 31, beer: "Helles", remainingMl: 8_800);
        _shiftId = Guid.NewGuid();
        await _host.DbAsync(async db =>
        {
            var location = await db.Locations.FirstAsync();
            db.Shifts.Add(new Shift { Id = _shiftId, LocationId = location.Id, OpenedAt = _t0, OpenedBy = "test" });
            var controller = new Controller { Id = Guid.NewGuid(), LocationId = location.Id, Name = "pi-stats", ApiKeyHash = "x", ApiKeyPrefix = "trk_x", CreatedAt = _t0 };
            db.Controllers.Add(controller);
            var visit = await db.Visits.SingleAsync(v => v.Id == _tap.VisitId);
            foreach (var (minutes, ml) in new[] { (10, 400), (70, 600) })
            {
                var at = _t0.AddMinutes(minutes);
                var id = Guid.NewGuid();
                db.PourSessions.Add(new PourSession
                {
                    Id = id, VisitId = _tap.VisitId, TapId = _tap.TapId, KegId = _tap.KegId, ControllerId = controller.Id, RequestId = Guid.NewGuid(), CardUid = "04AABBCC",
                    MaxVolumeMl = 1000, PricePerLiter = 10m, AuthorizedAt = at.AddSeconds(-20), StartedAt = at.AddSeconds(-20), EndedAt = at, VolumeMl = ml,
                    ChargedAmount = ml / 100m, SyncStatus = SyncStatus.Synced, SyncedAt = at.AddSeconds(1),
                });
                db.Ledger.Add(visit.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = _tap.VisitId, Kind = LedgerKind.PourCharge, Amount = -ml / 100m, PourSessionId = id, Actor = "test", At = at.AddSeconds(1) }));
            }
            db.AuditEvents.Add(Audit(AuditActions.TapCleaned, _t0.AddMinutes(30), $$"""{"kegId":"{{_tap.KegId}}","requestedMl":200,"wasteMl":200}"""));
            foreach (var (minutes, reason) in new[] { (5, "insufficient_balance"), (50, "card_in_use"), (80, "insufficient_balance") })
                db.AuditEvents.Add(Audit(AuditActions.PourDenied, _t0.AddMinutes(minutes), $$"""{"reason":"{{reason}}","message":"no"}"""));
            await db.SaveChangesAsync();
        });
        _host.Time.Advance(TimeSpan.FromMinutes(120));
    }

    private static AuditEvent Audit(string action, DateTime at, string details) =>
        new() { At = at, ActorType = "controller", ActorName = "pi-stats", Action = action, SubjectType = "tap", DetailsJson = details };

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task The_shift_is_counted_per_hour_of_the_location_clock_and_denials_by_reason()
    {
        var stats = await _host.SendAsync(new GetShiftStats.Query(_shiftId));
        var zone = TimeZoneInfo.FindSystemTimeZoneById(stats.TimeZone);
        Assert.All(stats.Hours, h => Assert.Equal(0, TimeZoneInfo.ConvertTimeFromUtc(h.StartsAt, zone).Minute));
        Assert.True(stats.Hours[0].StartsAt <= _t0 && _t0 < stats.Hours[0].StartsAt.AddHours(1));
        Assert.Equal(1000, stats.Hours.Sum(h => h.VolumeMl));
        Assert.Equal(10.00m, stats.Hours.Sum(h => h.Revenue));
        Assert.Equal(2, stats.Hours.Sum(h => h.Pours));
        var first = stats.Hours.Single(h => h.StartsAt <= _t0.AddMinutes(10) && _t0.AddMinutes(10) < h.StartsAt.AddHours(1));
        Assert.True(first.VolumeMl >= 400);
        Assert.Equal([(DenyReason.InsufficientBalance, 2), (DenyReason.CardInUse, 1)], stats.Denials.Select(d => (d.Reason, d.Count)).ToArray());

        var report = await _host.SendAsync(new Features.Shifts.GetShiftReport.Query(_shiftId));
        Assert.Equal(report.Pours.VolumeMl, stats.Hours.Sum(h => h.VolumeMl));
        Assert.Equal(report.Money.Revenue, stats.Hours.Sum(h => h.Revenue));
    }

    [Fact]
    public async Task A_kegs_level_steps_down_at_each_pour_and_flush_and_the_forecast_runs_at_tonights_rate()
    {
        var stats = await _host.SendAsync(new GetKegStats.Query());
        var keg = stats.Connected.Single(k => k.KegId == _tap.KegId);
        Assert.Equal(_t0, stats.Since);
        Assert.Equal([10_000, 9_600, 9_400, 8_800, 8_800], keg.Levels.Select(l => l.RemainingMl).ToArray());
        Assert.Equal([_t0, _t0.AddMinutes(10), _t0.AddMinutes(30), _t0.AddMinutes(70), _t0.AddMinutes(120)], keg.Levels.Select(l => l.At).ToArray());
        var f = keg.Forecast;
        Assert.Equal((1000, 2, 500, 500, 17), (f.PouredMl, f.Pours, f.AveragePourMl, f.RatePerHourMl, f.PoursLeft));
        Assert.Equal(_t0.AddMinutes(120).AddHours(8800 / 500.0), f.EmptyAt!.Value, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_taps_totals_tonight_and_its_last_hour_in_five_minute_slots()
    {
        var stats = await _host.SendAsync(new GetTapStats.Query());
        var tap = stats.Taps.Single(t => t.TapId == _tap.TapId);
        Assert.Equal((2, 1000, 10.00m), (tap.Pours, tap.VolumeMl, tap.Revenue));
        // The last hour began at t0+60 min: the pour at t0+70 min is in the third slot.
        Assert.Equal([0, 0, 600, 0, 0, 0, 0, 0, 0, 0, 0, 0], tap.LastHourMl.ToArray());
    }

    [Fact]
    public async Task Staff_read_the_taps_and_kegs_and_only_a_manager_the_shift()
    {
        using var staff = await _host.SignInAsAsync(StaffRole.Staff);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/stats/taps")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/stats/kegs")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync($"/api/stats/shifts/{_shiftId}")).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = _host.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/stats/taps")).StatusCode);
        using var manager = await _host.SignInAsAsync(StaffRole.Manager);
        var shift = await manager.GetFromJsonAsync<ShiftStatsDto>($"/api/stats/shifts/{_shiftId}", TapRoomHost.Json);
        Assert.Equal(_shiftId, shift!.ShiftId);
        await HttpAssert.ProblemAsync(await manager.GetAsync($"/api/stats/shifts/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_printable_report_draws_its_charts_as_inline_svg()
    {
        using var manager = await _host.SignInAsAsync(StaffRole.Manager);
        var html = await manager.GetStringAsync($"/api/shifts/{_shiftId}/report.html");
        foreach (var chart in new[] { "volume-per-hour", "revenue-per-hour", "volume-per-tap", "volume-per-beer", "money", "denials" })
            Assert.Contains($"data-chart=\"{chart}\"", html);
        Assert.Contains("<title>insufficient balance: 2</title>", html);
        Assert.DoesNotContain(" style=\"", html[html.IndexOf("<section class=\"charts\"", StringComparison.Ordinal)..html.IndexOf("</section>", html.IndexOf("<section class=\"charts\"", StringComparison.Ordinal), StringComparison.Ordinal)]);
    }
}
