using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.ControllerAgent;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Tests.EndToEnd;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>
/// The guided calibration wizard and the yield report in real Chromium, against the real server and the real agent
/// on a simulated tap whose meter is 5 % off the configured factor.
/// </summary>
public sealed class YieldAndCalibrationTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const int TrueFactor = Venue.PulsesPerLiter * 105 / 100;
    private static readonly (int Width, int Height)[] Sizes = [(1280, 800), (390, 844)];
    private readonly List<string> _pageErrors = [];

    private async Task<IPage> SignedInAsync(ServerFixture server, int width, int height)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
        });
        var page = await context.NewPageAsync();
        page.PageError += (_, e) => _pageErrors.Add(e);
        await page.GotoAsync("/");
        await page.GetByLabel("Login").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(ServerFixture.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        return page;
    }

    /// <summary>Both sizes; with <paramref name="section"/>, scrolled to it (the app scrolls inside its frame) and the section whole too.</summary>
    private static async Task ShootAsync(IPage page, string name, ILocator? section = null)
    {
        foreach (var (w, h) in Sizes)
        {
            await page.SetViewportSizeAsync(w, h);
            await page.WaitForTimeoutAsync(300); // a chart redraws at the new width
            if (section is not null) await section.ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, $"{name}-{w}x{h}.png") });
            if (section is not null)
                await section.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, $"{name}-{w}x{h}-section.png") });
        }
        await page.SetViewportSizeAsync(Sizes[0].Width, Sizes[0].Height);
    }

    [Fact]
    public async Task A_manager_calibrates_a_tap_step_by_step_and_reads_where_the_beer_went()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server);
        using var rig = new SimulatedTapRig("yield-1", 150, TrueFactor, noisePercent: 5, seed: 3);
        await using var agent = new AgentHost(venue.AgentSettings(Path.Combine(server.DataDirectory, "agent")), [rig.Hardware]);
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.Connection.IsUp && agent.Taps[0].Machine.Config is not null, TimeSpan.FromSeconds(45), "agent connected");

        var page = await SignedInAsync(server, 1280, 800);
        await page.GetByTestId("tap-calibrate").ClickAsync();
        var wizard = page.GetByTestId("calibrate-dialog");
        await Expect(wizard).ToHaveAttributeAsync("data-step", "target");
        await ShootAsync(page, "calibrate-1-target");

        for (var pour = 1; pour <= 3; pour++)
        {
            if (pour > 1) await page.GetByTestId("calibrate-again").ClickAsync();
            await page.GetByLabel("Target (ml)").FillAsync("400");
            var before = rig.Meter.PulseCount;
            await page.GetByTestId("calibrate-start").ClickAsync();
            if (pour == 1)
            {
                await Expect(wizard).ToHaveAttributeAsync("data-step", "pouring");
                await ShootAsync(page, "calibrate-2-pouring");
            }
            await Expect(wizard).ToHaveAttributeAsync("data-step", "measure", new() { Timeout = 30_000 });
            Assert.False(rig.Valve.IsOpen);
            var jug = (int)Math.Round((rig.Meter.PulseCount - before) * 1000m / TrueFactor);
            await page.GetByTestId("calibrate-measured").FillAsync(jug.ToString());
            if (pour == 1) await ShootAsync(page, "calibrate-3-measure");
            await page.GetByTestId("calibrate-save").ClickAsync();
            await Expect(wizard).ToHaveAttributeAsync("data-step", "proposal");
        }
        await ShootAsync(page, "calibrate-4-proposal");
        var factor = int.Parse(await page.GetByTestId("calibrate-factor").InnerTextAsync());
        Assert.InRange(factor, TrueFactor * 0.99, TrueFactor * 1.01);
        await page.GetByLabel("Comment").FillAsync("1 l jug, three pours");
        await page.GetByTestId("calibrate-apply").ClickAsync();
        await Expect(page.GetByTestId("calibrate-applied")).ToContainTextAsync($"{Venue.PulsesPerLiter} → {factor}");
        await ShootAsync(page, "calibrate-5-applied");
        await Eventually.TrueAsync(() => agent.Taps[0].Machine.Config?.PulsesPerLiter == factor, TimeSpan.FromSeconds(20), "the controller has the new factor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();

        // A spill recorded from the tap's card.
        await page.GetByTestId("tap-waste").ClickAsync();
        await page.GetByLabel("Volume (ml)").FillAsync("150");
        await page.GetByLabel("Comment (required)").FillAsync("Jug knocked over");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record waste" }).ClickAsync();
        await Expect(page.GetByTestId("waste-dialog")).ToBeHiddenAsync();

        // A guest pour, then the yield report: its chart, its table, its stock.
        await venue.GuestWithCardAsync("04A1E1D1", money: 3.00m);
        rig.Reader.Present("04A1E1D1");
        await Eventually.TrueAsync(() => server.DbAsync(db => db.PourSessions.AnyAsync(p => p.SyncStatus == SyncStatus.Synced)), TimeSpan.FromSeconds(45), "the pour synced");
        rig.Reader.Remove();
        var keg = await venue.GetAsync<KegYieldDto>($"/api/kegs/{venue.KegIds[0]}/yield");
        Assert.Equal((300, 150), (keg.ChargedMl, keg.SpillMl));
        Assert.True(keg.CalibrationMl >= 3 * 390, $"calibration {keg.CalibrationMl} ml");

        await page.GetByRole(AriaRole.Link, new() { Name = "Yield" }).ClickAsync();
        await Expect(page.GetByTestId("yield-chart").Locator("canvas")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        var row = page.GetByTestId("yield-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("Test Lager");
        await Expect(row).ToContainTextAsync($"{keg.YieldPercent:0.00} %");
        await Expect(page.GetByTestId("stock-row")).ToContainTextAsync("Test Lager");
        await ShootAsync(page, "yield-report", page.GetByTestId("yield-chart"));
        await ShootAsync(page, "yield-table", page.GetByTestId("yield-table"));
        var csv = await page.GetByTestId("yield-csv").GetAttributeAsync("href");
        Assert.StartsWith("/api/reports/yield.csv?", csv);
        Assert.Empty(_pageErrors);
    }
}
