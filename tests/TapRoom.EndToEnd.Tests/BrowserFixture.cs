using Microsoft.Playwright;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.EndToEnd.Tests;

/// <summary>
/// One real TapRoom server (loopback port, own SQLite file, built dashboard in wwwroot) and one headless Chromium
/// (the system's /usr/bin/chromium; Playwright never downloads a browser here) for the whole class.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public TapRoomHost Host { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "test-output", "screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        Host = await TapRoomHost.StartAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(Playwright);
        Assertions.SetDefaultExpectTimeout(5000);
    }

    /// <summary>The system's headless Chromium, as every browser test here runs it.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });

    public static string RepositoryScreenshotDirectory => Path.Combine(RepositoryRoot(), "test-output", "screenshots");

    /// <summary>A fresh browser profile (its own cookies) at tablet size.</summary>
    public async Task<IPage> NewPageAsync(int width = 1024, int height = 768)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        return await context.NewPageAsync();
    }

    public async Task<IPage> SignedInPageAsync(string login = "admin", string password = TapRoomHost.AdminPassword, int width = 1024, int height = 768)
    {
        var page = await NewPageAsync(width, height);
        await page.GotoAsync("/");
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync();
        // "/" takes the user to their venue (/v/{slug}/taps) once the session is known; an admin of several venues to /chain.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("(/v/[a-z0-9-]+/taps|/chain)$"));
        await Assertions.Expect(page.GetByTestId("connection-banner")).ToHaveCountAsync(0);
        return page;
    }

    public Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        Playwright?.Dispose();
        if (Host is not null) await Host.DisposeAsync();
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TapRoom.sln"))) dir = dir.Parent;
        return dir?.FullName ?? AppContext.BaseDirectory;
    }
}
