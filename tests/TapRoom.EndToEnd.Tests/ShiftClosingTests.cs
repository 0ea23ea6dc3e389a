using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.Server.Domain;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>A manager opens a shift and closes it through the wizard, on a server of its own (no other test's visits block it).</summary>
public sealed class ShiftClosingTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    private TapRoomHost Host => fx.Host;

    [Fact]
    public async Task A_manager_opens_a_shift_and_runs_the_closing_wizard_to_the_final_report()
    {
        var page = await fx.SignedInPageAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Shift" }).ClickAsync();
        await Expect(page.GetByText("No shift is open.", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("paused-banner")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open a shift" }).ClickAsync();
        await Expect(page.GetByTestId("paused-banner")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("shift-member")).ToContainTextAsync("Administrator");
        await fx.ScreenshotAsync(page, "20-shift-open");

        // Something to close: a guest's active visit (a blocker), a pour waiting for its sync (a blocker) and an open critical alert.
        var arranged = await DashboardVenue.TapWithKegAsync(Host, 71, guestName: "Ada Shift", balance: 12.5m);
        var stuck = await DashboardVenue.TapWithKegAsync(Host, 72, guestName: "Bea Pending", balance: 9m, withPour: true, pourVolumeMl: 150);
        await Host.DbAsync(async db =>
        {
            var now = Host.Time.GetUtcNow().UtcDateTime;
            db.Alerts.Add(new Alert
            {
                LocationId = db.Locations.OrderBy(l => l.CreatedAt).Select(l => l.Id).First(), Id = Guid.NewGuid(), Type = "lost_card_attempt", Severity = AlertSeverity.Critical, SubjectType = "card", SubjectId = Guid.NewGuid(),
                Message = "Lost card 04DEAD presented at Tap 71", RaisedAt = now, LastRaisedAt = now,
            });
            await db.SaveChangesAsync();
        });

        await page.GetByRole(AriaRole.Button, new() { Name = "Close the shift…" }).ClickAsync();
        var wizard = page.GetByRole(AriaRole.Region, new() { Name = "Close the shift" });
        var blocker = wizard.GetByTestId("blocker").Filter(new() { HasText = "Ada Shift" });
        await Expect(blocker).ToBeVisibleAsync();
        await Expect(wizard.GetByRole(AriaRole.Button, new() { Name = "Next" })).ToBeDisabledAsync();
        await fx.ScreenshotAsync(page, "21-shift-wizard-1-blockers");

        // The pour waiting for its sync is fixed beside the wizard too: "Fix it" opens its visit, a manager reconciles the
        // pour there, and the pending-sync blocker leaves the list by itself (the visit's own blocker stays until closed).
        var pendingBlocker = wizard.GetByTestId("blocker").Filter(new() { HasText = "Pending sync" }).Filter(new() { HasText = "Bea Pending" });
        await Expect(pendingBlocker).ToBeVisibleAsync();
        await pendingBlocker.GetByRole(AriaRole.Button, new() { Name = "Fix it" }).ClickAsync();
        var pendingDetails = page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" });
        await Expect(pendingDetails).ToContainTextAsync("Bea Pending");
        await Expect(wizard).ToBeVisibleAsync();
        Assert.EndsWith("/shift", page.Url);
        await pendingDetails.GetByTestId("reconcile").ClickAsync();
        var reconcile = page.GetByRole(AriaRole.Dialog, new() { Name = "Reconcile pour" });
        await reconcile.GetByLabel("Volume poured (ml)").FillAsync("150");
        await reconcile.GetByLabel("Comment").FillAsync("Closing time: the controller never synced");
        await fx.ScreenshotAsync(page, "21a-shift-wizard-reconcile-beside");
        await reconcile.GetByRole(AriaRole.Button, new() { Name = "Reconcile and charge" }).ClickAsync();
        await Expect(pendingBlocker).ToHaveCountAsync(0, new() { Timeout = 5000 });
        Assert.Equal(SyncStatus.Reconciled, await Host.DbAsync(db => db.PourSessions.Where(p => p.Id == stuck.PourSessionId).Select(p => p.SyncStatus).SingleAsync()));
        await pendingDetails.GetByRole(AriaRole.Button, new() { Name = "Close visit…" }).ClickAsync();
        await pendingDetails.GetByRole(AriaRole.Button, new() { Name = "Yes, close" }).ClickAsync();
        await Expect(wizard.GetByTestId("blocker").Filter(new() { HasText = "Bea Pending" })).ToHaveCountAsync(0, new() { Timeout = 5000 });
        await pendingDetails.GetByRole(AriaRole.Button, new() { Name = "Close details" }).ClickAsync();

        // "Fix it" opens the visit beside the wizard, which keeps its place; closing it there (refunding the balance)
        // says how much to hand back, and the blocker list updates by itself.
        await blocker.GetByRole(AriaRole.Button, new() { Name = "Fix it" }).ClickAsync();
        var details = page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" });
        await Expect(details).ToContainTextAsync("Ada Shift");
        await Expect(wizard).ToBeVisibleAsync();
        await fx.ScreenshotAsync(page, "21b-shift-wizard-fix-beside");
        await details.GetByRole(AriaRole.Button, new() { Name = "Close visit…" }).ClickAsync();
        await Expect(details.GetByRole(AriaRole.Alertdialog, new() { Name = "Close the visit" })).ToContainTextAsync("12.50 EUR");
        await details.GetByRole(AriaRole.Button, new() { Name = "Yes, close" }).ClickAsync();
        await Expect(details.GetByTestId("closed-notice")).ToContainTextAsync("Hand back 12.50 EUR in cash. Visit closed; the card is free again.");
        await Expect(details.GetByRole(AriaRole.Button, new() { Name = "Top up" })).ToHaveCountAsync(0);
        await Expect(details.GetByRole(AriaRole.Button, new() { Name = "Refund" })).ToHaveCountAsync(0);
        Assert.Equal(VisitStatus.Closed, await Host.DbAsync(db => db.Visits.Where(v => v.Id == arranged.VisitId).Select(v => v.Status).SingleAsync()));

        await Expect(wizard.GetByText("No active visit and no pour waiting for its sync.")).ToBeVisibleAsync(new() { Timeout = 3000 });
        await details.GetByRole(AriaRole.Button, new() { Name = "Close details" }).ClickAsync();
        await wizard.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();

        var critical = wizard.GetByTestId("wizard-alert").Filter(new() { HasText = "04DEAD" });
        await Expect(wizard.GetByTestId("wizard-alerts")).ToContainTextAsync("must be acknowledged");
        await Expect(wizard.GetByRole(AriaRole.Button, new() { Name = "Next" })).ToBeDisabledAsync();
        await fx.ScreenshotAsync(page, "22-shift-wizard-2-alerts");
        await critical.GetByRole(AriaRole.Button, new() { Name = "Acknowledge…" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Acknowledge alert" });
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" })).ToBeDisabledAsync();
        await dialog.GetByLabel("Comment").FillAsync("Card taken at the bar");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();
        await Expect(critical).ToContainTextAsync("Acknowledged");
        await wizard.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();

        var items = wizard.GetByTestId("wizard-equipment").GetByRole(AriaRole.Checkbox);
        var count = await items.CountAsync();
        Assert.True(count >= 1, "The location's default checklist has items.");
        for (var i = 0; i < count; i++)
        {
            await Expect(wizard.GetByRole(AriaRole.Button, new() { Name = "Next" })).ToBeDisabledAsync();
            await items.Nth(i).CheckAsync();
        }
        await fx.ScreenshotAsync(page, "23-shift-wizard-3-equipment");
        await wizard.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();

        await Expect(wizard.GetByTestId("wizard-summary")).ToContainTextAsync("Visits opened / closed");
        await wizard.GetByLabel("Comment (optional)").FillAsync("Quiet night");
        await fx.ScreenshotAsync(page, "24-shift-wizard-4-summary");
        await wizard.GetByTestId("close-shift").ClickAsync();

        var report = page.GetByRole(AriaRole.Region, new() { Name = "Shift report" });
        await Expect(report).ToContainTextAsync("Closed · final");
        var shiftId = await Host.DbAsync(db => db.Shifts.Where(s => s.Status == ShiftStatus.Closed).Select(s => s.Id).SingleAsync());
        await Expect(report.GetByTestId("report-csv")).ToHaveAttributeAsync("href", $"/api/shifts/{shiftId}/report.csv");
        await Expect(report.GetByTestId("report-html")).ToHaveAttributeAsync("href", $"/api/shifts/{shiftId}/report.html");
        await fx.ScreenshotAsync(page, "25-shift-report");

        var csv = await page.Context.APIRequest.GetAsync($"/api/shifts/{shiftId}/report.csv");
        Assert.Equal(200, csv.Status);
        Assert.Contains("Equipment confirmed", await csv.TextAsync());
        var printable = await page.Context.APIRequest.GetAsync($"/api/shifts/{shiftId}/report.html");
        Assert.Equal(200, printable.Status);
        await page.Context.CloseAsync();
    }
}
