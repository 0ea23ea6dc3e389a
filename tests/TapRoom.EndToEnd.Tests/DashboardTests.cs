using System.Net.Http.Json;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>The dashboard in real Chromium against the real server; state is arranged in the database and announced the way handlers do.</summary>
public sealed class DashboardTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    private TapRoomHost Host => fx.Host;

    private async Task<string> CreateStaffUserAsync(StaffRole role)
    {
        using var admin = await Host.SignInAsync();
        var login = $"{role.ToString().ToLowerInvariant()}{Guid.NewGuid():N}"[..16];
        (await admin.PostAsJsonAsync("/api/staff", new { login, name = $"{role} Sam", password = "password-123", role }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        return login;
    }

    [Fact]
    public async Task Signed_in_staff_see_every_tap_and_a_pour_rising_live_then_the_balance_falling()
    {
        var pouring = await DashboardVenue.TapWithKegAsync(Host, 11, beer: "Pilsner", withPour: true, guestName: "Ada Lovelace", balance: 20m, pourVolumeMl: 40, remainingMl: 21_000);
        await DashboardVenue.TapWithKegAsync(Host, 12, beer: "Hazy IPA", remainingMl: 1_200, guestName: "Grace Hopper", balance: 35m);

        var signIn = await fx.NewPageAsync();
        await signIn.GotoAsync("/");
        await Expect(signIn.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await fx.ScreenshotAsync(signIn, "00-sign-in");
        await signIn.Context.CloseAsync();

        var page = await fx.SignedInPageAsync();
        var tapOne = page.GetByRole(AriaRole.Article, new() { Name = "Tap 11 Tap 11" });
        await Expect(tapOne).ToContainTextAsync("Pilsner");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Tap 12 Tap 12" })).ToContainTextAsync("Hazy IPA");
        await Expect(tapOne.GetByTestId("pour")).ToContainTextAsync("Ada Lovelace");
        await Expect(tapOne.GetByTestId("pour-volume")).ToHaveTextAsync("40 ml");

        var at = Host.Time.GetUtcNow().UtcDateTime;
        foreach (var (ml, i) in new[] { 120, 260, 385 }.Select((v, i) => (v, i)))
        {
            await Host.PublishAsync(new PourProgressNotification(pouring.PourSessionId!.Value, pouring.TapId, pouring.VisitId, ml, at.AddMilliseconds(250 * (i + 1))));
            await Expect(tapOne.GetByTestId("pour-volume")).ToHaveTextAsync($"{ml} ml", new() { Timeout = 1000 });
        }
        await fx.ScreenshotAsync(page, "01-taps");

        await page.GetByRole(AriaRole.Link, new() { Name = "Visits" }).ClickAsync();
        var row = page.GetByTestId("visit-row").Filter(new() { HasText = "Ada Lovelace" });
        await Expect(row.GetByTestId("visit-balance")).ToHaveTextAsync("20.00 EUR");

        // The pour completes: charged 385 ml at 8.00/L = 3.08, the lock released, the tap idle again.
        await Host.DbAsync(async db =>
        {
            var visit = await db.Visits.SingleAsync(v => v.Id == pouring.VisitId);
            db.Ledger.Add(visit.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = pouring.VisitId, Kind = LedgerKind.PourCharge, Amount = -3.08m, PourSessionId = pouring.PourSessionId, Actor = "test", At = at }));
            TapRoom.Server.Features.Pours.VisitLock.Release(visit);
            visit.PouredVolumeMl = 385;
            var pour = await db.PourSessions.SingleAsync(p => p.Id == pouring.PourSessionId);
            pour.SyncStatus = SyncStatus.Synced;
            pour.VolumeMl = 385;
            await db.SaveChangesAsync();
        });
        await Host.PublishAsync(new VisitChangedNotification(pouring.VisitId));
        await Host.PublishAsync(new TapChangedNotification(pouring.TapId));
        await Expect(row.GetByTestId("visit-balance")).ToHaveTextAsync("16.92 EUR", new() { Timeout = 1000 });
        await row.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" })).ToContainTextAsync("Ada Lovelace");
        await fx.ScreenshotAsync(page, "02-visits");

        await page.GetByRole(AriaRole.Link, new() { Name = "Taps" }).ClickAsync();
        await Expect(tapOne.GetByTestId("pour")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_critical_alert_raised_on_the_server_appears_on_a_second_open_browser_without_reload_and_is_acknowledged_there()
    {
        var venue = await DashboardVenue.TapWithKegAsync(Host, 21, withPour: true, guestName: "Linus", pourVolumeMl: 150);
        var controllerId = await Host.DbAsync(async db =>
        {
            var tap = await db.Taps.SingleAsync(t => t.Id == venue.TapId);
            var controller = await db.Controllers.SingleAsync(c => c.Id == tap.ControllerId);
            controller.IsOnline = true;
            controller.LastSeenAt = Host.Time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync();
            return controller.Id;
        });
        var manager = await fx.SignedInPageAsync();
        var staff = await fx.SignedInPageAsync(await CreateStaffUserAsync(StaffRole.Staff), "password-123");
        var staffUrl = staff.Url;

        Host.Time.Advance(TimeSpan.FromMinutes(5));
        var swept = await Host.SendAsync(new SweepControllerHeartbeats.Command());
        Assert.Contains(controllerId, swept.MarkedOffline);

        foreach (var page in new[] { manager, staff })
        {
            await Expect(page.GetByTestId("critical-banner")).ToContainTextAsync("pi-arranged-21", new() { Timeout = 1500 });
            await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Tap 21 Tap 21" })).ToContainTextAsync("Controller offline");
        }
        Assert.Equal(staffUrl, staff.Url);
        await fx.ScreenshotAsync(staff, "03-taps-critical-alert");

        await staff.GetByTestId("critical-banner").GetByRole(AriaRole.Button, new() { Name = "Open alerts" }).ClickAsync();
        var alert = staff.GetByTestId("alert").Filter(new() { HasText = "pi-arranged-21" });
        await Expect(alert).ToContainTextAsync("CRITICAL");
        await fx.ScreenshotAsync(staff, "04-alerts");
        await alert.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        var dialog = staff.GetByRole(AriaRole.Dialog, new() { Name = "Acknowledge alert" });
        await staff.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        await alert.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Expect(dialog.GetByLabel("Comment")).ToBeFocusedAsync();
        await dialog.GetByLabel("Comment").FillAsync("Checked the Pi, power cable was loose");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();

        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(alert).ToContainTextAsync("Acknowledged");
        await Expect(alert.GetByRole(AriaRole.Button, new() { Name = "Resolve" })).ToHaveCountAsync(0);
        await Expect(alert).ToContainTextAsync("A manager resolves critical alerts.");
        await Expect(manager.GetByTestId("critical-banner")).ToHaveCountAsync(0, new() { Timeout = 1500 });
        await manager.Context.CloseAsync();
        await staff.Context.CloseAsync();
    }

    [Fact]
    public async Task The_desk_opens_by_keyboard_and_shows_the_card_the_desk_reader_pushes_live()
    {
        var page = await fx.SignedInPageAsync();
        await page.Keyboard.PressAsync("Alt+2");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Desk", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("desk-reader")).ToContainTextAsync("Waiting for a card");

        await Host.PublishAsync(new CardReadNotification(new CardPresentedMessage("desk-1", "04A1B2C3D4", Host.Time.GetUtcNow().UtcDateTime)));
        await Expect(page.GetByTestId("reader-uid")).ToHaveTextAsync("04A1B2C3D4", new() { Timeout = 1000 });
        await Expect(page.GetByTestId("desk-reader")).ToContainTextAsync("Card on the reader");
        await fx.ScreenshotAsync(page, "06-desk");

        await Host.PublishAsync(new CardRemovedNotification(new CardRemovedMessage("desk-1", Host.Time.GetUtcNow().UtcDateTime.AddSeconds(2))));
        await Expect(page.GetByTestId("desk-reader")).ToContainTextAsync("Removed", new() { Timeout = 1000 });
        await Expect(page.GetByTestId("reader-uid")).ToHaveTextAsync("04A1B2C3D4");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_staff_user_is_not_offered_manager_actions_and_the_server_refuses_them_anyway()
    {
        var venue = await DashboardVenue.TapWithKegAsync(Host, 31, withPour: true, guestName: "Barbara Liskov", pourVolumeMl: 90);
        var page = await fx.SignedInPageAsync(await CreateStaffUserAsync(StaffRole.Staff), "password-123");

        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Audit" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Visits" }).ClickAsync();
        await page.GetByTestId("visit-row").Filter(new() { HasText = "Barbara Liskov" }).ClickAsync();
        var details = page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" });
        await Expect(details).ToContainTextAsync("Card locked on");
        await Expect(details.GetByTestId("force-unlock")).ToHaveCountAsync(0);
        await Expect(details.GetByRole(AriaRole.Button, new() { Name = "Reconcile…" })).ToHaveCountAsync(0);
        await fx.ScreenshotAsync(page, "07-visits-as-staff");

        var refused = await page.Context.APIRequest.PostAsync($"/api/visits/{venue.VisitId}/force-unlock", new() { DataObject = new { comment = "let me" } });
        Assert.Equal(403, refused.Status);
        Assert.True(await Host.DbAsync(db => db.Visits.Where(v => v.Id == venue.VisitId).Select(v => v.ActiveTapId != null).SingleAsync()));

        await page.GetByRole(AriaRole.Link, new() { Name = "Controllers" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Register a controller" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_admin_registers_a_controller_and_sees_its_key_once_and_every_other_view_renders()
    {
        await DashboardVenue.TapWithKegAsync(Host, 41, beer: "Stout");
        var page = await fx.SignedInPageAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Controllers" }).ClickAsync();
        var register = page.GetByTestId("register"); // beside it, "Adopt a controller" has the same fields
        await register.GetByLabel("Name").FillAsync("pi-bar-41");
        await register.GetByRole(AriaRole.Checkbox, new() { Name = "41 · Tap 41" }).CheckAsync();
        await register.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Expect(page.GetByTestId("api-key")).ToContainTextAsync("trk_");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "pi-bar-41" });
        await Expect(row).ToContainTextAsync("Offline");
        await Expect(row).ToContainTextAsync("Tap 41");
        await fx.ScreenshotAsync(page, "08-controllers");
        await page.GetByRole(AriaRole.Button, new() { Name = "I saved it" }).ClickAsync();
        await Expect(page.GetByTestId("api-key")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Link, new() { Name = "Sync" }).ClickAsync();
        await Expect(page.GetByTestId("pending-sync-count")).Not.ToHaveTextAsync("—");
        await fx.ScreenshotAsync(page, "09-sync");

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Filter" })).ToBeVisibleAsync();
        await Expect(page.Locator(".state.loading")).ToHaveCountAsync(0);
        await fx.ScreenshotAsync(page, "10-audit");

        // A reload of a deep link comes back to the same view.
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Audit", Exact = true })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }
}
