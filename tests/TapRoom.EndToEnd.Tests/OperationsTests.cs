using System.Net.Http.Json;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Features;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>The desk, kegs, lost cards and POS views in real Chromium against the real server and its real routes.</summary>
public sealed class OperationsTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    private TapRoomHost Host => fx.Host;

    [Fact]
    public async Task The_desk_issues_a_card_read_by_the_desk_reader_and_a_top_up_shows_the_balance()
    {
        using (var admin = await Host.SignInAsync())
        {
            (await admin.PostAsJsonAsync("/api/guests", new { name = "Katherine Johnson", dateOfBirth = "1988-08-26", phone = "+1 555 0100" }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        }
        await FloorNight.EnsureShiftOpenAsync(Host); // the desk moves money only while a shift is open
        var page = await fx.SignedInPageAsync();
        await page.Keyboard.PressAsync("Alt+2");
        await page.GetByLabel("Search guests").FillAsync("Katherine");
        await page.GetByRole(AriaRole.Button, new() { Name = "Katherine Johnson" }).ClickAsync();

        await Host.PublishAsync(new CardReadNotification(new CardPresentedMessage("desk-1", "04C0FFEE", Host.Time.GetUtcNow().UtcDateTime)));
        await Expect(page.GetByTestId("reader-uid")).ToHaveTextAsync("04C0FFEE", new() { Timeout = 1500 });
        await page.GetByTestId("issue-card").ClickAsync();
        await Expect(page.GetByTestId("issue-result")).ToContainTextAsync("Card 04C0FFEE bound to the guest; visit opened.");

        await page.GetByLabel("Amount").FillAsync("25");
        await page.GetByRole(AriaRole.Button, new() { Name = "Top up" }).ClickAsync();
        await Expect(page.GetByTestId("desk-balance")).ToHaveTextAsync("25.00 EUR");
        await fx.ScreenshotAsync(page, "11-desk-card-issued");

        var visit = await Host.DbAsync(db => db.Visits.Include(v => v.Ledger).SingleAsync(v => v.Guest!.Name == "Katherine Johnson"));
        Assert.Equal(VisitStatus.Active, visit.Status);
        Assert.Equal(25m, visit.Ledger.Sum(l => l.Amount));

        // The same card on another guest is refused in plain words.
        using (var admin = await Host.SignInAsync())
        {
            (await admin.PostAsJsonAsync("/api/guests", new { name = "Dorothy Vaughan", dateOfBirth = "1980-09-20" }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        }
        await page.GetByLabel("Search guests").FillAsync("Dorothy");
        await page.GetByRole(AriaRole.Button, new() { Name = "Dorothy Vaughan" }).ClickAsync();
        await page.GetByTestId("issue-card").ClickAsync();
        await Expect(page.GetByTestId("issue-error")).ToContainTextAsync("in another guest’s open visit");
        await fx.ScreenshotAsync(page, "12-desk-conflict");

        // Report the first guest's card lost from the guest's page; it shows on the Lost cards view.
        await page.GetByLabel("Search guests").FillAsync("Katherine");
        await page.GetByRole(AriaRole.Button, new() { Name = "Katherine Johnson" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Report lost…" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Report card lost" });
        await dialog.GetByLabel("Comment").FillAsync("Left on the terrace");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Block the card" }).ClickAsync();
        await Expect(page.GetByText("Card 04C0FFEE is blocked as lost.")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Lost cards" }).ClickAsync();
        var row = page.GetByTestId("lost-card").Filter(new() { HasText = "04C0FFEE" });
        await Expect(row).ToContainTextAsync("Blocked");
        await fx.ScreenshotAsync(page, "13-lost-cards");
        await row.GetByRole(AriaRole.Button, new() { Name = "Clear…" }).ClickAsync();
        var clear = page.GetByRole(AriaRole.Dialog, new() { Name = "Clear the lost card" });
        await clear.GetByLabel("Comment").FillAsync("Found under a table");
        await clear.GetByRole(AriaRole.Button, new() { Name = "Clear" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.Equal(CardStatus.Inactive, await Host.DbAsync(db => db.Cards.Where(c => c.Uid == "04C0FFEE").Select(c => c.Status).SingleAsync()));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_kegs_view_connects_the_oldest_keg_preselected_and_the_tap_goes_active()
    {
        var arranged = await DashboardVenue.TapWithKegAsync(Host, 51, beer: "Kolsch", remainingMl: 0);
        var (oldest, newer) = await Host.DbAsync(async db =>
        {
            var now = Host.Time.GetUtcNow().UtcDateTime;
            var keg = await db.Kegs.SingleAsync(k => k.Id == arranged.KegId);
            var tap = await db.Taps.SingleAsync(t => t.Id == arranged.TapId);
            keg.Status = KegStatus.Empty;
            keg.TapId = null;
            keg.DisconnectedAt = now;
            tap.KegId = null;
            tap.LastBeerTypeId = keg.BeerTypeId;
            tap.Status = TapStatus.OutOfKeg;
            var older = new Keg { Id = Guid.NewGuid(), LocationId = keg.LocationId, BeerTypeId = keg.BeerTypeId, NominalVolumeMl = 20_000, RemainingVolumeMl = 20_000, Status = KegStatus.Warehouse, ReceivedAt = now.AddDays(-9), CreatedAt = now };
            var younger = new Keg { Id = Guid.NewGuid(), LocationId = keg.LocationId, BeerTypeId = keg.BeerTypeId, NominalVolumeMl = 30_000, RemainingVolumeMl = 30_000, Status = KegStatus.Warehouse, ReceivedAt = now.AddDays(-2), CreatedAt = now };
            db.Kegs.AddRange(younger, older);
            await db.SaveChangesAsync();
            return (older.Id, younger.Id);
        });

        var page = await fx.SignedInPageAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Kegs" }).ClickAsync();
        var card = page.GetByRole(AriaRole.Article, new() { Name = "Keg on Tap 51" });
        await Expect(card).ToContainTextAsync("Out of keg");
        // FIFO in the warehouse: the keg received first (20 L, 9 days before the younger 30 L one) is next.
        await Expect(page.GetByTestId("warehouse-beer").Filter(new() { HasText = "Kolsch" }).GetByRole(AriaRole.Row).First).ToContainTextAsync("20.0 L");
        await Expect(page.GetByTestId("warehouse-beer").Filter(new() { HasText = "Kolsch" }).GetByRole(AriaRole.Row).First).ToContainTextAsync("Next (FIFO)");
        await card.GetByRole(AriaRole.Button, new() { Name = "Connect keg…" }).ClickAsync();
        var choices = card.GetByRole(AriaRole.Radio);
        await Expect(choices.First).ToBeCheckedAsync();
        await Expect(choices.First).ToHaveValueAsync(oldest.ToString());
        await Expect(card.GetByRole(AriaRole.Radio).Nth(1)).Not.ToBeCheckedAsync();
        await fx.ScreenshotAsync(page, "14-kegs-connect");
        await card.GetByRole(AriaRole.Button, new() { Name = "Connect", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("kegs-message")).ToContainTextAsync("(the FIFO suggestion)");
        await Expect(card).ToContainTextAsync("Active");
        await Expect(card).ToContainTextAsync("100% · 20.0 L of 20.0 L");

        var (tapKeg, status) = await Host.DbAsync(db => db.Taps.Where(t => t.Id == arranged.TapId).Select(t => new { t.KegId, t.Status }).SingleAsync().ContinueWith(t => (t.Result.KegId, t.Result.Status)));
        Assert.Equal(oldest, tapKeg);
        Assert.Equal(TapStatus.Active, status);
        Assert.Equal(KegStatus.Warehouse, await Host.DbAsync(db => db.Kegs.Where(k => k.Id == newer).Select(k => k.Status).SingleAsync()));

        // The empty keg goes back to the supplier; managers see the beer prices.
        var empties = page.Locator(".row").Filter(new() { HasText = "Kolsch · 30.0 L" }).Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "Return" }) });
        await empties.GetByRole(AriaRole.Button, new() { Name = "Return" }).ClickAsync();
        await Expect(page.GetByTestId("kegs-message")).ToContainTextAsync("returned to the supplier");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Beer types and prices" })).ToBeVisibleAsync();
        await fx.ScreenshotAsync(page, "15-kegs");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_pos_view_lists_the_queue_by_status_and_retries_a_dead_entry()
    {
        var arranged = await DashboardVenue.TapWithKegAsync(Host, 61, guestName: "Hedy Lamarr");
        var deadId = await Host.DbAsync(async db =>
        {
            var now = Host.Time.GetUtcNow().UtcDateTime;
            var ledger = await db.Ledger.FirstAsync(l => l.VisitId == arranged.VisitId);
            var dead = new PosOutboxEntry
            {
                LocationId = db.Locations.OrderBy(l => l.CreatedAt).Select(l => l.Id).First(), IdempotencyKey = Guid.NewGuid(), Kind = PosOutboxKind.TopUp, Status = PosOutboxStatus.Dead, Attempts = 10, LastError = "HTTP 503 Service Unavailable: till busy",
                CreatedAt = now, VisitId = arranged.VisitId, LedgerEntryId = ledger.Id, PayloadJson = "{\"amount\":20.00}",
            };
            db.PosOutbox.Add(dead);
            await db.SaveChangesAsync();
            return dead.Id;
        });
        var page = await fx.SignedInPageAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "POS" }).ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Dead" }).ClickAsync();
        var row = page.GetByTestId("pos-entry").Filter(new() { HasText = "till busy" });
        await Expect(row).ToContainTextAsync("20.00");
        await fx.ScreenshotAsync(page, "16-pos");
        await row.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        await Expect(page.GetByText($"Entry {deadId} goes out again now.")).ToBeVisibleAsync();
        Assert.Equal(PosOutboxStatus.Pending, await Host.DbAsync(db => db.PosOutbox.Where(e => e.Id == deadId).Select(e => e.Status).SingleAsync()));
        await page.Context.CloseAsync();
    }
}
