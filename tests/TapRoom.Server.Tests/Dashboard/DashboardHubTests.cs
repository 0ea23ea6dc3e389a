using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using MediatR;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;
using TapRoom.Server.Tests.Pours;

namespace TapRoom.Server.Tests.Dashboard;

public sealed class DashboardHubTests
{
    internal static async Task<(HttpClient Http, CookieContainer Cookies)> SignInAsync(TapRoomHost host, StaffRole role = StaffRole.Admin)
    {
        var login = "admin";
        var password = TapRoomHost.AdminPassword;
        if (role != StaffRole.Admin)
        {
            using var admin = await host.SignInAsync();
            login = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}"[..20];
            password = "password-123";
            var venue = await host.DbAsync(db => db.Locations.OrderBy(l => l.CreatedAt).Select(l => l.Id).FirstAsync());
            (await admin.PostAsJsonAsync("/api/staff", new { login, name = $"Test {role}", password, role, locationIds = new[] { venue } }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        }
        var cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = host.BaseAddress };
        (await http.PostAsJsonAsync("/api/auth/login", new { login, password }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        return (http, cookies);
    }

    [Fact]
    public async Task Without_a_staff_sign_in_the_dashboard_hub_refuses_the_connection()
    {
        await using var host = await TapRoomHost.StartAsync();
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/hubs/dashboard/negotiate?negotiateVersion=1", null)).StatusCode);
        var ex = await Assert.ThrowsAsync<WebSocketException>(() => DashboardTestClient.ConnectAsync(host.BaseAddress, new CookieContainer()));
        Assert.Contains("401", ex.Message);

        var registered = await host.SendAsync(new RegisterController.Command("pi-1", []));
        using var controller = host.CreateClient();
        controller.DefaultRequestHeaders.Authorization = new("Bearer", registered.ApiKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await controller.PostAsync("/hubs/dashboard/negotiate?negotiateVersion=1", null)).StatusCode);
    }

    [Fact]
    public async Task A_staff_browser_sees_the_committed_tap_with_its_pour_and_its_pour_progress()
    {
        await using var host = await TapRoomHost.StartAsync();
        var (http, cookies) = await SignInAsync(host, StaffRole.Staff);
        using var _ = http;
        var venue = await DashboardVenue.TapWithKegAsync(host, 1, withPour: true, guestName: "Ada", pourVolumeMl: 40, remainingMl: 12_000);
        await using var browser = await DashboardTestClient.ConnectAsync(host.BaseAddress, cookies);

        await host.PublishAsync(new TapChangedNotification(venue.TapId));
        var tap = await browser.WaitForAsync<TapDto>("TapUpdated");
        Assert.Equal((venue.TapId, "Pilsner", 12_000, 30_000), (tap.Id, tap.BeerName, tap.KegRemainingMl, tap.KegNominalMl));
        Assert.Equal((venue.PourSessionId, "Ada", 40, 500), (tap.ActivePour?.PourSessionId, tap.ActivePour?.GuestName, tap.ActivePour?.VolumeMl, tap.ActivePour?.MaxVolumeMl));

        await host.PublishAsync(new PourProgressNotification(venue.PourSessionId!.Value, venue.TapId, venue.VisitId, 180, host.Time.GetUtcNow().UtcDateTime));
        var progress = await browser.WaitForAsync<PourProgressPush>("PourProgress");
        Assert.Equal((venue.PourSessionId.Value, venue.TapId, venue.VisitId, 180), (progress.PourSessionId, progress.TapId, progress.VisitId, progress.VolumeMl));
    }

    [Fact]
    public async Task Visit_keg_sync_queue_card_reader_and_shift_changes_reach_the_browser_as_committed_state()
    {
        await using var host = await TapRoomHost.StartAsync();
        var (http, cookies) = await SignInAsync(host);
        using var _ = http;
        var venue = await DashboardVenue.TapWithKegAsync(host, 2, withPour: true, balance: 25m, remainingMl: 900);
        await host.DbAsync(async db =>
        {
            var visit = await db.Visits.SingleAsync(v => v.Id == venue.VisitId);
            db.Ledger.Add(visit.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = venue.VisitId, Kind = LedgerKind.PourCharge, Amount = -1.6m, Actor = "test", At = host.Time.GetUtcNow().UtcDateTime }));
            await db.SaveChangesAsync();
        });
        await using var browser = await DashboardTestClient.ConnectAsync(host.BaseAddress, cookies);

