using System.Net;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Features.Kegs;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Kegs;

namespace TapRoom.Server.Tests.Alerts;

public sealed class KegThresholdAlertTests
{
    private static async Task<(HttpClient Staff, Guid TapId, Guid KegId)> TapWithKegAsync(TapRoomHost host, string beer, int nominalMl = 10_000)
    {
        var manager = await host.SignInAsAsync(StaffRole.Manager);
        var b = await KegKit.CreateBeerAsync(manager, beer);
        var tap = await KegKit.CreateTapAsync(manager, "Tap " + beer);
        var keg = await KegKit.ReceiveAsync(manager, b.Id, nominalMl);
        await KegKit.ConnectAsync(manager, tap.Id, keg.Id);
        return (manager, tap.Id, keg.Id);
    }

    /// <summary>A pour left the keg at this level; the check runs as it does after the pour's commit.</summary>
    private static async Task DrainToAsync(TapRoomHost host, Guid kegId, int remainingMl)
    {
        await host.SetRemainingAsync(kegId, remainingMl);
        await host.SendAsync(new CheckKegThresholds.Command(kegId));
    }

    [Fact]
    public async Task A_draining_keg_raises_one_warning_then_escalates_once_to_critical_and_never_repeats()
    {
        await using var host = await TapRoomHost.StartAsync();
        var (staff, tapId, kegId) = await TapWithKegAsync(host, "Pils");
        var (_, _, otherKeg) = await TapWithKegAsync(host, "Stout");
        using var _ = staff;

        // Defaults: warning below 15 %, critical below 5 % of 10 000 ml.
        await DrainToAsync(host, kegId, 6000);
        await DrainToAsync(host, kegId, 1500);
        Assert.Empty(await host.KegAlertsAsync(kegId));

        await DrainToAsync(host, kegId, 1499);
        var warning = Assert.Single(await host.KegAlertsAsync(kegId));
        Assert.Equal((AlertSeverity.Warning, AlertStatus.Open, "keg", 1), (warning.Severity, warning.Status, warning.SubjectType, warning.OccurrenceCount));
        Assert.Contains("Pils", warning.Message);

        foreach (var ml in new[] { 1200, 900, 500 }) await DrainToAsync(host, kegId, ml);
        Assert.Equal(1, Assert.Single(await host.KegAlertsAsync(kegId)).OccurrenceCount);

        await DrainToAsync(host, kegId, 499);
        var critical = Assert.Single(await host.KegAlertsAsync(kegId));
        Assert.Equal((warning.Id, AlertSeverity.Critical, 2), (critical.Id, critical.Severity, critical.OccurrenceCount));

        foreach (var ml in new[] { 300, 100 }) await DrainToAsync(host, kegId, ml);
        Assert.Equal(2, Assert.Single(await host.KegAlertsAsync(kegId)).OccurrenceCount);
        Assert.Equal(TapStatus.Active, (await host.TapAsync(tapId)).Status);

        // Resolved: the crossing is remembered, so the keg does not alert again as it runs dry.
        await HttpAssert.OkAsync<AlertDto>(await staff.PostAsync($"/api/alerts/{critical.Id}/resolve", new { comment = "Replacement is in the cooler" }));
        await DrainToAsync(host, kegId, 0);
        await host.SendAsync(new CheckKegThresholds.Command());
        Assert.Equal(AlertStatus.Resolved, Assert.Single(await host.KegAlertsAsync(kegId)).Status);
        Assert.Equal(1, await host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "alert.raised" && e.DetailsJson.Contains(kegId.ToString()))));

        // Empty: the tap is out of keg, once.
        Assert.Equal(TapStatus.OutOfKeg, (await host.TapAsync(tapId)).Status);
        await host.SendAsync(new CheckKegThresholds.Command());
        Assert.Single(await host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "tap.status_changed" && e.SubjectId == tapId && e.DetailsJson.Contains("keg_drained")).ToListAsync()));
        Assert.Empty(await host.KegAlertsAsync(otherKeg));

        // A replacement keg alerts afresh.
        var beerId = (await host.KegAsync(kegId)).BeerTypeId;
        var fresh = await KegKit.ReceiveAsync(staff, beerId, 10_000);
        await KegKit.ConnectAsync(staff, tapId, fresh.Id);
        await DrainToAsync(host, fresh.Id, 1000);
        Assert.Equal(AlertSeverity.Warning, Assert.Single(await host.KegAlertsAsync(fresh.Id)).Severity);
    }

    [Fact]
    public async Task The_check_runs_after_the_change_that_drained_the_keg_and_a_drop_past_both_thresholds_alerts_once_as_critical()
    {
        await using var host = await TapRoomHost.StartAsync();
        var (staff, tapId, kegId) = await TapWithKegAsync(host, "Kölsch");
        using var _ = staff;
        await host.SetTapStatusAsync(tapId, TapStatus.Cleaning);

        // A flush raises KegChangedNotification after its commit, as a completed pour does.
        await HttpAssert.OkAsync<object>(await staff.PostAsync($"/api/taps/{tapId}/flush", new { volumeMl = 8600 }));
        Assert.Equal(AlertSeverity.Warning, Assert.Single(await host.KegAlertsAsync(kegId)).Severity);
        await HttpAssert.OkAsync<object>(await staff.PostAsync($"/api/taps/{tapId}/flush", new { volumeMl = 100 }));
        Assert.Equal(1, Assert.Single(await host.KegAlertsAsync(kegId)).OccurrenceCount);

        var (_, _, otherKeg) = await TapWithKegAsync(host, "Alt");
        await host.SetRemainingAsync(otherKeg, 200);
        await host.SendAsync(new CheckKegThresholds.Command(otherKeg));
        var alert = Assert.Single(await host.KegAlertsAsync(otherKeg));
        Assert.Equal((AlertSeverity.Critical, 1), (alert.Severity, alert.OccurrenceCount));

        var alerts = await HttpAssert.OkAsync<List<AlertDto>>(await staff.GetAsync("/api/alerts?status=open&severity=critical"));
        Assert.Equal([alert.Id], alerts.Select(a => a.Id));
    }

    [Fact]
    public async Task The_sweep_job_inside_the_server_catches_a_low_keg_that_no_event_reported()
    {
        await using var host = await TapRoomHost.StartAsync(s =>
        {
            s["TapRoom:Jobs:Enabled"] = "true";
            s["TapRoom:Jobs:KegThresholdSweepSeconds"] = "1";
            s["TapRoom:Jobs:HeartbeatSweepSeconds"] = "3600";
        });
        var (staff, _, kegId) = await TapWithKegAsync(host, "Bock");
        using var _ = staff;
        await host.SetRemainingAsync(kegId, 1000);

        // Hangfire fires on the wall clock; the server's time only moves when the test moves it.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && (await host.KegAlertsAsync(kegId)).Count == 0)
        {
            host.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(100);
        }

        var alert = Assert.Single(await host.KegAlertsAsync(kegId));
        Assert.Equal(AlertSeverity.Warning, alert.Severity);
        Assert.Equal("system", await host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "alert.raised").Select(e => e.ActorType).SingleAsync()));
    }
}
