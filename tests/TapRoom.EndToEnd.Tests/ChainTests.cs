using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.ControllerAgent;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Tests.EndToEnd;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Features.Controllers;
using TapRoom.Server.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>
/// Two venues on one TapRoom in real Chromium (issue 25): a guest pours at each through the real agent on simulated
/// taps; the admin's chain overview and chain report show both (the report's CSV downloads), and a staff member of
/// the first venue is refused the second's URL with none of its data on screen. Arranged through the REST API.
/// </summary>
public sealed class ChainTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string MitteCard = "04C4A101";
    private const string HafenCard = "04C4A102";
    private const string HafenTapName = "Hafen harbour tap";
    private const string HafenGuest = "Hanna Harbour";
    private readonly List<string> _pageErrors = [];

    private sealed record Chain(ServerFixture Server, Venue Mitte, Guid MitteId, Guid HafenId, string HafenKey, Guid HafenTapId);

    /// <summary>Venue one arranged as the other browser tests do it, then "Taproom Hafen" with a tap, a keg, a controller, a shift and a guest.</summary>
    private static async Task<Chain> ArrangeAsync(ServerFixture server)
    {
        var mitte = await Venue.ArrangeAsync(server, taps: 1);
        await mitte.GuestWithCardAsync(MitteCard, 40m, "Mia Mitte");
        var mitteId = (await mitte.GetAsync<List<LocationDto>>("/api/locations")).Single().Id;
        var beerTypeId = (await mitte.GetAsync<List<KegDto>>("/api/kegs")).First().BeerTypeId;

        var hafen = await mitte.PostAsync<LocationDto>("/api/locations", new { name = "Taproom Hafen", slug = "hafen", currency = "EUR", timeZone = "Europe/Berlin" });
        var tap = await mitte.PostAsync<TapDto>("/api/taps", new { name = HafenTapName, number = 1, locationId = hafen.Id });
        var keg = await mitte.PostAsync<KegDto>("/api/kegs", new { beerTypeId, nominalVolumeMl = Venue.KegNominalMl, locationId = hafen.Id });
        await mitte.PostAsync<JsonElement>($"/api/taps/{tap.Id}/connect-keg", new { kegId = keg.Id });
        var controller = await mitte.PostAsync<RegisterController.Result>("/api/controllers", new { name = "hafen-pi", tapIds = new[] { tap.Id }, locationId = hafen.Id });
        await mitte.PostAsync<ShiftDto>("/api/shifts", new { locationId = hafen.Id });
        var guest = await mitte.PostAsync<GuestDto>("/api/guests", new { name = HafenGuest, dateOfBirth = new DateOnly(1990, 1, 1) });
        var visit = await mitte.PostAsync<OpenAndAssignCardResult>("/api/visits/open-and-assign-card",
            new { guestId = guest.Id, cardUid = HafenCard, idempotencyKey = Guid.NewGuid().ToString("N"), locationId = hafen.Id });
        await mitte.PostAsync<MoneyMovementResult>($"/api/visits/{visit.VisitId}/top-up", new { amount = 40m, comment = "e2e" });
        return new Chain(server, mitte, mitteId, hafen.Id, controller.ApiKey, tap.Id);
    }

    /// <summary>A guest pours about <paramref name="ml"/> and takes the card away; returns once the server has the pour.</summary>
    private static async Task PourAsync(ServerFixture server, SimulatedTapRig rig, string card, int ml)
    {
        var synced = await server.DbAsync(db => db.PourSessions.CountAsync(p => p.SyncStatus == SyncStatus.Synced));
        var before = rig.PouredMl;
        rig.Reader.Present(card);
        await Eventually.TrueAsync(() => rig.Valve.IsOpen, TimeSpan.FromSeconds(10), "valve open");
        await Eventually.TrueAsync(() => rig.PouredMl - before >= ml, TimeSpan.FromSeconds(30), $"{ml} ml poured");
        rig.Reader.Remove();
        await Eventually.TrueAsync(() => server.DbAsync(db => db.PourSessions.CountAsync(p => p.SyncStatus == SyncStatus.Synced).ContinueWith(t => t.Result > synced)),
            TimeSpan.FromSeconds(20), "the pour synced");
    }

    private async Task<IPage> SignedInAsync(ServerFixture server, string login, string password, int width = 1280, int height = 800)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = width, Height = height }, Locale = "en-GB", AcceptDownloads = true,
        });
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => _pageErrors.Add(e);
        await page.GotoAsync("/");
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        return page;
    }

    /// <summary>The page at both sizes: the viewport, and the main part whole (the app scrolls inside its frame).</summary>
    private static async Task ShootAsync(IPage page, string name)
    {
        foreach (var (w, h) in new[] { (1280, 800), (390, 844) })
        {
            await page.SetViewportSizeAsync(w, h);
            await page.WaitForTimeoutAsync(300); // the charts redraw at the new width
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, $"{name}-{w}.png"), FullPage = true });
            await page.Locator("main").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, $"{name}-{w}-main.png") });
            // Nothing wider than the screen, no text cut, nothing scrolling sideways (the floor views' own check).
            Assert.Empty((await FloorNight.OverflowsAsync(page)).Select(p => $"{name} at {w} px: {p}"));
        }
        await page.SetViewportSizeAsync(1280, 800);
    }

    private static string Money(decimal amount) => amount.ToString("#,##0.00", CultureInfo.InvariantCulture) + " EUR";

    [Fact]
    public async Task The_admin_sees_both_venues_after_a_pour_at_each_in_the_chain_overview_and_report_and_downloads_its_csv_and_staff_of_one_venue_are_refused_the_other()
    {
        await using var server = await ServerFixture.StartAsync();
        var chain = await ArrangeAsync(server);
        using var mitte = chain.Mitte;

        using var mitteRig = mitte.Rig("chain-mitte-1", flowRateMlPerSecond: 200);
        using var hafenRig = mitte.Rig("chain-hafen-1", flowRateMlPerSecond: 200);
        await using var mitteAgent = new AgentHost(mitte.AgentSettings(Path.Combine(server.DataDirectory, "agent-mitte")), [mitteRig.Hardware]);
        var hafenSettings = mitte.AgentSettings(Path.Combine(server.DataDirectory, "agent-hafen"));
        hafenSettings.ApiKey = chain.HafenKey;
        await using var hafenAgent = new AgentHost(hafenSettings, [hafenRig.Hardware]);
        await mitteAgent.StartAsync();
        await hafenAgent.StartAsync();
        await Eventually.TrueAsync(() => new[] { mitteAgent, hafenAgent }.All(a => a.Taps.All(t => t.Machine is { LinkUp: true, Config: not null })),
            TimeSpan.FromSeconds(15), "both agents configured");

        // The admin's "/" is the chain overview once there are two venues; it reads the chain again every 10 s.
        var page = await SignedInAsync(server, "admin", ServerFixture.AdminPassword);
        await Expect(page).ToHaveURLAsync(new Regex("/chain$"));
        await Expect(page.GetByTestId("chain-venue")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("nav-chain")).ToHaveAttributeAsync("aria-current", "page");

        await PourAsync(server, mitteRig, MitteCard, 400);
        await PourAsync(server, hafenRig, HafenCard, 300);
        var now = await mitte.GetAsync<List<ChainVenueNowDto>>("/api/chain/overview");
        Assert.All(now, v => Assert.True(v.LitresTonight > 0 && v.RevenueTonight > 0, $"{v.Name}: no pour counted"));

        foreach (var v in now)
        {
            var card = page.GetByRole(AriaRole.Article, new() { Name = v.Name, Exact = true });
            await Expect(card.GetByTestId("chain-revenue")).ToHaveTextAsync(Money(v.RevenueTonight), new() { Timeout = 15_000 }); // the next poll
            await Expect(card.GetByTestId("chain-litres")).ToHaveTextAsync(v.LitresTonight.ToString("0.0", CultureInfo.InvariantCulture) + " L");
            await Expect(card.GetByTestId("chain-pouring")).ToHaveTextAsync($"{v.TapsPouring} of {v.Taps}");
            await Expect(card.GetByTestId("chain-venue-link")).ToHaveAttributeAsync("href", $"/v/{v.Slug}/taps");
        }
        await ShootAsync(page, "70-chain-overview");

        // The chain report: both venues, a pour each, the charts, and the CSV of the same period.
        await page.GetByTestId("nav-chain-report").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/chain/report$"));
        var rows = page.GetByTestId("chain-report-row");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Filter(new() { HasText = "Taproom Hafen" }).Locator("td").Nth(1)).ToHaveTextAsync("1");
        await Expect(rows.Nth(0).Locator("td").Nth(1)).ToHaveTextAsync("1"); // the first venue (oldest first)
        await Expect(page.GetByTestId("chart-chain-revenue").Locator("canvas")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("chart-chain-litres").Locator("canvas")).ToHaveCountAsync(1);
        await ShootAsync(page, "71-chain-report");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("chain-csv").ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.StartsWith("Venue,Currency,Pours", csv.TrimStart('\uFEFF'));
        Assert.Contains("Taproom Hafen,EUR,1,", csv);
        Assert.Equal(3, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length); // the header and a line per venue
        Assert.Empty(_pageErrors);
        await page.Context.CloseAsync();

        // A staff member of the first venue: the second's URL is "No such venue", with nothing of it on screen.
        await mitte.PostAsync<StaffUserDto>("/api/staff", new { login = "mitte-only", name = "Mitte Only", password = "password-123", role = "staff", locationIds = new[] { chain.MitteId } });
        var staff = await SignedInAsync(server, "mitte-only", "password-123");
        await Expect(staff).ToHaveURLAsync(new Regex("/v/[a-z0-9-]+/taps$"));
        await Expect(staff.GetByTestId("nav-chain")).ToHaveCountAsync(0);
        var responses = new List<string>();
        staff.Response += (_, r) => { if (r.Url.Contains("/api/")) responses.Add($"{r.Status} {r.Url}"); };
        await staff.GotoAsync("/v/hafen/taps");
        await Expect(staff.GetByTestId("no-such-venue")).ToContainTextAsync("No such venue");
        await Expect(staff.GetByTestId("venue-switcher")).ToHaveCountAsync(0);
        var text = await staff.Locator("body").InnerTextAsync();
        foreach (var secret in new[] { HafenTapName, HafenGuest, "Taproom Hafen", chain.HafenId.ToString(), chain.HafenTapId.ToString() })
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(responses, r => r.Contains(chain.HafenId.ToString(), StringComparison.OrdinalIgnoreCase) && r.StartsWith("200"));
        // And the chain's pages are not theirs.
        await staff.GotoAsync("/chain");
        await Expect(staff.GetByTestId("forbidden")).ToContainTextAsync("Chain is for admins");
        await Expect(staff.GetByTestId("chain-venue")).ToHaveCountAsync(0);
        await staff.Context.CloseAsync();
    }
}