        await host.PublishAsync(new VisitChangedNotification(venue.VisitId));
        var visit = await browser.WaitForAsync<VisitSummaryDto>("VisitUpdated");
        Assert.Equal((venue.VisitId, 23.4m, venue.TapId), (visit.Id, visit.Balance, visit.ActiveTapId));

        await host.PublishAsync(new KegChangedNotification(venue.KegId));
        var keg = await browser.WaitForAsync<KegDto>("KegUpdated");
        Assert.Equal((venue.KegId, 900, KegStatus.Connected), (keg.Id, keg.RemainingVolumeMl, keg.Status));

        await host.PublishAsync(new SyncQueueChangedNotification());
        Assert.Equal(1, (await browser.WaitForAsync<SyncQueueChangedMessage>("SyncQueueChanged")).PendingSyncCount);

        var at = host.Time.GetUtcNow().UtcDateTime;
        await host.PublishAsync(new CardReadNotification(new CardPresentedMessage("desk-1", "04A1B2C3", at)));
        await host.PublishAsync(new CardRemovedNotification(new CardRemovedMessage("desk-1", at.AddSeconds(1))));
        Assert.Equal("04A1B2C3", (await browser.WaitForAsync<CardPresentedMessage>("CardRead")).CardUid);
        Assert.Equal("desk-1", (await browser.WaitForAsync<CardRemovedMessage>("CardRemoved")).ReaderId);

