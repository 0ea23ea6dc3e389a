using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TapRoom.ControllerAgent.Screen;

/// <summary>
/// The guest screens of this controller's taps, served by a small Kestrel inside the agent (so they keep working when
/// the link to the server drops): <c>/</c> lists the taps, <c>/taps/{n}</c> is the n-th tap's page (static HTML, CSS and
/// JS embedded in the agent, no inline script or style, so a strict Content-Security-Policy holds), and
/// <c>/taps/{n}/events</c> pushes its <see cref="TapScreenView"/>s as server-sent events. Built on an empty builder: no
/// appsettings, environment or Kestrel configuration of the hosting process (the server's demo) leaks in.
/// </summary>
public sealed class TapScreenServer : IAsyncDisposable
{
    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private readonly WebApplication _app;

    private TapScreenServer(WebApplication app, IReadOnlyList<Uri> addresses)
    {
        _app = app;
        Addresses = addresses;
    }

    /// <summary>Where the screens are served (the real port when the settings asked for port 0).</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>Starts serving; returns null (and logs why) when it cannot listen: the taps pour without their screens.</summary>
    public static async Task<TapScreenServer?> StartAsync(ScreenSettings settings, IReadOnlyList<TapScreenFeed> feeds, ILoggerFactory loggers,
        CancellationToken ct)
    {
        var logger = loggers.CreateLogger<TapScreenServer>();
        var urls = settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(TapScreenServer).Assembly.GetName().Name });
        builder.WebHost.UseKestrelCore().UseUrls(urls);
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        var app = builder.Build();
        Map(app, feeds);
        try
        {
            await app.StartAsync(ct);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            logger.LogError("Tap screens not served at {Urls}: {Error}", settings.Urls, ex.Message);
            await app.DisposeAsync();
            return null;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.Select(a => new Uri(a)).ToList() ?? [];
        logger.LogInformation("Tap screens at {Addresses}", string.Join(", ", addresses));
        return new TapScreenServer(app, addresses);
    }

    private static void Map(WebApplication app, IReadOnlyList<TapScreenFeed> feeds)
    {
        app.Use(async (ctx, next) =>
        {
            var h = ctx.Response.Headers;
            h.ContentSecurityPolicy = Csp;
            h.XContentTypeOptions = "nosniff";
            h["Referrer-Policy"] = "no-referrer";
            h.CacheControl = "no-store";
            await next(ctx);
        });

        TapScreenFeed? Feed(int n) => n >= 1 && n <= feeds.Count ? feeds[n - 1] : null;

        app.MapGet("/", () => Results.Content(IndexPage(feeds), "text/html; charset=utf-8"));
        app.MapGet("/screen.css", () => Asset("screen.css", "text/css; charset=utf-8"));
        app.MapGet("/screen.js", () => Asset("screen.js", "text/javascript; charset=utf-8"));
        app.MapGet("/taps/{n:int}", (int n) => Feed(n) is null ? NotFound(n, feeds.Count) : Asset("tap.html", "text/html; charset=utf-8"));
        app.MapGet("/taps/{n:int}/state", (int n) => Feed(n) is { } feed ? Results.Json(feed.Current, ScreenJsonContext.Default.TapScreenView) : Results.NotFound());
        app.MapGet("/taps/{n:int}/events", async (int n, HttpContext ctx) =>
        {
            if (Feed(n) is not { } feed)
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await StreamAsync(feed, ctx);
        });
    }

    /// <summary>Server-sent events: one <c>state</c> event per view, a comment line now and then so proxies keep the stream.</summary>
    private static async Task StreamAsync(TapScreenFeed feed, HttpContext ctx)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers["X-Accel-Buffering"] = "no";
        var ct = ctx.RequestAborted;
        using var subscription = feed.Subscribe();
        await ctx.Response.WriteAsync("retry: 1000\n\n", ct);
        await ctx.Response.Body.FlushAsync(ct);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(Heartbeat);
                bool more;
                try
                {
                    more = await subscription.Reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await ctx.Response.WriteAsync(": keep-alive\n\n", ct);
                    await ctx.Response.Body.FlushAsync(ct);
                    continue;
                }
                if (!more) return;
                while (subscription.Reader.TryRead(out var view))
                    await ctx.Response.WriteAsync($"event: state\nid: {view.Seq}\ndata: {JsonSerializer.Serialize(view, ScreenJsonContext.Default.TapScreenView)}\n\n", ct);
                await ctx.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    private static IResult Asset(string name, string contentType)
    {
        var stream = typeof(TapScreenServer).Assembly.GetManifestResourceStream("TapRoom.Screen." + name)
            ?? throw new InvalidOperationException($"The tap screen asset {name} is not embedded.");
        return Results.Stream(stream, contentType);
    }

    private static IResult NotFound(int n, int count) => Results.Content(
        Page("No such tap", $"<main class=\"list\"><h1>No tap {n}</h1><p>This controller has {count} tap{(count == 1 ? "" : "s")}. <a href=\"/\">All taps</a></p></main>"),
        "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status404NotFound);

    private static string IndexPage(IReadOnlyList<TapScreenFeed> feeds)
    {
        var html = HtmlEncoder.Default;
        var items = new StringBuilder();
        foreach (var feed in feeds)
        {
            var v = feed.Current;
            var beer = v.BeerName is null ? "no keg" : v.BeerName;
            items.Append($"<li><a href=\"/taps/{feed.Number}\"><span class=\"n\">{feed.Number}</span><span class=\"t\">{html.Encode(v.TapName)}</span>"
                + $"<span class=\"b\">{html.Encode(beer)}</span></a></li>");
        }
        if (feeds.Count == 0) items.Append("<li>This controller drives no taps.</li>");
        return Page("Tap screens", $"<main class=\"list\"><h1>Tap screens</h1><p>Open a tap's screen on its kiosk.</p><ol>{items}</ol></main>");
    }

    private static string Page(string title, string body) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + $"<title>{WebUtility.HtmlEncode(title)}</title><link rel=\"stylesheet\" href=\"/screen.css\"></head><body>{body}</body></html>";

    public async ValueTask DisposeAsync()
    {
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            try { await _app.StopAsync(deadline.Token); } catch (OperationCanceledException) { }
        }
        await _app.DisposeAsync();
    }
}
