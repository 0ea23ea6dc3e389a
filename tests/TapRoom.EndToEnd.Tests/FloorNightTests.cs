using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using static TapRoom.EndToEnd.Tests.FloorNight;

namespace TapRoom.EndToEnd.Tests;

/// <summary>
/// Issue 16, "the floor's night", in Chromium at 1280×800 and 390×844 on one server and one browser for the class. Each
/// test arranges what it needs (its own taps, guests and the shift state) and screenshots what it shows.
/// </summary>
public sealed class FloorNightTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    private TapRoomHost Host => fx.Host;

    private async Task<string> StaffUserAsync(StaffRole role, string name)
    {
        using var admin = await Host.SignInAsync();
        var login = $"{role.ToString().ToLowerInvariant()}{Guid.NewGuid():N}"[..16];
        (await admin.PostAsJsonAsync("/api/staff", new { login, name, password = "password-123", role }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        return login;
    }

    private ILocator TapCard(IPage page, int number) => page.GetByRole(AriaRole.Article, new() { Name = $"Tap {number} Tap {number}" });

    // 1. Pouring paused must be unmissable.
    [Fact]
    public async Task With_no_shift_every_view_shows_the_paused_banner_every_tap_says_paused_and_a_manager_opens_the_shift_from_the_banner()
    {
        await EnsureNoShiftAsync(Host);
        await DashboardVenue.TapWithKegAsync(Host, 61, beer: "Helles", guestName: "Pia Paused");
        var staffLogin = await StaffUserAsync(StaffRole.Staff, "Sam Staff");

        var staff = await fx.SignedInPageAsync(staffLogin, "password-123", Phone, PhoneHeight);
        var banner = staff.GetByTestId("paused-banner");
        await Expect(banner).ToContainTextAsync("Pouring is paused: no shift is open.");
        await Expect(banner).ToContainTextAsync("Ask a manager to open the shift.");
        await Expect(banner.GetByRole(AriaRole.Button, new() { Name = "Open the shift" })).ToHaveCountAsync(0);
        await Expect(TapCard(staff, 61).GetByTestId("tap-paused")).ToHaveTextAsync("Paused: no open shift");
        await TopScreenshotAsync(fx, staff, "30-paused-taps-390");

        var manager = await fx.SignedInPageAsync(width: Wide, height: WideHeight);
        foreach (var view in new[] { "Desk", "Visits", "Kegs" })
        {
            await manager.GetByRole(AriaRole.Link, new() { Name = view }).ClickAsync();
            await Expect(manager.GetByTestId("paused-banner")).ToBeVisibleAsync();
        }
        await manager.GetByRole(AriaRole.Link, new() { Name = "Taps" }).ClickAsync();
        await Expect(TapCard(manager, 61)).ToContainTextAsync("Paused");
        await Expect(TapCard(manager, 61)).ToContainTextAsync("Cards are refused until a shift opens");
        await fx.ScreenshotAsync(manager, "30-paused-taps-1280");

        await manager.GetByTestId("banner-open-shift").ClickAsync();
        await Expect(manager.GetByTestId("paused-banner")).ToHaveCountAsync(0);
        await Expect(TapCard(manager, 61).GetByTestId("tap-paused")).ToHaveCountAsync(0);
        await Expect(TapCard(manager, 61)).ToContainTextAsync("Ready for a card");
        Assert.True(await Host.DbAsync(db => db.Shifts.AnyAsync(s => s.Status == ShiftStatus.Open)));
        // The other browser hears it too.
        await Expect(staff.GetByTestId("paused-banner")).ToHaveCountAsync(0);
        await staff.Context.CloseAsync();
        await manager.Context.CloseAsync();
    }

    // 2. Denials show where staff look; 3. raising the limit from the denial.
    [Fact]
    public async Task A_denied_card_shows_on_its_tap_card_with_reason_guest_and_what_to_do_and_the_limit_is_raised_from_there()
    {
        await EnsureShiftOpenAsync(Host);
        var limited = await DashboardVenue.TapWithKegAsync(Host, 62, beer: "Dunkel", guestName: "Kim Nowakowska-Brzęczyszczykiewicz", balance: 30m);
        var broke = await DashboardVenue.TapWithKegAsync(Host, 63, beer: "Weizen", guestName: "Lars Lowbalance", balance: 0.05m);
        await Host.DbAsync(async db =>
        {
            var v = await db.Visits.SingleAsync(x => x.Id == limited.VisitId);
            v.PouredVolumeMl = 2000;
            await db.SaveChangesAsync();
        });
        await using var controller = await ControllerAsync(Host, limited.TapId, broke.TapId);

        var page = await fx.SignedInPageAsync(width: Wide, height: WideHeight);
        await Expect(TapCard(page, 62)).ToContainTextAsync("Ready for a card");

        var denied = await controller.Authorize(new AuthorizeRequest(limited.TapId, await CardOfAsync(Host, limited.VisitId), Guid.NewGuid()));
        Assert.Equal(DenyReason.VisitLimitReached, denied.DenyReason);
        var card = TapCard(page, 62).GetByTestId("tap-denial");
        await Expect(card).ToContainTextAsync("Visit limit reached", new() { Timeout = 2000 });
        await Expect(card).ToContainTextAsync("Kim Nowakowska-Brzęczyszczykiewicz");
        await Expect(card).ToContainTextAsync("raise the limit only if the guest may drink more");

        var low = await controller.Authorize(new AuthorizeRequest(broke.TapId, await CardOfAsync(Host, broke.VisitId), Guid.NewGuid()));
        Assert.Equal(DenyReason.InsufficientBalance, low.DenyReason);
        await Expect(TapCard(page, 63).GetByTestId("tap-denial")).ToContainTextAsync("Low balance", new() { Timeout = 2000 });
        await Expect(TapCard(page, 63).GetByTestId("tap-denial")).ToContainTextAsync("top up at the desk");
        await fx.ScreenshotAsync(page, "31-denial-on-tap-1280");

        await card.GetByTestId("denial-raise-limit").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Raise the limit for Kim Nowakowska-Brzęczyszczykiewicz" });
        await dialog.GetByLabel("New limit (ml)").FillAsync("2500");
        await dialog.GetByLabel("Comment").FillAsync("Birthday, eats well, fine");
        await fx.ScreenshotAsync(page, "32-raise-limit-from-denial-1280");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Raise the limit" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(TapCard(page, 62).GetByTestId("tap-denial")).ToHaveCountAsync(0);
        Assert.Equal(2500, await Host.DbAsync(db => db.Visits.Where(v => v.Id == limited.VisitId).Select(v => v.VolumeLimitMl).SingleAsync()));
        Assert.Contains("Birthday", await Host.DbAsync(db => db.AuditEvents.Where(e => e.Action == "visit.limit_raised" && e.SubjectId == limited.VisitId).Select(e => e.DetailsJson).SingleAsync()));

        // On a phone the denial fits its card: the long name wraps, nothing is cut.
        var phone = await fx.SignedInPageAsync(width: Phone, height: PhoneHeight);
        await Expect(TapCard(phone, 63)).ToBeVisibleAsync();
        await controller.Authorize(new AuthorizeRequest(broke.TapId, await CardOfAsync(Host, broke.VisitId), Guid.NewGuid()));
        await Expect(TapCard(phone, 63).GetByTestId("tap-denial")).ToContainTextAsync("Lars Lowbalance", new() { Timeout = 2000 });
        await TapCard(phone, 63).ScrollIntoViewIfNeededAsync();
        await fx.ScreenshotAsync(phone, "31-denial-on-tap-390");
        Assert.Empty(await OverflowsAsync(phone));
        await phone.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    // 3. The volume limit from the visit, and the near-limit marker.
    [Fact]
    public async Task A_guest_near_the_limit_is_marked_and_staff_raise_the_limit_from_the_visit()
    {
        await EnsureShiftOpenAsync(Host);
        var near = await DashboardVenue.TapWithKegAsync(Host, 64, guestName: "Nora Nearlimit", balance: 15m);
        await Host.DbAsync(async db =>
        {
            var v = await db.Visits.SingleAsync(x => x.Id == near.VisitId);
            v.PouredVolumeMl = 1700;
            await db.SaveChangesAsync();
        });
        var page = await fx.SignedInPageAsync(width: Wide, height: WideHeight);
        await page.GetByRole(AriaRole.Link, new() { Name = "Visits" }).ClickAsync();
        var row = page.GetByTestId("visit-row").Filter(new() { HasText = "Nora Nearlimit" });
        await Expect(row).ToContainTextAsync("Near limit");
        await row.ClickAsync();
        var details = page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" });
        await Expect(details.GetByTestId("near-limit")).ToHaveTextAsync("Near limit");
        await details.GetByTestId("raise-limit").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Raise the limit for Nora Nearlimit" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "+1000 ml" }).ClickAsync();
        await dialog.GetByLabel("Comment").FillAsync("Staying for the band");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Raise the limit" }).ClickAsync();
        await Expect(details.GetByTestId("near-limit")).ToHaveCountAsync(0);
        await Expect(details).ToContainTextAsync("of 3000 ml");
        Assert.Equal(3000, await Host.DbAsync(db => db.Visits.Where(v => v.Id == near.VisitId).Select(v => v.VolumeLimitMl).SingleAsync()));
        await fx.ScreenshotAsync(page, "33-visit-limit-raised-1280");
        await page.Context.CloseAsync();
    }

    // 4. Closing time: close all with its summary; 6. its confirmation says what will happen.
    [Fact]
    public async Task Close_all_visits_shows_the_summary_first_then_closes_every_visit_in_one_action_and_names_the_one_pouring()
    {
        await EnsureShiftOpenAsync(Host);
        await DashboardVenue.TapWithKegAsync(Host, 65, guestName: "Olga Closeall", balance: 11m);
        await DashboardVenue.TapWithKegAsync(Host, 66, guestName: "Paul Closeall", balance: 4.5m);
        var pouring = await DashboardVenue.TapWithKegAsync(Host, 67, guestName: "Quinn Pouring", balance: 9m, withPour: true, pourVolumeMl: 120);

        var page = await fx.SignedInPageAsync(width: Phone, height: PhoneHeight);
        await page.GetByRole(AriaRole.Link, new() { Name = "Visits" }).ClickAsync();
        await page.GetByTestId("close-all").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Close all visits" });
        var summary = dialog.GetByTestId("close-all-summary");
        await Expect(summary).ToContainTextAsync("Olga Closeall");
        await Expect(summary).ToContainTextAsync("11.00 EUR");
        await Expect(summary).ToContainTextAsync("Paul Closeall");
        await Expect(dialog).ToContainTextAsync("This cannot be undone.");
        var quinn = dialog.GetByTestId("close-all-skipped").Filter(new() { HasText = "Quinn Pouring" });
        await Expect(quinn).ToContainTextAsync("Quinn Pouring stays open");
        await Expect(quinn).ToContainTextAsync("pouring on Tap 67");
        var count = await Host.DbAsync(db => db.Visits.CountAsync(v => v.Status == VisitStatus.Active && v.ActivePourSessionId == null
            && !db.PourSessions.Any(p => p.VisitId == v.Id && p.SyncStatus == SyncStatus.PendingSync)));
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = $"Close {count} visits" })).ToBeEnabledAsync();
        await fx.ScreenshotAsync(page, "34-close-all-summary-390");

        await dialog.GetByRole(AriaRole.Button, new() { Name = $"Close {count} visits" }).ClickAsync();
        await Expect(dialog.GetByTestId("close-all-result")).ToContainTextAsync("Olga Closeall");
        await Expect(dialog.GetByTestId("close-all-result")).ToContainTextAsync("hand back 11.00 EUR");
        await fx.ScreenshotAsync(page, "35-close-all-done-390");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();

        var states = await Host.DbAsync(db => db.Visits.Where(v => v.Guest!.Name.EndsWith("Closeall") || v.Id == pouring.VisitId)
            .Select(v => new { v.Guest!.Name, v.Status }).ToListAsync());
        Assert.Equal(VisitStatus.Active, states.Single(s => s.Name == "Quinn Pouring").Status);
        Assert.All(states.Where(s => s.Name.EndsWith("Closeall")), s => Assert.Equal(VisitStatus.Closed, s.Status));
        Assert.Equal(count, await Host.DbAsync(db => db.AuditEvents.CountAsync(e => e.Action == "visit.closed" && e.DetailsJson.Contains("Closing time"))));
        await Expect(page.GetByTestId("visit-row").Filter(new() { HasText = "Closeall" })).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("visit-row").Filter(new() { HasText = "Quinn Pouring" })).ToHaveCountAsync(1);
        await page.Context.CloseAsync();
    }

    // 6. Confirmation for what cannot be undone: mark keg empty, force unlock, revoke a controller.
    [Fact]
    public async Task Mark_empty_force_unlock_and_revoke_ask_first_and_say_what_will_happen()
    {
        await EnsureShiftOpenAsync(Host);
        var keg = await DashboardVenue.TapWithKegAsync(Host, 68, beer: "Bock", guestName: "Rita Confirm", remainingMl: 900);
        var stuck = await DashboardVenue.TapWithKegAsync(Host, 69, guestName: "Sven Stuck", withPour: true, pourVolumeMl: 50);
        await using var controller = await ControllerAsync(Host, keg.TapId);
        var controllerName = await Host.DbAsync(db => db.Controllers.Where(c => c.RevokedAt == null && c.Taps.Any(t => t.Id == keg.TapId)).Select(c => c.Name).SingleAsync());

        var page = await fx.SignedInPageAsync(width: Wide, height: WideHeight);
        await page.GetByRole(AriaRole.Link, new() { Name = "Kegs" }).ClickAsync();
        var tapRow = page.GetByRole(AriaRole.Article, new() { Name = "Keg on Tap 68" });
        await tapRow.GetByRole(AriaRole.Button, new() { Name = "Mark empty…" }).ClickAsync();
        var empty = page.GetByRole(AriaRole.Dialog, new() { Name = "Mark the keg empty" });
        await Expect(empty).ToContainTextAsync("Tap 68 refuses cards until a new keg is connected. This cannot be undone.");
        await fx.ScreenshotAsync(page, "36-confirm-keg-empty-1280");
        await empty.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal(KegStatus.Connected, await Host.DbAsync(db => db.Kegs.Where(k => k.Id == keg.KegId).Select(k => k.Status).SingleAsync()));
        await tapRow.GetByRole(AriaRole.Button, new() { Name = "Mark empty…" }).ClickAsync();
        await empty.GetByRole(AriaRole.Button, new() { Name = "Mark empty" }).ClickAsync();
        await Expect(page.GetByText("The keg on Tap 68 is marked empty.")).ToBeVisibleAsync();
        Assert.Equal(KegStatus.Empty, await Host.DbAsync(db => db.Kegs.Where(k => k.Id == keg.KegId).Select(k => k.Status).SingleAsync()));

        await page.GotoAsync($"/v/taproom/visits/{stuck.VisitId}");
        var details = page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" });
        await details.GetByTestId("force-unlock").ClickAsync();
        var unlock = page.GetByRole(AriaRole.Dialog, new() { Name = "Force unlock the card" });
        await Expect(unlock).ToContainTextAsync("released without waiting for the pour's sync");
        await Expect(unlock).ToContainTextAsync("cannot be undone");
        await unlock.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.NotNull(await Host.DbAsync(db => db.Visits.Where(v => v.Id == stuck.VisitId).Select(v => v.ActiveTapId).SingleAsync()));

        await page.GetByRole(AriaRole.Link, new() { Name = "Controllers" }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = controllerName });
        await row.GetByTestId("revoke").ClickAsync();
        var revoke = page.GetByRole(AriaRole.Dialog, new() { Name = "Revoke the controller" });
        await Expect(revoke).ToContainTextAsync($"{controllerName} is disconnected now and refused from now on");
        await Expect(revoke).ToContainTextAsync("Tap 68");
        await fx.ScreenshotAsync(page, "37-confirm-revoke-1280");
        await revoke.GetByRole(AriaRole.Button, new() { Name = "Revoke the key" }).ClickAsync();
        await Expect(page.GetByText($"{controllerName}'s key is revoked")).ToBeVisibleAsync();
        Assert.NotNull(await Host.DbAsync(db => db.Controllers.Where(c => c.Name == controllerName).Select(c => c.RevokedAt).SingleAsync()));
        await page.Context.CloseAsync();
    }

    // 5. History: past shifts and reports with no shift open, closed visits by guest/card/date, a guest's visits, recent pours.
    [Fact]
    public async Task Past_shifts_closed_visits_a_guests_history_and_the_recent_pours_feed_are_reachable()
    {
        await EnsureShiftOpenAsync(Host);
        var arranged = await DashboardVenue.TapWithKegAsync(Host, 70, guestName: "Tom Historian", balance: 20m, withPour: true, pourVolumeMl: 80);
        var page = await fx.SignedInPageAsync(width: Wide, height: WideHeight);
        await Expect(TapCard(page, 70).GetByTestId("pour")).ToContainTextAsync("Tom Historian");

        // The pour ends: it lands in the recent-pours feed on Taps, live.
        var at = Host.Time.GetUtcNow().UtcDateTime;
        await Host.PublishAsync(new PourProgressNotification(arranged.PourSessionId!.Value, arranged.TapId, arranged.VisitId, 330, at));
        // Progress and tap pushes travel in separate coalescing windows: let the last progress land before the pour ends.
        await Expect(TapCard(page, 70).GetByTestId("pour")).ToContainTextAsync("330");
        await Host.DbAsync(async db =>
        {
            var visit = await db.Visits.SingleAsync(v => v.Id == arranged.VisitId);
            TapRoom.Server.Features.Pours.VisitLock.Release(visit);
            visit.PouredVolumeMl = 330;
            var pour = await db.PourSessions.SingleAsync(p => p.Id == arranged.PourSessionId);
            pour.SyncStatus = SyncStatus.Synced;
            pour.VolumeMl = 330;
            db.Ledger.Add(visit.Book(new LedgerEntry { Id = Guid.NewGuid(), VisitId = visit.Id, Kind = LedgerKind.PourCharge, Amount = -2.64m, PourSessionId = pour.Id, Actor = "test", At = at }));
            await db.SaveChangesAsync();
        });
        await Host.PublishAsync(new TapChangedNotification(arranged.TapId));
        var feed = page.GetByRole(AriaRole.Complementary, new() { Name = "Recent pours" });
        await Expect(feed.GetByTestId("recent-pour").First).ToContainTextAsync("Tom Historian");
        await Expect(feed.GetByTestId("recent-pour").First).ToContainTextAsync("330 ml");
        await fx.ScreenshotAsync(page, "38-recent-pours-1280");

        // The visit closes; then the shift closes: the past shift and the closed visit stay reachable.
        using (var admin = await Host.SignInAsync())
        {
            (await admin.PostAsJsonAsync($"/api/visits/{arranged.VisitId}/close", new { }, TapRoomHost.Json)).EnsureSuccessStatusCode();
            await Host.DbAsync(async db =>
            {
                var v = await db.Visits.Include(x => x.Guest).SingleAsync(x => x.Id == arranged.VisitId);
                db.Visits.Add(new Visit { Id = Guid.NewGuid(), LocationId = v.LocationId, GuestId = v.GuestId, OpenedAt = at.AddDays(-7), ClosedAt = at.AddDays(-7).AddHours(3), Status = VisitStatus.Closed, OpenedBy = "test", VolumeLimitMl = 2000, PouredVolumeMl = 900 });
                await db.SaveChangesAsync();
            });
        }
        await EnsureNoShiftAsync(Host);
        await page.GetByRole(AriaRole.Link, new() { Name = "Shift" }).ClickAsync();
        var past = page.GetByRole(AriaRole.Region, new() { Name = "Past shifts" });
        await Expect(past.GetByTestId("past-shift").First).ToBeVisibleAsync();
        await past.GetByTestId("past-shift").First.GetByRole(AriaRole.Button, new() { Name = "Report" }).ClickAsync();
        var report = page.GetByRole(AriaRole.Region, new() { Name = "Shift report" });
        await Expect(report).ToContainTextAsync("times in Europe/Berlin");
        await Expect(report.GetByTestId("report-money")).ToContainTextAsync("Cash expected in the drawer");
        await fx.ScreenshotAsync(page, "39-past-shift-report-1280");

        await page.GetByRole(AriaRole.Link, new() { Name = "Visits" }).ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Closed" }).ClickAsync();
        await page.GetByLabel("Search closed visits").FillAsync("historian");
        var closedRow = page.GetByTestId("closed-visit-row").Filter(new() { HasText = "Tom Historian" });
        await Expect(closedRow).ToHaveCountAsync(2);
        var uid = await CardOfAsync(Host, arranged.VisitId);
        await page.GetByLabel("Search closed visits").FillAsync(uid[..6]);
        await Expect(page.GetByTestId("closed-visit-row")).ToHaveCountAsync(1);
        await page.GetByLabel("Search closed visits").FillAsync("");
        var weekAgo = TimeZoneInfo.ConvertTimeFromUtc(at.AddDays(-7), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        await page.GetByLabel("Opened on").FillAsync(weekAgo.ToString("yyyy-MM-dd"));
        await Expect(page.GetByTestId("closed-visit-row").Filter(new() { HasText = "Tom Historian" })).ToHaveCountAsync(1);
        await page.GetByTestId("closed-visit-row").Filter(new() { HasText = "Tom Historian" }).ClickAsync();
        var details = page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" });
        await Expect(details).ToContainTextAsync("A closed visit takes no money");
        await Expect(details.GetByRole(AriaRole.Button, new() { Name = "Top up" })).ToHaveCountAsync(0);
        await fx.ScreenshotAsync(page, "40-closed-visits-1280");
        await EnsureShiftOpenAsync(Host);
        await page.Context.CloseAsync();
    }

    // 7. Fresh state; 8. people not ids; 9. money at the desk.
    [Fact]
    public async Task The_desk_records_cash_or_card_with_quick_amounts_the_guest_list_is_live_and_the_audit_log_names_people()
    {
        await EnsureShiftOpenAsync(Host);
        using (var admin = await Host.SignInAsync())
            (await admin.PostAsJsonAsync("/api/guests", new { name = "Uma Desk", dateOfBirth = "1991-02-03" }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        var page = await fx.SignedInPageAsync(width: Phone, height: PhoneHeight);
        await page.GetByRole(AriaRole.Link, new() { Name = "Desk" }).ClickAsync();
        await page.GetByLabel("Search guests").FillAsync("Uma Desk");
        var guest = page.GetByRole(AriaRole.Button, new() { Name = "Uma Desk" });
        await Expect(guest).Not.ToContainTextAsync("Visit open");
        await guest.ClickAsync();
        await page.GetByLabel("…or type the card UID").FillAsync("04D5E5A0");
        await page.GetByTestId("issue-card").ClickAsync();
        await Expect(guest).ToContainTextAsync("Visit open");

        await page.GetByLabel("Card", new() { Exact = true }).CheckAsync();
        await page.GetByTestId("quick-top-up").Filter(new() { HasText = "20.00 EUR" }).ClickAsync();
        await Expect(page.GetByTestId("desk-balance")).ToHaveTextAsync("20.00 EUR");
        await page.GetByLabel("Cash", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Amount").FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refund" }).ClickAsync();
        await Expect(page.GetByTestId("desk-balance")).ToHaveTextAsync("15.00 EUR");
        await fx.ScreenshotAsync(page, "41-desk-money-390");
        var ledger = await Host.DbAsync(db => db.Ledger.Where(e => db.Visits.Any(v => v.Id == e.VisitId && v.Guest!.Name == "Uma Desk"))
            .Select(e => new { e.Kind, e.PaymentMethod }).ToListAsync());
        Assert.Contains(ledger, e => e.Kind == LedgerKind.TopUp && e.PaymentMethod == PaymentMethod.Card);
        Assert.Contains(ledger, e => e.Kind == LedgerKind.Refund && e.PaymentMethod == PaymentMethod.Cash);

        // The lost-card notice clears as soon as a new card is issued.
        await page.GetByRole(AriaRole.Button, new() { Name = "Report lost…" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Report card lost" }).GetByRole(AriaRole.Button, new() { Name = "Block the card" }).ClickAsync();
        await Expect(page.GetByText("Card 04D5E5A0 is blocked as lost.")).ToBeVisibleAsync();
        await page.GetByLabel("…or type the card UID").FillAsync("04D5E5A1");
        await page.GetByTestId("issue-card").ClickAsync();
        await Expect(page.GetByText("Card 04D5E5A0 is blocked as lost.")).ToHaveCountAsync(0);

        // The audit log names the guest and says what happened in words.
        var manager = await fx.SignedInPageAsync(width: Wide, height: WideHeight);
        await manager.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        var topUp = manager.GetByRole(AriaRole.Row).Filter(new() { HasText = "Visit topped up" }).Filter(new() { HasText = "Uma Desk" }).First;
        await Expect(topUp.GetByTestId("audit-subject")).ToHaveTextAsync("Uma Desk's visit");
        await Expect(topUp.GetByTestId("audit-details")).ToContainTextAsync("payment method: card");
        var guidLike = new Regex("[0-9a-f]{8}-[0-9a-f]{4}-");
        Assert.DoesNotMatch(guidLike, await topUp.GetByTestId("audit-details").InnerTextAsync());
        await Expect(manager.GetByTestId("time-zone")).ToHaveTextAsync("Times: Europe/Berlin");
        await fx.ScreenshotAsync(manager, "42-audit-names-1280");

        // A staff member opening a manager-only page is told why.
        var staffLogin = await StaffUserAsync(StaffRole.Staff, "Vic Staff");
        var staff = await fx.SignedInPageAsync(staffLogin, "password-123", Wide, WideHeight);
        await staff.GotoAsync("/v/taproom/audit");
        await Expect(staff.GetByTestId("forbidden")).ToContainTextAsync("Audit is for managers");
        Assert.EndsWith("/audit", staff.Url);
        await fx.ScreenshotAsync(staff, "43-forbidden-1280");
        await staff.Context.CloseAsync();
        await manager.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    // 7. Fresh state: the Sync badge and view agree, POS live with its guest and a nav badge, controllers' taps in order.
    [Fact]
    public async Task Sync_badge_and_view_agree_the_pos_view_names_the_guest_with_a_nav_badge_and_controllers_list_taps_in_order()
    {
        await EnsureShiftOpenAsync(Host);
        await DashboardVenue.TapWithKegAsync(Host, 83, guestName: "Wes Syncing", withPour: true, pourVolumeMl: 60);
        var late = await DashboardVenue.TapWithKegAsync(Host, 82, guestName: "Zoe Later");
        var early = await DashboardVenue.TapWithKegAsync(Host, 81, guestName: "Xena Pos", balance: 0m);
        await using var controller = await ControllerAsync(Host, late.TapId, early.TapId);
        var controllerName = await Host.DbAsync(db => db.Controllers.Where(c => c.RevokedAt == null && c.Taps.Any(t => t.Id == early.TapId)).Select(c => c.Name).SingleAsync());
        await Host.DbAsync(async db =>
        {
            var now = Host.Time.GetUtcNow().UtcDateTime;
            var entry = new LedgerEntry { Id = Guid.NewGuid(), VisitId = early.VisitId, Kind = LedgerKind.TopUp, Amount = 12m, Actor = "test", At = now, PaymentMethod = PaymentMethod.Card };
            db.Ledger.Add((await db.Visits.SingleAsync(v => v.Id == early.VisitId)).Book(entry));
            db.PosOutbox.Add(new PosOutboxEntry
            {
                LocationId = db.Locations.OrderBy(l => l.CreatedAt).Select(l => l.Id).First(), IdempotencyKey = Guid.NewGuid(), Kind = PosOutboxKind.TopUp, Status = PosOutboxStatus.Dead, Attempts = 9, LastError = "HTTP 503 till offline",
                NextAttemptAt = now, CreatedAt = now, VisitId = early.VisitId, LedgerEntryId = entry.Id, PayloadJson = "{\"amount\":12.00,\"paymentMethod\":\"card\"}",
            });
            await db.SaveChangesAsync();
        });

        var page = await fx.SignedInPageAsync(width: Wide, height: WideHeight);
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        var pending = await Host.DbAsync(db => db.PourSessions.CountAsync(p => p.SyncStatus == SyncStatus.PendingSync));
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Sync" })).ToContainTextAsync(pending.ToString());
        await nav.GetByRole(AriaRole.Link, new() { Name = "Sync" }).ClickAsync();
        await Expect(page.GetByTestId("pending-sync-count")).ToHaveTextAsync(pending.ToString());

        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "POS" }).Locator(".badge")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await nav.GetByRole(AriaRole.Link, new() { Name = "POS" }).ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Dead" }).ClickAsync();
        await Expect(page.GetByTestId("pos-guest").Filter(new() { HasText = "Xena Pos" })).ToBeVisibleAsync();
        await fx.ScreenshotAsync(page, "44-pos-guest-1280");

        await nav.GetByRole(AriaRole.Link, new() { Name = "Controllers" }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = controllerName });
        await Expect(row.GetByTestId("controller-taps")).ToHaveTextAsync("Tap 81, Tap 82");
        await page.Context.CloseAsync();
    }

    // Gaps 1 and 7: the recent-pours feed is filled on page load; on a phone each card field names its column.
    [Fact]
    public async Task On_page_load_the_recent_pours_feed_lists_finished_pours_and_phone_cards_name_their_fields()
    {
        await EnsureShiftOpenAsync(Host);
        var done = await DashboardVenue.TapWithKegAsync(Host, 71, guestName: "Uma Loaded", balance: 20m, withPour: true, pourVolumeMl: 0);
        var endedAt = Host.Time.GetUtcNow().UtcDateTime;
        await Host.DbAsync(async db =>
        {
            var visit = await db.Visits.SingleAsync(v => v.Id == done.VisitId);
            TapRoom.Server.Features.Pours.VisitLock.Release(visit);
            var pour = await db.PourSessions.SingleAsync(p => p.Id == done.PourSessionId);
            pour.SyncStatus = SyncStatus.Synced;
            pour.VolumeMl = 275;
            pour.EndedAt = endedAt;
            await db.SaveChangesAsync();
        });
        await DashboardVenue.TapWithKegAsync(Host, 72, guestName: "Vera Pending", balance: 20m, withPour: true, pourVolumeMl: 120);

        // A fresh page, no push since: the feed already lists the pour that ended before it opened.
        var page = await fx.SignedInPageAsync(width: Phone, height: PhoneHeight);
        var feed = page.GetByRole(AriaRole.Complementary, new() { Name = "Recent pours" });
        var loaded = feed.GetByTestId("recent-pour").Filter(new() { HasText = "Uma Loaded" });
        await Expect(loaded).ToContainTextAsync("275 ml");
        await Expect(feed.GetByTestId("recent-pour").Filter(new() { HasText = "Vera Pending" })).ToHaveCountAsync(0);
        await feed.ScrollIntoViewIfNeededAsync();
        await fx.ScreenshotAsync(page, "45-recent-pours-on-load-390");

        // The sync queue on a phone: the header row is hidden, each field says what it is.
        await page.GotoAsync("/v/taproom/sync");
        var row = page.Locator("main tbody tr").Filter(new() { HasText = "Vera Pending" });
        await Expect(row).ToBeVisibleAsync();
        await Expect(page.Locator("main thead").First).ToBeHiddenAsync();
        var guestCell = row.Locator("td").Filter(new() { HasText = "Vera Pending" });
        await Expect(guestCell).ToHaveAttributeAsync("data-label", "Guest");
        var shown = await guestCell.EvaluateAsync<string>("td => getComputedStyle(td, '::before').content");
        Assert.Contains("Guest", shown);
        await Expect(row.Locator("td[data-label='Volume']")).ToContainTextAsync("120 ml");
        await fx.ScreenshotAsync(page, "46-sync-cards-labelled-390");

        // At 1280 px the table keeps its header and no label is drawn in the cells.
        await page.SetViewportSizeAsync(Wide, WideHeight);
        await Expect(page.Locator("main thead").First).ToBeVisibleAsync();
        Assert.Equal("none", await guestCell.EvaluateAsync<string>("td => getComputedStyle(td, '::before').content"));
        await fx.ScreenshotAsync(page, "46-sync-table-1280");
        await page.Context.CloseAsync();
    }

    // Gap 6: a manager switches "desk money with no open shift" in the Shift view; staff see no switch.
    [Fact]
    public async Task A_manager_switches_desk_money_without_a_shift_in_the_shift_view_and_staff_do_not_see_the_switch()
    {
        await EnsureNoShiftAsync(Host);
        var staffLogin = await StaffUserAsync(StaffRole.Staff, "Sue Staff");
        var staff = await fx.SignedInPageAsync(staffLogin, "password-123", Phone, PhoneHeight);
        await staff.GotoAsync("/v/taproom/shift");
        await Expect(staff.GetByText("No shift is open.", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(staff.GetByRole(AriaRole.Region, new() { Name = "Venue policies" })).ToHaveCountAsync(0);
        await staff.Context.CloseAsync();

        var managerLogin = await StaffUserAsync(StaffRole.Manager, "Max Manager");
        foreach (var (width, height, name) in new[] { (Wide, WideHeight, "1280"), (Phone, PhoneHeight, "390") })
        {
            var page = await fx.SignedInPageAsync(managerLogin, "password-123", width, height);
            await page.GotoAsync("/v/taproom/shift");
            var policies = page.GetByRole(AriaRole.Region, new() { Name = "Venue policies" });
            var toggle = policies.GetByRole(AriaRole.Checkbox, new() { Name = "The desk may top up and refund with no shift open" });
            await Expect(toggle).Not.ToBeCheckedAsync();
            await toggle.CheckAsync();
            await Expect(policies).ToContainTextAsync("listed in the next shift’s report");
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!await Host.DbAsync(db => db.Locations.Select(l => l.Policies.DeskMoneyWithoutOpenShift).SingleAsync()) && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.True(await Host.DbAsync(db => db.Locations.Select(l => l.Policies.DeskMoneyWithoutOpenShift).SingleAsync()));
            await policies.ScrollIntoViewIfNeededAsync();
            await fx.ScreenshotAsync(page, $"47-venue-policies-{name}");
            await toggle.UncheckAsync();
            await Expect(policies).ToContainTextAsync("wait for an open shift");
            await page.ReloadAsync();
            await Expect(policies.GetByRole(AriaRole.Checkbox)).Not.ToBeCheckedAsync();
            await page.Context.CloseAsync();
        }
        await EnsureShiftOpenAsync(Host);
    }

    // 2 and 7. Alerts about a tap show on its card in words, live, and leave it when resolved: a pour that stopped
    // reporting (lock_timeout) says so on its tap, with what to do.
    [Fact]
    public async Task A_stalled_pour_shows_on_its_tap_card_and_leaves_it_when_the_alert_is_resolved()
    {
        await EnsureShiftOpenAsync(Host);
        var stalled = await DashboardVenue.TapWithKegAsync(Host, 76, guestName: "Otto Stalled", withPour: true, pourVolumeMl: 80);
        var page = await fx.SignedInPageAsync(width: Wide, height: WideHeight);
        var card = page.GetByRole(AriaRole.Article, new() { Name = "Tap 76" });
        await Expect(card).ToBeVisibleAsync();
        await Expect(card.GetByTestId("tap-alert")).ToHaveCountAsync(0);

        // The pour sends nothing for longer than the lock timeout; the sweep (the recurring job's command) raises the alert.
        var timeout = await Host.DbAsync(async db => (await db.Locations.AsNoTracking().FirstAsync()).Policies.LockTimeoutSeconds);
        Host.Time.Advance(TimeSpan.FromSeconds(timeout + 30));
        await Host.SendAsync(new TapRoom.Server.Features.Pours.SweepLockTimeouts.Command());
        var note = card.GetByTestId("tap-alert").Filter(new() { HasText = "Pour stalled" });
        await Expect(note).ToBeVisibleAsync(new() { Timeout = 5000 });
        await Expect(note).ToContainTextAsync("sent no progress since");
        await Expect(note).ToContainTextAsync("reconciles the pour or force-unlocks the visit");
        await Expect(note).ToHaveAttributeAsync("data-alert-type", "lock_timeout");
        await fx.ScreenshotAsync(page, "37-tap-card-lock-timeout-1280");

        var alertId = await Host.DbAsync(db => db.Alerts.Where(a => a.Type == "lock_timeout" && a.SubjectId == stalled.TapId).Select(a => a.Id).SingleAsync());
        using (var admin = await Host.SignInAsync())
            (await admin.PostAsJsonAsync($"/api/alerts/{alertId}/resolve", new { comment = "Reconciled by hand" }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        await Expect(card.GetByTestId("tap-alert")).ToHaveCountAsync(0, new() { Timeout = 5000 });
        await page.Context.CloseAsync();
    }

    // 10. Layout: no view overflows or cuts text at 1280 px or on a 390 px phone; a screenshot of each view at both sizes.
    // Every route of the app (router.ts), the visit detail, the shift report with its charts, the closing wizard, the
    // printable report and the sign-in page.
    [Theory]
    [InlineData(Wide, WideHeight)]
    [InlineData(Phone, PhoneHeight)]
    public async Task No_view_overflows_or_cuts_text(int width, int height)
    {
        await EnsureShiftOpenAsync(Host);
        var arranged = await DashboardVenue.TapWithKegAsync(Host, 90 + width % 7, guestName: "Yolanda Ximena Longname-Wolfeschlegelstein", withPour: true, pourVolumeMl: 1234, balance: 1234.5m);
        var shiftId = await Host.DbAsync(db => db.Shifts.Where(s => s.Status == ShiftStatus.Open).Select(s => s.Id).FirstAsync());
        var signIn = await fx.NewPageAsync(width, height);
        await signIn.GotoAsync("/");
        await Expect(signIn.GetByLabel("Login")).ToBeVisibleAsync();
        await fx.ScreenshotAsync(signIn, $"50-sign-in-{width}");
        var problems = (await OverflowsAsync(signIn)).Select(p => $"sign-in: {p}").ToList();
        await signIn.Context.CloseAsync();

        var page = await fx.SignedInPageAsync(width: width, height: height);
        async Task CheckAsync(string what, string name)
        {
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await fx.ScreenshotAsync(page, $"50-{name}-{width}");
            await TopScreenshotAsync(fx, page, $"51-{name}-{width}-top");
            problems.AddRange((await OverflowsAsync(page)).Select(p => $"{what}: {p}"));
        }
        foreach (var (path, name) in new[]
        {
            ("/taps", "taps"), ("/desk", "desk"), ("/visits", "visits"), ($"/visits/{arranged.VisitId}", "visit-detail"), ("/kegs", "kegs"),
            ("/alerts", "alerts"), ("/shift", "shift"), ("/sync", "sync"), ("/lost-cards", "lost-cards"), ("/pos", "pos"),
            ("/controllers", "controllers"), ("/audit", "audit"), ("/staff", "staff"),
        })
        {
            await page.GotoAsync("/v/taproom" + path);
            await Expect(page.Locator("main h1").First).ToBeVisibleAsync();
            await CheckAsync(path, name);
        }

        // The shift report with its charts (tables and charts side by side at 1280 px, stacked on a phone).
        await page.GotoAsync("/v/taproom/shift");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview report" }).ClickAsync();
        var report = page.GetByRole(AriaRole.Region, new() { Name = "Shift report" });
        await Expect(report.GetByTestId("chart-hourly")).ToBeVisibleAsync();
        await CheckAsync("shift report", "shift-report");

        // The closing wizard with the blocking visit open beside it.
        await page.GotoAsync("/v/taproom/shift");
        await page.GetByRole(AriaRole.Button, new() { Name = "Close the shift…" }).ClickAsync();
        var wizard = page.GetByRole(AriaRole.Region, new() { Name = "Close the shift" });
        var blocker = wizard.GetByTestId("blocker").Filter(new() { HasText = "Yolanda" }).First;
        await blocker.GetByRole(AriaRole.Button, new() { Name = "Fix it" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" })).ToContainTextAsync("Yolanda");
        await CheckAsync("closing wizard", "shift-wizard");

        // The printable report (server-rendered HTML with inline SVG charts).
        await page.GotoAsync($"/api/shifts/{shiftId}/report.html");
        await Expect(page.Locator("svg").First).ToBeVisibleAsync();
        await CheckAsync("printable report", "report-html");

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        await page.Context.CloseAsync();
    }
}
