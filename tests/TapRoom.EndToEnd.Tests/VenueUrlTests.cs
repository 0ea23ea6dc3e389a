using System.Net.Http.Json;
using Microsoft.Playwright;
using TapRoom.Server.Tests.Dashboard;
using TapRoom.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>
/// Real URLs (issue 25, item 5) in real Chromium: the venue in the path, a deep link to a visit (also through the
/// sign-in page), the browser's back and forward buttons, an unknown venue, and the venue switcher hidden with one venue.
/// The default venue of a fresh server is "TapRoom", slug "taproom".
/// </summary>
public sealed class VenueUrlTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    private TapRoomHost Host => fx.Host;

    [Fact]
    public async Task A_deep_link_to_a_visit_opens_it_after_signing_in_and_when_signed_in()
    {
        var arranged = await DashboardVenue.TapWithKegAsync(Host, 31, guestName: "Dora Deeplink", balance: 25m);
        var url = $"/v/taproom/visits/{arranged.VisitId}";

        var page = await fx.NewPageAsync(1280, 800);
        await page.GotoAsync(url);
        await page.GetByLabel("Login").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(TapRoomHost.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var details = page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" });
        await Expect(details).ToContainTextAsync("Dora Deeplink");
        Assert.EndsWith(url, page.Url);
        await Expect(page.GetByTestId("venue-name")).ToHaveTextAsync("TapRoom");
        await Expect(page.GetByTestId("nav-visits")).ToHaveAttributeAsync("aria-current", "page");
        await Expect(page).ToHaveTitleAsync("Visits · TapRoom · TapRoom");

        await page.ReloadAsync();
        await Expect(details).ToContainTextAsync("Dora Deeplink");
        await fx.ScreenshotAsync(page, "60-visit-deep-link-1280");
        await page.Context.CloseAsync();

        var phone = await fx.SignedInPageAsync(width: 390, height: 844);
        await phone.GotoAsync(url);
        await Expect(phone.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" })).ToContainTextAsync("Dora Deeplink");
        await Expect(phone.GetByTestId("venue-name")).ToBeVisibleAsync();
        await fx.ScreenshotAsync(phone, "60-visit-deep-link-390");
        await phone.Context.CloseAsync();
    }

    [Fact]
    public async Task Back_and_forward_move_between_views_and_visits()
    {
        var ada = await DashboardVenue.TapWithKegAsync(Host, 32, guestName: "Ada Backward", balance: 10m);
        var page = await fx.SignedInPageAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/taproom/taps$")); // "/" took the user to their venue

        await page.GetByTestId("nav-visits").ClickAsync();
        await page.GetByTestId("visit-row").Filter(new() { HasText = "Ada Backward" }).ClickAsync();
        var details = page.GetByRole(AriaRole.Complementary, new() { Name = "Visit details" });
        await Expect(details).ToContainTextAsync("Ada Backward");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/v/taproom/visits/{ada.VisitId}$"));
        await page.GetByTestId("nav-kegs").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/taproom/kegs$"));

        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/v/taproom/visits/{ada.VisitId}$"));
        await Expect(details).ToContainTextAsync("Ada Backward");
        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/taproom/visits$"));
        await Expect(details).ToHaveCountAsync(0);
        await page.GoBackAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/taproom/taps$"));
        await page.GoForwardAsync();
        await page.GoForwardAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/v/taproom/visits/{ada.VisitId}$"));
        await Expect(details).ToContainTextAsync("Ada Backward");

        // The keyboard shortcuts go through the same URLs: Alt+4 is Kegs, and Back returns.
        await page.Keyboard.PressAsync("Alt+4");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/taproom/kegs$"));
        await page.GoBackAsync();
        await Expect(details).ToContainTextAsync("Ada Backward");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_unknown_venue_says_so_and_links_the_users_venues()
    {
        var page = await fx.SignedInPageAsync(width: 1280, height: 800);
        await page.GotoAsync("/v/atlantis/kegs");
        var missing = page.GetByTestId("no-such-venue");
        await Expect(missing).ToContainTextAsync("No such venue");
        await Expect(missing).ToContainTextAsync("atlantis");
        await Expect(page).ToHaveTitleAsync("No such venue · TapRoom");
        Assert.EndsWith("/v/atlantis/kegs", page.Url);
        await fx.ScreenshotAsync(page, "61-no-such-venue-1280");
        await page.SetViewportSizeAsync(390, 844);
        await fx.ScreenshotAsync(page, "61-no-such-venue-390");

        await missing.GetByTestId("venue-link").Filter(new() { HasText = "TapRoom" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/taproom/taps$"));
        await Expect(page.GetByTestId("venue-name")).ToHaveTextAsync("TapRoom");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task With_one_venue_there_is_no_switcher_and_an_old_bookmark_opens_the_venue()
    {
        var page = await fx.SignedInPageAsync();
        await Expect(page.GetByTestId("venue-switcher")).ToHaveCountAsync(0);
        await page.GotoAsync("/alerts");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/taproom/alerts$"));
        await Expect(page.Locator("main h1").First).ToHaveTextAsync("Alerts");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Sign_out_ends_this_browser_only_and_sign_out_everywhere_ends_the_other()
    {
        using var admin = await Host.SignInAsync();
        var login = $"bar{Guid.NewGuid():N}"[..12];
        (await admin.PostAsJsonAsync("/api/staff", new { login, name = "Bar Two", password = "password-123", role = "staff" }, TapRoomHost.Json)).EnsureSuccessStatusCode();
        var first = await fx.SignedInPageAsync(login, "password-123");
        var second = await fx.SignedInPageAsync(login, "password-123");

        await first.GetByTestId("sign-out").ClickAsync();
        await Expect(first.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await second.ReloadAsync();
        await Expect(second.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync();

        var third = await fx.SignedInPageAsync(login, "password-123");
        await third.GetByTestId("sign-out-everywhere").ClickAsync();
        await Expect(third.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await second.ReloadAsync();
        await Expect(second.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        foreach (var p in new[] { first, second, third }) await p.Context.CloseAsync();
    }
}

/// <summary>Two venues (the second made through <c>POST /api/locations</c>): the switcher, with its own server.</summary>
public sealed class VenueSwitcherTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_switcher_moves_to_the_same_view_of_the_other_venue_and_back()
    {
        using (var admin = await fx.Host.SignInAsync())
        {
            var created = await admin.PostAsJsonAsync("/api/locations",
                new { name = "Taproom Hafen", slug = "hafen", currency = "EUR", timeZone = "Europe/Berlin" }, TapRoomHost.Json);
            Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        }

        foreach (var (width, height) in new[] { (1280, 800), (390, 844) })
        {
            var page = await fx.SignedInPageAsync(width: width, height: height);
            await page.GotoAsync("/v/taproom/kegs");
            await Expect(page.GetByTestId("venue-name")).ToHaveTextAsync("TapRoom");
            var switcher = page.GetByTestId("venue-switcher");
            await Expect(switcher).ToBeVisibleAsync();
            await fx.ScreenshotAsync(page, $"62-venue-switcher-{width}");

            await switcher.SelectOptionAsync(new SelectOptionValue { Label = "Taproom Hafen" });
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/hafen/kegs$"));
            await Expect(page.GetByTestId("venue-name")).ToHaveTextAsync("Taproom Hafen");
            await Expect(page).ToHaveTitleAsync("Kegs · Taproom Hafen · TapRoom");
            await Expect(switcher).ToHaveValueAsync("hafen");
            await fx.ScreenshotAsync(page, $"63-venue-hafen-{width}");

            await page.GoBackAsync();
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/v/taproom/kegs$"));
            await Expect(page.GetByTestId("venue-name")).ToHaveTextAsync("TapRoom");
            await page.Context.CloseAsync();
        }
    }
}
