using System.Net.Http.Json;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>The built app under the server's Content-Security-Policy, and the staff admin's deactivate control.</summary>
public sealed class SecurityTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    private const string RecordViolations =
        "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));";

    [Fact]
    public async Task The_app_loads_signs_in_goes_live_and_opens_every_view_under_the_csp_without_a_violation()
    {
        var page = await fx.NewPageAsync(1280, 800);
        var console = new List<string>();
        page.Console += (_, m) => console.Add($"{m.Type}: {m.Text}");
        await page.AddInitScriptAsync(RecordViolations);

        var response = await page.GotoAsync("/");
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.NotNull(csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-inline", csp);

        await page.GetByLabel("Login").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(TapRoomHost.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Expect(nav).ToBeVisibleAsync();
        // An admin of several venues lands on the chain's overview: open a venue from there (without reloading the page).
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("(/v/[a-z0-9-]+/taps|/chain)$"));
        if (page.Url.EndsWith("/chain", StringComparison.Ordinal))
        {
            await page.Locator("main a[href^='/v/']").First.ClickAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/[a-z0-9-]+/taps$"));
        }
        // The live connection (a WebSocket to /hubs/dashboard) is up: no connection banner.
        await Expect(page.GetByTestId("connection-banner")).ToHaveCountAsync(0);

        var hrefs = new List<string>();
        foreach (var link in await nav.GetByRole(AriaRole.Link).AllAsync()) hrefs.Add(await link.GetAttributeAsync("href") ?? "");
        Assert.True(hrefs.Count >= 12, $"only {hrefs.Count} views");
        // The chain's pages (an admin of several venues) have a navigation of their own: they come last.
        foreach (var href in hrefs.OrderBy(h => h.StartsWith("/chain", StringComparison.Ordinal)))
        {
            await nav.Locator($"a[href=\"{href}\"]").First.ClickAsync();
            await Expect(page.Locator("main h1").First).ToBeVisibleAsync();
        }
        await Expect(page.GetByTestId("connection-banner")).ToHaveCountAsync(0);

        var violations = await page.EvaluateAsync<string[]>("window.__csp");
        Assert.Empty(violations);
        Assert.DoesNotContain(console, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || m.Contains("Refused to", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_admin_deactivates_a_staff_user_in_the_staff_view_and_that_users_open_session_ends()
    {
        using (var adminApi = await fx.Host.SignInAsync())
        {
            (await adminApi.PostAsJsonAsync("/api/staff", new { login = "barb", name = "Barb Tender", password = "password-123", role = StaffRole.Staff }, TapRoomHost.Json))
                .EnsureSuccessStatusCode();
        }
        var barb = await fx.SignedInPageAsync("barb", "password-123");
        await Expect(barb.GetByRole(AriaRole.Link, new() { Name = "Staff" })).ToHaveCountAsync(0);

        var admin = await fx.SignedInPageAsync(width: 1280, height: 800);
        await admin.AddInitScriptAsync(RecordViolations);
        await admin.GetByRole(AriaRole.Link, new() { Name = "Staff" }).ClickAsync();
        var row = admin.GetByTestId("staff-barb");
        await Expect(row).ToContainTextAsync("Active");
        await Expect(admin.GetByTestId("staff-admin").GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        await fx.ScreenshotAsync(admin, "30-staff");

        await row.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
        await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Really deactivate barb?" })).ToBeVisibleAsync();
        await fx.ScreenshotAsync(admin, "31-staff-confirm");
        await row.GetByRole(AriaRole.Button, new() { Name = "Really deactivate barb?" }).ClickAsync();
        await Expect(row).ToContainTextAsync("Deactivated");
        await Expect(row.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);

        // Barb's browser: the next request is refused and the sign-in page comes back.
        await barb.GetByRole(AriaRole.Link, new() { Name = "Visits" }).ClickAsync();
        await Expect(barb.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync(new() { Timeout = 15_000 });

        await admin.SetViewportSizeAsync(390, 844);
        await admin.ReloadAsync();
        await Expect(admin.GetByTestId("staff-barb")).ToContainTextAsync("Deactivated");
        Assert.Empty(await admin.EvaluateAsync<string[]>("window.__csp"));
        await fx.ScreenshotAsync(admin, "32-staff-phone");
        await barb.Context.CloseAsync();
        await admin.Context.CloseAsync();
    }
}
