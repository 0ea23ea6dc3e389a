using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.ControllerAgent;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Temperature;
using TapRoom.ControllerAgent.Tests.EndToEnd;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>
/// The public board and the temperature views in real Chromium, against the real server and the real agent on
/// simulated taps and simulated sensors (a cooler in range, a tower too warm).
/// </summary>
public sealed class BoardAndTemperatureTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);
    private readonly List<string> _pageErrors = [];

    private async Task<IPage> PageAsync(ServerFixture server, int width, int height)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
        });
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => _pageErrors.Add(e);
        return page;
    }

    private static async Task<AgentHost> AgentAsync(ServerFixture server, Venue venue, SimulatedTapRig rig)
    {
        var settings = venue.AgentSettings(Path.Combine(server.DataDirectory, "agent"));
        settings.Temperature = new TemperatureSettings { IntervalSeconds = 1 };
        var agent = new AgentHost(settings, [rig.Hardware], sensors:
        [
            new SimulatedTemperatureSensor("sim-cooler", "Cooler", 3.4, seed: 1) { NoiseC = 0.05 },
            new SimulatedTemperatureSensor("sim-tower", "Tower", 9.6, seed: 2) { NoiseC = 0.05 },
        ]);
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps[0].Machine.Config is not null, Deadline, "agent connected");
        return agent;
    }

    /// <summary>No horizontal overflow: neither the page nor any tile is wider than its box.</summary>
    private static async Task AssertNoOverflowAsync(IPage page, string where)
    {
        var overflow = await page.EvaluateAsync<string>("""
            () => {
              const d = document.documentElement;
              if (d.scrollWidth > d.clientWidth + 1) return `page ${d.scrollWidth} > ${d.clientWidth}`;
              for (const el of document.querySelectorAll('[data-testid="board-tap"], [data-testid="board-tap"] *, .head, .head *')) {
                const r = el.getBoundingClientRect();
                if (r.right > d.clientWidth + 1) return `${el.className || el.tagName} ends at ${r.right} of ${d.clientWidth}`;
                if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') return `${el.className || el.tagName} scrolls`;
              }
              return '';
            }
            """);
        Assert.True(overflow == "", $"{where}: {overflow}");
    }

    /// <summary>
    /// The last 23 hours as the controller would have sent them after a night offline (every 5 minutes, through the
    /// real hub): the cooler swinging gently, the tower warm in the afternoon. Older than the agent's last readings,
    /// so they are kept for the chart without touching the zones' alarms.
    /// </summary>
    private static async Task SendYesterdayAsync(ServerFixture server, Venue venue)
    {
        await using var hub = new TapRoom.HubClient.ControllerHubClient(server.BaseAddress, venue.ApiKey);
        await hub.StartAsync();
        var now = DateTime.UtcNow;
        var readings = new List<TemperatureReading>();
        for (var minutes = 23 * 60; minutes >= 10; minutes -= 5)
        {
            var at = now.AddMinutes(-minutes);
            var phase = minutes / 60.0 * Math.PI / 6;
            readings.Add(new("sim-cooler", "Cooler", Math.Round(3.2 + 1.1 * Math.Sin(phase), 2), at));
            readings.Add(new("sim-tower", "Tower", Math.Round(minutes is > 300 and < 540 ? 8.5 + Math.Sin(phase) : 4.5 + 0.8 * Math.Sin(phase), 2), at));
        }
        foreach (var batch in readings.Chunk(TemperatureReadingsRequest.MaxBatch))
            Assert.Equal(0, (await hub.TemperatureReadings(new TemperatureReadingsRequest(batch))).Refused);
    }

    [Fact]
    public async Task The_public_board_needs_no_sign_in_updates_live_while_a_pour_runs_fits_a_tv_and_a_phone_and_says_when_it_is_stale()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server, taps: 2);
        var slug = await server.DbAsync(db => db.Locations.Select(l => l.Slug).FirstAsync());
        const string card = "04B0A4D1";
        await venue.GuestWithCardAsync(card, money: 20m, name: "Philippa Boardwatcher");
        using var rig = venue.Rig("board-1", flowRateMlPerSecond: 120);
        await using var agent = await AgentAsync(server, venue, rig);

        var page = await PageAsync(server, 1920, 1080);
        await page.GotoAsync($"/board/{slug}");
        // A mark on the loaded page: still there at the end means nothing reloaded it (the updates came live).
        await page.EvaluateAsync("() => { window.__boardLoadedOnce = true }");
        var first = page.GetByTestId("board-tap").First;
        await Expect(page.GetByTestId("board-tap")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("board-state")).ToHaveTextAsync("On tap now", new() { Timeout = 15_000 });
        await Expect(first).ToContainTextAsync("Test Lager");
        await Expect(first).ToContainTextAsync("5.0 %");
        await Expect(first).ToContainTextAsync("300 ml");
        await Expect(first.GetByTestId("board-level")).ToHaveAttributeAsync("data-percent", "100");
        await AssertNoOverflowAsync(page, "1920×1080");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "board-1920x1080.png") });

        // A pour of about 0.9 L at tap 1 (the per-pour cap is 1 L): the level drops on the open page while the beer flows (20 L keg).
        rig.Reader.Present(card);
        await Eventually.TrueAsync(() => rig.Valve.IsOpen, Deadline, "valve open");
        await Expect(first.GetByTestId("board-level")).Not.ToHaveAttributeAsync("data-percent", "100", new() { Timeout = 20_000 });
        Assert.True(rig.Valve.IsOpen, "the level moved while the beer was still flowing");
        await Eventually.TrueAsync(() => rig.PouredMl >= 900, Deadline, "0.9 L poured");
        rig.Reader.Remove();
        await Expect(first.GetByTestId("board-level")).ToHaveAttributeAsync("data-percent", new System.Text.RegularExpressions.Regex("^9[4-6]$"), new() { Timeout = 20_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__boardLoadedOnce === true"), "the page was reloaded");
        var text = await page.InnerTextAsync("body");
        Assert.DoesNotContain("Philippa", text);
        Assert.DoesNotContain(card, text);

        // The phone: one column, nothing wider than the screen.
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        await AssertNoOverflowAsync(page, "390×844");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "board-390x844.png"), FullPage = true });

        // The server goes away: the page says it may be stale, and comes back by itself.
        await server.StopServerAsync();
        await Expect(page.GetByTestId("board-state")).ToContainTextAsync("Reconnecting", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "board-stale-390x844.png") });
        await server.StartServerAsync();
        await Expect(page.GetByTestId("board-state")).ToHaveTextAsync("On tap now", new() { Timeout = 40_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__boardLoadedOnce === true"), "the page was reloaded");

        // An unknown board says so.
        var missing = await PageAsync(server, 390, 844);
        await missing.GotoAsync("/board/no-such-venue");
        await Expect(missing.GetByTestId("board-missing")).ToBeVisibleAsync();
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task The_zones_strip_and_the_temperature_view_show_each_zone_coloured_by_its_range_and_a_manager_edits_one()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server, taps: 2);
        var slug = await server.DbAsync(db => db.Locations.Select(l => l.Slug).FirstAsync());
        using var rig = venue.Rig("temp-1");
        await using var agent = await AgentAsync(server, venue, rig);
        await Eventually.TrueAsync(async () => await server.DbAsync(db => db.TemperatureReadings.CountAsync()) >= 6, Deadline, "readings arrive");
        await SendYesterdayAsync(server, venue);

        var page = await PageAsync(server, 1280, 800);
        await page.GotoAsync("/");
        await page.GetByLabel("Login").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(ServerFixture.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/v/{slug}/taps$"), new() { Timeout = 15_000 });

        var strip = page.GetByTestId("zones-strip");
        await Expect(strip.Locator("[data-zone='Cooler']")).ToHaveAttributeAsync("data-state", "ok");
        await Expect(strip.Locator("[data-zone='Tower']")).ToHaveAttributeAsync("data-state", "out");
        await Expect(strip.Locator("[data-zone='Tower']")).ToContainTextAsync("°C");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "zones-strip-1280x800.png") });
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "zones-strip-390x844.png") });

        await page.SetViewportSizeAsync(1280, 800);
        await strip.Locator("[data-zone='Tower']").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/v/{slug}/temperature$"));
        await Expect(page.GetByTestId("zone-card")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("zone-chart")).ToHaveCountAsync(2, new() { Timeout = 15_000 });

        // The admin (a manager or more) sets the tower's range: 9.6 °C is then in range.
        var tower = page.Locator("[data-testid='zone-card'][data-zone='Tower']");
        await tower.GetByTestId("zone-edit").ClickAsync();
        await tower.GetByTestId("zone-min").FillAsync("2");
        await tower.GetByTestId("zone-max").FillAsync("12");
        await tower.GetByTestId("zone-save").ClickAsync();
        await Expect(tower).ToContainTextAsync("range 2–12 °C");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "temperature-1280x800.png") });
        await tower.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "temperature-1280x800-tower.png") });
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(400);
        await tower.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "temperature-390x844.png") });
        var zone = await server.DbAsync(db => db.TemperatureZones.SingleAsync(z => z.Name == "Tower"));
        Assert.Equal((2.0, 12.0), (zone.MinC, zone.MaxC));
        Assert.Empty(_pageErrors);
    }
}
