using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using TapRoom.Contracts;
using TapRoom.ControllerAgent;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Tests.EndToEnd;
using TapRoom.ControllerAgent.Tests.Infrastructure;
using TapRoom.Server.Domain;
using static Microsoft.Playwright.Assertions;

namespace TapRoom.EndToEnd.Tests;

/// <summary>Headless Chromium for the tap screen tests (each test brings its own server and agent).</summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(BrowserFixture.RepositoryScreenshotDirectory);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await BrowserFixture.LaunchChromiumAsync(Playwright);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
    }
}

/// <summary>
/// The guest screen at a tap, in real Chromium, served by the real agent (simulated valve, meter and reader) that talks
/// to the real server over its SignalR hub. The venue is arranged through the server's REST API.
/// </summary>
public sealed class TapScreenTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Ada = "04AD0001";
    private const string Grace = "04AD0002";
    private static readonly (int Width, int Height)[] Sizes = [(800, 480), (1024, 600)];
    /// <summary>Script errors and CSP refusals on the screen pages: none allowed.</summary>
    private readonly List<string> _pageErrors = [];

    private sealed class Bar : IAsyncDisposable
    {
        public required ServerFixture Server { get; init; }
        public required Venue Venue { get; init; }
        public required SimulatedTapRig Rig { get; init; }
        public required AgentHost Agent { get; init; }

        public Uri ScreenAddress => Agent.ScreenServer!.Addresses[0];

        public async ValueTask DisposeAsync()
        {
            await Agent.DisposeAsync();
            Rig.Dispose();
            Venue.Dispose();
            await Server.DisposeAsync();
        }
    }

    private static async Task<Bar> OpenBarAsync()
    {
        var server = await ServerFixture.StartAsync();
        var venue = await Venue.ArrangeAsync(server);
        await venue.GuestWithCardAsync(Ada, 20m, "Ada Lovelace");
        await venue.GuestWithCardAsync(Grace, 0.30m, "Grace Hopper");
        var rig = venue.Rig("screen-tap", flowRateMlPerSecond: 50);
        var settings = venue.AgentSettings(Path.Combine(server.DataDirectory, "agent"));
        settings.Screen.FinishedDisplayMs = 4000;
        settings.Screen.DeniedDisplayMs = 4000;
        var agent = new AgentHost(settings, [rig.Hardware]);
        await agent.StartAsync();
        Assert.NotNull(agent.ScreenServer);
        await Eventually.TrueAsync(() => agent.Taps[0].Machine is { LinkUp: true, Config: not null }, TimeSpan.FromSeconds(15), "agent configured");
        return new Bar { Server = server, Venue = venue, Rig = rig, Agent = agent };
    }

    private async Task<IPage> ScreenAsync(Bar bar)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = bar.ScreenAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 800, Height = 480 },
            Locale = "en-US",
        });
        var page = await context.NewPageAsync();
        page.Console += (_, m) =>
        {
            if (m.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase)) _pageErrors.Add(m.Text);
        };
        page.PageError += (_, e) => _pageErrors.Add(e);
        await page.GotoAsync("/taps/1");
        return page;
    }

    private static ILocator Root(IPage page) => page.Locator("#screen");

    /// <summary>Every state is shot at both kiosk sizes; the page is left at 800×480.</summary>
    private static async Task ShootAsync(IPage page, string state)
    {
        foreach (var (w, h) in Sizes.Reverse())
        {
            await page.SetViewportSizeAsync(w, h);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.RepositoryScreenshotDirectory, $"tapscreen-{state}-{w}x{h}.png") });
        }
    }

    private static async Task<int> UpdatesAsync(IPage page) => int.Parse((await Root(page).GetAttributeAsync("data-updates"))!, CultureInfo.InvariantCulture);

    private static async Task<int> VolumeAsync(IPage page) =>
        int.Parse((await page.GetByTestId("volume").TextContentAsync())!.Replace(" ml", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static async Task PresentAsync(Bar bar, string card)
    {
        bar.Rig.Reader.Present(card);
        await Eventually.TrueAsync(() => bar.Rig.Valve.IsOpen, TimeSpan.FromSeconds(10), "valve open");
    }

    [Fact]
    public async Task A_guest_sees_the_beer_then_their_allowance_the_pour_live_and_the_total_and_the_next_guest_sees_nothing_of_them()
    {
        await using var bar = await OpenBarAsync();
        var page = await ScreenAsync(bar);

        // Idle: the beer from the tap settings the server sent at Hello, its price per 100 ml, and the call to action.
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "idle", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("beer-name")).ToHaveTextAsync("Test Lager");
        await Expect(page.GetByTestId("beer-facts")).ToHaveTextAsync("Lager · 5.0 % ABV");
        await Expect(page.GetByTestId("price")).ToHaveTextAsync("€1.00 per 100 ml");
        await Expect(page.GetByTestId("cta")).ToHaveTextAsync("Present your card");
        await Expect(page.GetByTestId("link")).ToHaveTextAsync("online");
        await ShootAsync(page, "1-idle");

        // Allowed: the valve is open and nothing flows yet.
        bar.Rig.FlowRateMlPerSecond = 0;
        await PresentAsync(bar, Ada);
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "allowed");
        await Expect(page.GetByTestId("guest-name")).ToHaveTextAsync("Hi, Ada!");
        await Expect(page.GetByTestId("balance")).ToHaveTextAsync("€20.00");
        await Expect(page.GetByTestId("max-volume")).ToHaveTextAsync("1 L");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("Lovelace");
        await ShootAsync(page, "2-allowed");

        // Pouring: the volume rises, with at least 4 pushes a second counted over a window of the running pour.
        bar.Rig.FlowRateMlPerSecond = 50;
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "pouring");
        var volumes = new List<int> { await VolumeAsync(page) };
        var before = await UpdatesAsync(page);
        var window = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1)); // the counting window, not a timing assertion
            volumes.Add(await VolumeAsync(page));
        }
        var updates = await UpdatesAsync(page) - before;
        var seconds = window.Elapsed.TotalSeconds;
        Assert.True(updates / seconds >= 4, $"{updates} screen updates in {seconds:0.0} s");
        Assert.True(volumes.Zip(volumes.Skip(1)).All(p => p.Second > p.First), "volume rising: " + string.Join(", ", volumes));
        var cost = await page.GetByTestId("cost").TextContentAsync();
        Assert.Matches(@"^€\d+\.\d\d$", cost);
        // The running cost is the tap's estimate at the price the bar sent, and says so; the bar's charge comes at the end.
        await Expect(page.Locator(".figure:has([data-testid=cost]) .label")).ToHaveTextAsync("Cost (estimate)");
        await Expect(page.GetByTestId("estimate-note")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("balance-left")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^€1\d\.\d\d$"));
        await ShootAsync(page, "3-pouring");

        // The end: the total and the new balance, confirmed by the server's charge once the pour synced.
        bar.Rig.Reader.Remove();
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "finished");
        await Expect(page.GetByTestId("guest-name")).ToHaveTextAsync("Cheers, Ada!");
        await Expect(page.GetByTestId("confirmation")).ToHaveTextAsync("Charged. Enjoy!", new() { Timeout = 10_000 });
        var (sessions, charges) = await bar.Server.DbAsync(async db =>
        (
            await db.PourSessions.AsNoTracking().Where(p => p.VolumeMl > 0).ToListAsync(),
            await db.Ledger.AsNoTracking().Where(l => l.Kind == LedgerKind.PourCharge).ToListAsync()
        ));
        var pour = Assert.Single(sessions);
        var charge = Assert.Single(charges);
        await Expect(page.GetByTestId("total-volume")).ToHaveTextAsync($"{pour.VolumeMl} ml");
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("€" + (-charge.Amount).ToString("0.00", CultureInfo.InvariantCulture));
        await Expect(page.Locator(".figure:has([data-testid=total]) .label")).ToHaveTextAsync("Total charged");
        await Expect(page.GetByTestId("new-balance")).ToHaveTextAsync("€" + (20m + charge.Amount).ToString("0.00", CultureInfo.InvariantCulture));
        await ShootAsync(page, "4-finished");

        // The next guest is denied: the server's own words, and nothing of the guest before.
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "idle", new() { Timeout = 10_000 });
        await Expect(page.Locator("body")).Not.ToContainTextAsync("Ada");
        bar.Rig.Reader.Present(Grace);
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "denied");
        await Expect(page.GetByTestId("message")).ToHaveTextAsync("Balance 0.30 is too low; please top up.");
        var body = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotContain("Ada", body);
        Assert.DoesNotContain("Grace", body);
        Assert.DoesNotContain((20m + charge.Amount).ToString("0.00", CultureInfo.InvariantCulture), body);
        await ShootAsync(page, "5-denied");
        bar.Rig.Reader.Remove();
        Assert.False(bar.Rig.Valve.IsOpen);

        // Staff put the tap into cleaning, then lock it: the screen says so.
        await bar.Venue.PostAsync<JsonElement>($"/api/taps/{bar.Venue.TapIds[0]}/status", new { status = TapStatus.Cleaning, comment = "line flush" });
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "cleaning", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("headline")).ToHaveTextAsync("Cleaning in progress");
        await ShootAsync(page, "6-cleaning");
        await bar.Venue.PostAsync<JsonElement>($"/api/taps/{bar.Venue.TapIds[0]}/status", new { status = TapStatus.Locked, comment = "e2e" });
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "locked", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("message")).ToContainTextAsync("ask the staff");
        await ShootAsync(page, "7-locked");

        // Nothing of either guest was ever pushed to this tap's stream after their own states: the state endpoint agrees.
        using var http = new HttpClient { BaseAddress = bar.ScreenAddress };
        var state = await http.GetStringAsync("/taps/1/state");
        Assert.DoesNotContain("Ada", state);
        Assert.DoesNotContain("guestFirstName", state); // null fields are left out of the JSON
        await page.Context.CloseAsync();
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task With_the_server_killed_mid_pour_the_screen_says_offline_the_pour_finishes_and_is_charged_once_the_server_is_back()
    {
        await using var bar = await OpenBarAsync();
        var page = await ScreenAsync(bar);
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "idle", new() { Timeout = 10_000 });

        await PresentAsync(bar, Ada);
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "pouring");
        await bar.Server.StopServerAsync();

        var notice = page.GetByTestId("notice");
        await Expect(notice).ToHaveTextAsync("Offline: pours are recorded, new cards wait for the connection.", new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("link")).ToHaveTextAsync("offline");
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "pouring");
        var first = await VolumeAsync(page);
        await Eventually.TrueAsync(async () => await VolumeAsync(page) > first, TimeSpan.FromSeconds(10), "the pour runs on offline");
        await ShootAsync(page, "8-offline-pouring");

        bar.Rig.Reader.Remove();
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "finished");
        await Expect(page.GetByTestId("confirmation")).ToHaveTextAsync("The bar confirms the charge in a moment.");
        var poured = int.Parse((await page.GetByTestId("total-volume").TextContentAsync())!.Replace(" ml", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
        Assert.True(poured > first);
        await ShootAsync(page, "9-offline-finished");

        // The screen goes offline; a new card now waits for the connection (nothing opens) and the screen stays offline.
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "offline", new() { Timeout = 10_000 });
        await Expect(page.GetByTestId("headline")).ToHaveTextAsync("Offline");
        await Expect(page.GetByTestId("message")).ToHaveTextAsync("Pours are recorded, new cards wait for the connection.");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("Ada");
        bar.Rig.Reader.Present(Grace);
        await Eventually.TrueAsync(() => bar.Agent.Taps[0].LastDenial is not null, TimeSpan.FromSeconds(10), "the card refused locally");
        Assert.False(bar.Rig.Valve.IsOpen);
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "offline");
        await ShootAsync(page, "10-offline");
        bar.Rig.Reader.Remove();

        await bar.Server.StartServerAsync();
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "idle", new() { Timeout = 20_000 });
        await Eventually.TrueAsync(() => bar.Server.DbAsync(db => db.PourSessions.AnyAsync(p => p.VolumeMl == poured && p.SyncStatus != SyncStatus.PendingSync)),
            TimeSpan.FromSeconds(20), "the offline pour synced with the volume the screen showed");
        await page.Context.CloseAsync();
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task The_list_names_the_taps_an_unknown_tap_is_404_and_every_page_carries_a_strict_content_security_policy()
    {
        await using var bar = await OpenBarAsync();
        using var http = new HttpClient { BaseAddress = bar.ScreenAddress };
        var index = await http.GetAsync("/");
        Assert.Contains("script-src 'self'", index.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("href=\"/taps/1\"", await index.Content.ReadAsStringAsync());
        await Eventually.TrueAsync(async () => (await http.GetStringAsync("/")).Contains("Test Lager", StringComparison.Ordinal), TimeSpan.FromSeconds(10),
            "the list names the tap's beer");
        Assert.DoesNotContain("<script>", await http.GetStringAsync("/taps/1"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync("/taps/2")).StatusCode);

        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = bar.ScreenAddress.ToString(), ViewportSize = new() { Width = 800, Height = 480 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("Test Lager") }).ClickAsync();
        await Expect(Root(page)).ToHaveAttributeAsync("data-phase", "idle", new() { Timeout = 10_000 });
        await page.GotoAsync("/");
        await ShootAsync(page, "0-list");
        await context.CloseAsync();
    }
}