/// <summary>
/// The admin gives staff their venues in the Staff view, and a manager sets a venue's own price in Kegs (and goes back
/// to the catalogue's), in real Chromium against a server with two venues.
/// </summary>
public sealed class ChainStaffAndPricesTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task The_admin_picks_a_new_managers_venues_and_changes_them_and_the_manager_sets_and_resets_a_venue_price()
    {
        BeerTypeDto beer;
        LocationDto hafen;
        using (var admin = await fx.Host.SignInAsync())
        {
            hafen = await HttpAssert.OkAsync<LocationDto>(await admin.PostAsJsonAsync("/api/locations",
                new { name = "Taproom Hafen", slug = "hafen", currency = "EUR", timeZone = "Europe/Berlin" }, TapRoomHost.Json));
            beer = await HttpAssert.OkAsync<BeerTypeDto>(await admin.PostAsJsonAsync("/api/beer-types", new { name = "Chain Pils", abv = 4.9m, pricePerLiter = 8m }, TapRoomHost.Json));
        }

        var page = await fx.SignedInPageAsync(width: 1280, height: 800);
        await Expect(page).ToHaveURLAsync(new Regex("/chain$"));
        await page.GotoAsync("/v/taproom/staff");
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New staff user" });
        await form.Locator("input[name=new-login]").FillAsync("nina");
        await form.Locator("input[name=new-name]").FillAsync("Nina Manager");
        await form.Locator("input[name=new-password]").FillAsync("password-123");
        await form.Locator("select[name=new-role]").SelectOptionAsync("manager");
        var add = form.GetByRole(AriaRole.Button, new() { Name = "Add user" });
        await Expect(add).ToBeDisabledAsync(); // two venues: one must be picked
        await form.GetByLabel("Taproom Hafen", new() { Exact = true }).CheckAsync();
        await add.ClickAsync();
        var nina = page.GetByTestId("staff-nina");
        await Expect(nina.GetByTestId("staff-venues")).ToHaveTextAsync("Taproom Hafen");

        await page.GetByTestId("staff-venues-nina").ClickAsync();
        await nina.GetByLabel("nina works at TapRoom", new() { Exact = true }).CheckAsync();
        await nina.GetByRole(AriaRole.Button, new() { Name = "Save venues" }).ClickAsync();
        await Expect(nina.GetByTestId("staff-venues")).ToHaveTextAsync("TapRoom, Taproom Hafen");
        await fx.ScreenshotAsync(page, "72-staff-venues-1280");
        await page.SetViewportSizeAsync(390, 844);
        await fx.ScreenshotAsync(page, "72-staff-venues-390");
        Assert.Empty(await FloorNight.OverflowsAsync(page));
        await page.Context.CloseAsync();

        var manager = await fx.SignedInPageAsync("nina", "password-123", width: 1280, height: 800);
        await manager.GotoAsync("/v/hafen/kegs");
        var row = manager.GetByTestId("beer-price-Chain Pils");
        await Expect(row.GetByTestId("venue-price-kind")).ToHaveTextAsync("Catalogue’s");
        await row.GetByLabel("Price per litre of Chain Pils at Taproom Hafen").FillAsync("9.50");
        await manager.GetByTestId("venue-price-save-Chain Pils").ClickAsync();
        await Expect(row.GetByTestId("venue-price-kind")).ToHaveTextAsync("Own price");
        await Expect(row.GetByLabel("Catalogue price per litre of Chain Pils")).ToHaveValueAsync("8");
        using (var admin = await fx.Host.SignInAsync())
        {
            var atHafen = (await HttpAssert.OkAsync<List<BeerTypeDto>>(await admin.GetAsync($"/api/beer-types?locationId={hafen.Id}"))).Single(b => b.Id == beer.Id);
            Assert.Equal((9.50m, 8m), (atHafen.PricePerLiter, atHafen.CataloguePricePerLiter!.Value));
        }
        await manager.Locator(".beers").ScreenshotAsync(new() { Path = Path.Combine(fx.ScreenshotDirectory, "73-venue-prices-1280.png") });
        await manager.SetViewportSizeAsync(390, 844);
        await row.ScrollIntoViewIfNeededAsync();
        await fx.ScreenshotAsync(manager, "73-venue-prices-390");

        await manager.GetByTestId("venue-price-reset-Chain Pils").ClickAsync();
        await Expect(row.GetByTestId("venue-price-kind")).ToHaveTextAsync("Catalogue’s");
        await Expect(row.GetByLabel("Price per litre of Chain Pils at Taproom Hafen")).ToHaveValueAsync("8");
        await manager.Context.CloseAsync();
    }
}
