using System.Globalization;
using System.Text.RegularExpressions;
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
/// The charts of the web app in real Chromium, drawn from a night played through the hub: the real agent on simulated
/// taps pours for guests (and refuses one) against the real server; nothing is arranged in the database.
/// </summary>
public sealed class ChartsTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Ada = "04C0FFEE";
    private const string Linus = "04C0FFEF";
    private const string Grace = "04C0FFF0";
    private static readonly (int Width, int Height)[] Sizes = [(1280, 800), (390, 844)];
    private readonly List<string> _pageErrors = [];

    /// <summary>A guest pours about <paramref name="ml"/> at a tap and takes the card away; returns once the server has the pour.</summary>
    private static async Task PourAsync(ServerFixture server, SimulatedTapRig rig, string card, int ml)
    {
        var before = rig.PouredMl;
        var synced = await server.DbAsync(db => db.PourSessions.CountAsync(p => p.SyncStatus == SyncStatus.Synced));
        rig.Reader.Present(card);
        await Eventually.TrueAsync(() => rig.Valve.IsOpen, TimeSpan.FromSeconds(10), "valve open");
        await Eventually.TrueAsync(() => rig.PouredMl - before >= ml, TimeSpan.FromSeconds(30), $"{ml} ml poured");
        rig.Reader.Remove();
        await Eventually.TrueAsync(() => server.DbAsync(db => db.PourSessions.CountAsync(p => p.SyncStatus == SyncStatus.Synced).ContinueWith(t => t.Result > synced)),
            TimeSpan.FromSeconds(20), "the pour synced");
    }

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

    /// <summary>The charts' section at both sizes: the view scrolled to it, and the section whole (the app scrolls inside its frame).</summary>
    private static async Task ShootAsync(IPage page, string name, ILocator section)
    {
        foreach (var (w, h) in Sizes.Reverse())
        {
            await page.SetViewportSizeAsync(w, h);
            await page.WaitForTimeoutAsync(300); // the charts redraw at the new width
            await section.ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, $"charts-{name}-{w}x{h}.png") });
            await section.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, $"charts-{name}-{w}x{h}-section.png") });
        }
    }

    /// <summary>Every keg figure set the page loads (the forecast moves with the clock: the page's text is checked against what it was sent).</summary>
    private sealed class KegFigures
    {
        private readonly List<KegStatsDto> _seen = [];

        public KegFigures(IPage page) => page.Response += (_, response) =>
        {
            // The web app asks with ?locationId= of its venue.
            if (new Uri(response.Url).AbsolutePath != "/api/stats/kegs" || response.Status != 200) return;
            _ = Task.Run(async () =>
            {
                var figures = System.Text.Json.JsonSerializer.Deserialize<KegStatsDto>(await response.TextAsync(), Venue.Json)!;
                lock (_seen) _seen.Add(figures);
            });
        };

        public KegStatsDto? Latest(Func<KegStatsDto, bool> accept)
        {
            lock (_seen) return _seen.LastOrDefault(accept);
        }

        public async Task<KegStatsDto> WaitAsync(Func<KegStatsDto, bool> accept)
        {
            await Eventually.TrueAsync(() => Latest(accept) is not null, TimeSpan.FromSeconds(15), "the page loaded the keg figures");
            return Latest(accept)!;
        }

        /// <summary>The keg's forecast on the page reads as the newest figures the page was sent say it should.</summary>
        public Task ShownAsync(ILocator forecast, Guid kegId) => Eventually.TrueAsync(async () =>
        {
            var latest = Latest(_ => true);
            return latest is not null && await forecast.TextContentAsync() == ExpectedForecast(latest.Connected.Single(k => k.KegId == kegId), latest.TimeZone);
        }, TimeSpan.FromSeconds(10), "the forecast the page was sent");
    }

    private static string ExpectedForecast(KegLevelDto keg, string timeZone)
    {
        var f = keg.Forecast;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        var litres = (f.AveragePourMl / 1000m).ToString(f.AveragePourMl >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
        return $"about {f.PoursLeft} × {litres} L left, empty around {TimeZoneInfo.ConvertTimeFromUtc(f.EmptyAt!.Value, zone):HH:mm}";
    }

    [Fact]
    public async Task A_night_played_through_the_hub_is_drawn_in_the_shift_keg_and_tap_charts_and_the_printable_report_holds_them_as_svg()
    {
        await using var server = await ServerFixture.StartAsync();
        using var venue = await Venue.ArrangeAsync(server, taps: 2);
        // A second beer and older kegs in the warehouse, received a few days and weeks ago.
        var stout = await venue.PostAsync<BeerTypeDto>("/api/beer-types", new { name = "Dry Stout", style = "Stout", abv = 4.2m, pricePerLiter = 12m });
        var lagerId = (await venue.GetAsync<List<KegDto>>("/api/kegs")).Single(k => k.Id == venue.KegIds[0]).BeerTypeId;
        foreach (var (beer, days) in new[] { (stout.Id, 2), (stout.Id, 20), (lagerId, 40), (lagerId, 9) })
            await venue.PostAsync<KegDto>("/api/kegs", new { beerTypeId = beer, nominalVolumeMl = 20_000, receivedAt = DateTime.UtcNow.AddDays(-days) });
        await venue.GuestWithCardAsync(Ada, 50m, "Ada Lovelace");
        await venue.GuestWithCardAsync(Linus, 30m, "Linus Torvalds");
        await venue.GuestWithCardAsync(Grace, 0.30m, "Grace Hopper");

        using var tap1 = venue.Rig("chart-tap-1", flowRateMlPerSecond: 200);
        using var tap2 = venue.Rig("chart-tap-2", flowRateMlPerSecond: 200);
        await using var agent = new AgentHost(venue.AgentSettings(Path.Combine(server.DataDirectory, "agent")), [tap1.Hardware, tap2.Hardware]);
        await agent.StartAsync();
        await Eventually.TrueAsync(() => agent.Taps.All(t => t.Machine is { LinkUp: true, Config: not null }), TimeSpan.FromSeconds(15), "agent configured");

        // The night: pours on both taps, and a card refused for its balance.
        await PourAsync(server, tap1, Ada, 400);
        await PourAsync(server, tap2, Linus, 500);
        await PourAsync(server, tap1, Linus, 300);
        tap1.Reader.Present(Grace);
        await Eventually.TrueAsync(() => agent.Taps[0].LastDenial is not null, TimeSpan.FromSeconds(10), "Grace refused");
        tap1.Reader.Remove();

        // Kegs: the level over the night and the forecast at tonight's rate, then one more pour moves both. The forecast
        // depends on the clock, so the page's text is checked against the figures the page itself was sent.
        var page = await SignedInAsync(server, 1280, 800);
        var figures = new KegFigures(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Kegs" }).ClickAsync();
        var stats = await figures.WaitAsync(_ => true);
        var charts = page.GetByTestId("keg-charts");
        var keg1 = stats.Connected.Single(k => k.TapId == venue.TapIds[0]);
        Assert.Equal(2, keg1.Forecast.Pours);
        Assert.Equal(keg1.RemainingVolumeMl / keg1.Forecast.AveragePourMl, keg1.Forecast.PoursLeft);
        var forecast = charts.Locator($"[data-keg-id='{keg1.KegId}']").GetByTestId("forecast-text");
        await figures.ShownAsync(forecast, keg1.KegId);
        var levels = charts.GetByTestId("chart-keg-levels");
        await Expect(levels.Locator("canvas")).ToHaveCountAsync(1);
        await Expect(levels.Locator("table.sr-only tbody tr")).ToHaveCountAsync(stats.Connected.SelectMany(k => k.Levels.Select(l => l.At)).Distinct().Count());
        var warehouse = charts.GetByTestId("chart-warehouse");
        await Expect(warehouse.Locator("table.sr-only tbody tr").Filter(new() { HasText = "Dry Stout" })).ToContainTextAsync("1 keg");
        await ShootAsync(page, "kegs", charts);

        await PourAsync(server, tap1, Ada, 600);
        var after = await figures.WaitAsync(s => s.Connected.Single(k => k.KegId == keg1.KegId).RemainingVolumeMl < keg1.RemainingVolumeMl);
        var keg1After = after.Connected.Single(k => k.KegId == keg1.KegId);
        Assert.Equal(3, keg1After.Forecast.Pours);
        Assert.Equal(keg1.Levels.Count + 1, keg1After.Levels.Count);
        Assert.Equal(keg1After.RemainingVolumeMl, keg1After.Levels[^1].RemainingMl);
        Assert.Equal(keg1After.RemainingVolumeMl, keg1After.Levels[^2].RemainingMl); // the last pour is the last step down
        Assert.Equal(keg1.RemainingVolumeMl - keg1After.RemainingVolumeMl,
            await server.DbAsync(db => db.PourSessions.Where(p => p.KegId == keg1.KegId).OrderByDescending(p => p.EndedAt).Select(p => p.VolumeMl!.Value).FirstAsync()));
        await figures.ShownAsync(forecast, keg1.KegId);
        Assert.NotEqual(ExpectedForecast(keg1, stats.TimeZone), await forecast.TextContentAsync());
        await Expect(charts.Locator($"[data-keg-id='{keg1.KegId}']")).ToContainTextAsync($"{(keg1After.RemainingVolumeMl / 1000m).ToString("0.0", CultureInfo.InvariantCulture)} L of 20.0 L");

        // Taps: tonight's totals per tap as the server counts them, with the last hour's sparkline.
        await page.GetByRole(AriaRole.Link, new() { Name = "Taps" }).ClickAsync();
        var totals = page.GetByTestId("tap-totals");
        var poured = await server.DbAsync(db => db.PourSessions.AsNoTracking().Where(p => p.SyncStatus == SyncStatus.Synced && p.VolumeMl > 0)
            .GroupBy(p => p.TapId).Select(g => new { TapId = g.Key, Pours = g.Count(), Ml = g.Sum(p => p.VolumeMl!.Value), Charged = g.Sum(p => p.ChargedAmount) }).ToListAsync());
        foreach (var t in poured)
        {
            var row = totals.Locator($"[data-tap-id='{t.TapId}']");
            await Expect(row.GetByTestId("tap-total-pours")).ToHaveTextAsync(t.Pours.ToString(CultureInfo.InvariantCulture), new() { Timeout = 10_000 });
            await Expect(row.GetByTestId("tap-total-litres")).ToHaveTextAsync($"{(t.Ml / 1000m).ToString("0.0", CultureInfo.InvariantCulture)} L");
            await Expect(row.GetByTestId("tap-total-revenue")).ToHaveTextAsync(new Regex("^" + Regex.Escape(t.Charged.ToString("0.00", CultureInfo.InvariantCulture)) + "( EUR)?$"));
            await Expect(row.Locator("canvas")).ToHaveCountAsync(1);
        }
        await ShootAsync(page, "taps", totals);

        // The shift report: volume and revenue per hour, per tap and per beer, money, denials by reason; numbers on hover.
        await page.GetByRole(AriaRole.Link, new() { Name = "Shift" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview report" }).ClickAsync();
        var shiftCharts = page.GetByTestId("shift-charts");
        await Expect(shiftCharts.GetByTestId("chart-hourly").Locator("canvas")).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        var total = poured.Sum(p => p.Ml);
        var hourRows = shiftCharts.GetByTestId("chart-hourly").Locator("table.sr-only tbody tr");
        Assert.InRange(await SumLitresAsync(hourRows), total - 100, total + 100); // each hour is shown to 0.1 L
        await Expect(shiftCharts.GetByTestId("chart-per-tap").Locator("table.sr-only tbody tr")).ToHaveCountAsync(2);
        await Expect(shiftCharts.GetByTestId("chart-per-beer").Locator("table.sr-only tbody tr")).ToHaveCountAsync(1);
        await Expect(shiftCharts.GetByTestId("chart-money").Locator("table.sr-only tbody tr").Filter(new() { HasText = "Top-ups" })).ToContainTextAsync("80.30");
        await Expect(shiftCharts.GetByTestId("chart-denials").Locator("table.sr-only tbody tr")).ToHaveTextAsync(new Regex("Insufficient balance\\s*1"));
        var perTap = shiftCharts.GetByTestId("chart-per-tap");
        await perTap.Locator(".u-over").HoverAsync(new() { Position = new Position { X = 60, Y = 100 } });
        await Expect(perTap.Locator(".u-legend .u-series").Nth(1).Locator(".u-value")).ToHaveTextAsync(new Regex(@"^\d+\.\d L$"));
        await ShootAsync(page, "shift-report", shiftCharts);

        // The printable page holds the same charts as inline SVG, so they print without script.
        var reportUrl = await page.GetByTestId("report-html").GetAttributeAsync("href");
        var printable = await page.Context.NewPageAsync();
        printable.PageError += (_, e) => _pageErrors.Add(e);
        await printable.GotoAsync(reportUrl!);
        foreach (var id in new[] { "volume-per-hour", "revenue-per-hour", "volume-per-tap", "volume-per-beer", "money", "denials" })
        {
            var figure = printable.Locator($"figure[data-chart='{id}']");
            await Expect(figure.Locator("svg rect").First).ToBeAttachedAsync();
        }
        await Expect(printable.Locator("figure[data-chart='denials'] svg rect title")).ToHaveTextAsync("insufficient balance: 1");
        await printable.EmulateMediaAsync(new() { Media = Media.Print });
        await printable.SetViewportSizeAsync(1280, 800);
        await printable.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "charts-printable-report-1280x800.png"), FullPage = true });
        await printable.SetViewportSizeAsync(390, 844);
        await printable.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, "charts-printable-report-390x844.png"), FullPage = true });
        var pdf = await printable.PdfAsync();
        Assert.True(pdf.Length > 1000);

        await page.Context.CloseAsync();
        Assert.Empty(_pageErrors);
    }

    private static async Task<int> SumLitresAsync(ILocator rows)
    {
        var sum = 0m;
        foreach (var row in await rows.AllAsync())
        {
            var cell = await row.Locator("td").First.TextContentAsync();
            sum += decimal.Parse(cell!.Replace(" L", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        }
        return (int)(sum * 1000);
    }
}