        var shiftId = await host.DbAsync(async db =>
        {
            var admin = await db.StaffUsers.SingleAsync(u => u.Login == "admin");
            var shift = new Shift { Id = Guid.NewGuid(), LocationId = (await db.Locations.FirstAsync()).Id, OpenedAt = at, OpenedBy = admin.Name };
            shift.Members.Add(new ShiftMember { Id = Guid.NewGuid(), ShiftId = shift.Id, StaffUserId = admin.Id, Role = StaffRole.Admin, JoinedAt = at });
            db.Shifts.Add(shift);
            await db.SaveChangesAsync();
            return shift.Id;
        });
        await host.PublishAsync(new ShiftChangedNotification(shiftId));
        var shift = await browser.WaitForAsync<ShiftDto>("ShiftUpdated");
        Assert.Equal((shiftId, ShiftStatus.Open, StaffRole.Admin), (shift.Id, shift.Status, Assert.Single(shift.Members).Role));
    }

    [Fact]
    public async Task A_controller_going_offline_raises_an_alert_and_updates_its_status_and_its_taps_on_every_open_dashboard()
    {
        await using var host = await TapRoomHost.StartAsync();
        var venue = await DashboardVenue.TapWithKegAsync(host, 3);
        var registered = await host.SendAsync(new RegisterController.Command("pi-3", [venue.TapId]));
        await host.DbAsync(async db =>
        {
            var c = await db.Controllers.SingleAsync(x => x.Id == registered.Id);
            c.IsOnline = true;
            c.LastSeenAt = host.Time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
        });
        var (staffHttp, staffCookies) = await SignInAsync(host, StaffRole.Staff);
        var (managerHttp, managerCookies) = await SignInAsync(host, StaffRole.Manager);
        using var _ = staffHttp;
        using var __ = managerHttp;
        await using var first = await DashboardTestClient.ConnectAsync(host.BaseAddress, staffCookies);
        await using var second = await DashboardTestClient.ConnectAsync(host.BaseAddress, managerCookies);

        host.Time.Advance(TimeSpan.FromMinutes(5));
        var result = await host.SendAsync(new SweepControllerHeartbeats.Command());
        Assert.Equal([registered.Id], result.MarkedOffline);

        foreach (var browser in new[] { first, second })
        {
            var alert = await browser.WaitForAsync<AlertDto>("AlertRaised");
            Assert.Equal(("controller_offline", AlertSeverity.Warning, AlertStatus.Open, registered.Id), (alert.Type, alert.Severity, alert.Status, alert.SubjectId));
            var controller = await browser.WaitForAsync<ControllerStatusDto>("ControllerStatusChanged");
            Assert.False(controller.Online);
            var tap = await browser.WaitForAsync<TapDto>("TapUpdated", t => t.Id == venue.TapId);
            Assert.False(tap.ControllerOnline);
        }

        // Still offline a minute later: the open alert is counted, and the browsers hear it as an update, not a new alert.
        await host.DbAsync(async db =>
        {
            var c = await db.Controllers.SingleAsync(x => x.Id == registered.Id);
            c.IsOnline = true;
            await db.SaveChangesAsync();
        });
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await host.SendAsync(new SweepControllerHeartbeats.Command());
        var repeated = await first.WaitForAsync<AlertDto>("AlertUpdated");
        Assert.Equal(2, repeated.OccurrenceCount);
        Assert.Single(first.All<AlertDto>("AlertRaised"));
    }

    [Fact]
    public async Task Concurrent_changes_of_one_tap_leave_every_browser_on_the_final_committed_state()
    {
        await using var host = await TapRoomHost.StartAsync();
        var venue = await DashboardVenue.TapWithKegAsync(host, 4);
        var (http, cookies) = await SignInAsync(host);
        using var _ = http;
        await using var browser = await DashboardTestClient.ConnectAsync(host.BaseAddress, cookies);

        var statuses = new[] { TapStatus.Locked, TapStatus.Cleaning, TapStatus.Active };
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            await host.DbAsync(async db =>
            {
                await db.Taps.Where(t => t.Id == venue.TapId).ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, statuses[i % 3]));
            });
            await host.PublishAsync(new TapChangedNotification(venue.TapId));
        })));
        var final = await host.DbAsync(db => db.Taps.Where(t => t.Id == venue.TapId).Select(t => t.Status).SingleAsync());

        // Pushes are coalesced (at most one state per tap per window): however many arrive, the last is the final state.
        await PourWorld.EventuallyAsync(() => browser.All<TapDto>("TapUpdated").LastOrDefault()?.Status == final, "the final state pushed");
        var received = browser.All<TapDto>("TapUpdated").ToList();
        Assert.InRange(received.Count, 1, 30);
        Assert.Equal(final, received[^1].Status);
    }

    [Fact]
    public async Task The_sync_queue_and_controller_list_are_readable_by_staff_only()
    {
        await using var host = await TapRoomHost.StartAsync();
        var venue = await DashboardVenue.TapWithKegAsync(host, 5, withPour: true, guestName: "Grace", pourVolumeMl: 120);
        using var anonymous = host.CreateClient();
        await HttpAssert.ProblemAsync(await anonymous.GetAsync("/api/sync/pending"), HttpStatusCode.Unauthorized, "unauthenticated");
        await HttpAssert.ProblemAsync(await anonymous.GetAsync("/api/controllers"), HttpStatusCode.Unauthorized, "unauthenticated");

        var (staff, _) = await SignInAsync(host, StaffRole.Staff);
        using var __ = staff;
        var pending = await HttpAssert.OkAsync<PendingSyncDto>(await staff.GetAsync("/api/sync/pending"));
        var pour = Assert.Single(pending.Pours);
        Assert.Equal((1, venue.PourSessionId!.Value, "Tap 5", "Grace", 120), (pending.PendingSyncCount, pour.PourSessionId, pour.TapName, pour.GuestName, pour.VolumeMl));

        var controllers = await HttpAssert.OkAsync<List<ControllerStatusDto>>(await staff.GetAsync("/api/controllers"));
        var controller = Assert.Single(controllers);
        Assert.Equal(("pi-arranged-5", false, venue.TapId), (controller.Name, controller.Online, Assert.Single(controller.TapIds)));
        await HttpAssert.ProblemAsync(await staff.PostAsJsonAsync("/api/controllers", new { name = "pi-x", tapIds = Array.Empty<Guid>() }), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Recent_pours_list_finished_pours_newest_first_for_staff_and_not_the_pending_ones()
    {
        await using var host = await TapRoomHost.StartAsync();
        var venue = await DashboardVenue.TapWithKegAsync(host, 6, withPour: true, guestName: "Grace", pourVolumeMl: 120);
        using var anonymous = host.CreateClient();
        await HttpAssert.ProblemAsync(await anonymous.GetAsync("/api/pours/recent"), HttpStatusCode.Unauthorized, "unauthenticated");

        var (staff, _) = await SignInAsync(host, StaffRole.Staff);
        using var __ = staff;
        Assert.Empty(await HttpAssert.OkAsync<List<Features.Dashboard.RecentPours.RecentPourDto>>(await staff.GetAsync("/api/pours/recent")));

        var endedAt = new DateTime(2026, 11, 21, 20, 0, 0, DateTimeKind.Utc);
        await host.DbAsync(async db => await db.PourSessions.Where(p => p.Id == venue.PourSessionId)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.SyncStatus, SyncStatus.Synced).SetProperty(p => p.EndedAt, endedAt).SetProperty(p => p.VolumeMl, 330)));
        var recent = await HttpAssert.OkAsync<List<Features.Dashboard.RecentPours.RecentPourDto>>(await staff.GetAsync("/api/pours/recent?take=5"));
        var pour = Assert.Single(recent);
        Assert.Equal((venue.PourSessionId!.Value, "Tap 6", "Grace", 330, endedAt), (pour.PourSessionId, pour.TapName, pour.GuestName, pour.VolumeMl, pour.EndedAt.ToUniversalTime()));
        await HttpAssert.ProblemAsync(await staff.GetAsync("/api/pours/recent?take=0"), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task A_desk_top_up_writes_the_pos_outbox_and_pushes_PosOutboxChanged_after_commit_and_a_mark_done_pushes_again()
    {
        await using var world = await Pours.PourWorld.StartAsync(openShift: true);
        var guest = await world.GuestAsync(balance: 0m);
        var (http, cookies) = await SignInAsync(world.Host, StaffRole.Manager);
        using var _ = http;
        await using var browser = await DashboardTestClient.ConnectAsync(world.Host.BaseAddress, cookies);
        var before = await world.DbAsync(db => db.PosOutbox.CountAsync(e => e.Status == PosOutboxStatus.Pending));

        (await http.PostAsJsonAsync($"/api/visits/{guest.VisitId}/top-up", new { amount = 10m, paymentMethod = "cash" }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!browser.All<PosOutboxChangedMessage>("PosOutboxChanged").Any(m => m.Pending == before + 1) && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Contains(browser.All<PosOutboxChangedMessage>("PosOutboxChanged"), m => m.Pending == before + 1);

        var pushed = browser.All<PosOutboxChangedMessage>("PosOutboxChanged").Count();
        var id = await world.DbAsync(db => db.PosOutbox.Where(e => e.Status == PosOutboxStatus.Pending).OrderByDescending(e => e.Id).Select(e => e.Id).FirstAsync());
        (await http.PostAsJsonAsync($"/api/pos/outbox/{id}/mark-done", new { comment = "keyed into the till" }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (browser.All<PosOutboxChangedMessage>("PosOutboxChanged").Count() <= pushed && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(before, browser.All<PosOutboxChangedMessage>("PosOutboxChanged").Last().Pending);
    }
}
