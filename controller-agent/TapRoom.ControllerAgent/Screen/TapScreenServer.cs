using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace TapRoom.ControllerAgent.Screen;

/// <summary>
/// The guest screens of this controller's taps, served by the agent itself (so they keep working when the link to the
/// server drops): <c>/</c> lists the taps, <c>/taps/{n}</c> is the n-th tap's page (static HTML, CSS and JS embedded in
/// the agent, no inline script or style, so a strict Content-Security-Policy holds), <c>/taps/{n}/state</c> its current
/// <see cref="TapScreenView"/> and <c>/taps/{n}/events</c> pushes its views as server-sent events.
/// <para>
/// A small HTTP/1.1 server on a socket, not Kestrel (docs/adr/0090): GET only, one request per connection
/// (<c>Connection: close</c>), a request head of at most 8 KiB read within 10 s, at most 64 connections at once. That is
/// all a kiosk browser asks of it, and Kestrel and its hosting were a quarter of the Native AOT binary and a quarter of
/// the agent's resident memory.
/// </para>
/// </summary>
public sealed class TapScreenServer : IAsyncDisposable
{
    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private const string CommonHeaders = $"Content-Security-Policy: {Csp}\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n"
        + "Cache-Control: no-store\r\nConnection: close\r\n";
    private const int MaxRequestHead = 8 * 1024;
    private const int MaxConnections = 64;
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private readonly List<Socket> _listeners;
    private readonly IReadOnlyList<TapScreenFeed> _feeds;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _accepting = [];
    private int _open;
    private int _disposed;

    private TapScreenServer(List<Socket> listeners, IReadOnlyList<Uri> addresses, IReadOnlyList<TapScreenFeed> feeds, ILogger logger)
    {
        _listeners = listeners;
        Addresses = addresses;
        _feeds = feeds;
        _logger = logger;
    }

    /// <summary>Where the screens are served (the real port when the settings asked for port 0).</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>Starts serving; returns null (and logs why) when it cannot listen: the taps pour without their screens.</summary>
    public static Task<TapScreenServer?> StartAsync(ScreenSettings settings, IReadOnlyList<TapScreenFeed> feeds, ILoggerFactory loggers,
        CancellationToken ct)
    {
        var logger = loggers.CreateLogger<TapScreenServer>();
        var listeners = new List<Socket>();
        var addresses = new List<Uri>();
        try
        {
            foreach (var url in settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                addresses.Add(Listen(new Uri(url), listeners));
        }
        catch (Exception ex) when (ex is SocketException or UriFormatException or ArgumentException or NotSupportedException)
        {
            logger.LogError("Tap screens not served at {Urls}: {Error}", settings.Urls, ex.Message);
            foreach (var l in listeners) l.Dispose();
            return Task.FromResult<TapScreenServer?>(null);
        }
        var server = new TapScreenServer(listeners, addresses, feeds, logger);
        foreach (var l in listeners) server._accepting.Add(Task.Run(() => server.AcceptAsync(l), CancellationToken.None));
        logger.LogInformation("Tap screens at {Addresses}", string.Join(", ", addresses));
        return Task.FromResult<TapScreenServer?>(server);
    }

    /// <summary>
    /// Binds one URL as Kestrel read it: an IP address as given (<c>0.0.0.0</c>: every IPv4 interface), <c>localhost</c> on
    /// the IPv4 loopback (and the IPv6 one on the same port where there is one), <c>*</c> or <c>+</c> on every interface.
    /// </summary>
    private static Uri Listen(Uri url, List<Socket> listeners)
    {
        if (url.Scheme != Uri.UriSchemeHttp) throw new NotSupportedException($"Only http:// is served ({url}).");
        var host = url.Host;
        IPAddress[] addresses = host switch
        {
            "localhost" => Socket.OSSupportsIPv6 ? [IPAddress.Loopback, IPAddress.IPv6Loopback] : [IPAddress.Loopback],
            "*" or "+" => [IPAddress.Any],
            _ => [IPAddress.Parse(host.Trim('[', ']'))],
        };
        var port = url.Port;
        for (var i = 0; i < addresses.Length; i++)
        {
            var socket = new Socket(addresses[i].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(addresses[i], port));
                socket.Listen(32);
            }
            catch (SocketException) when (i > 0)
            {
                socket.Dispose(); // the IPv6 loopback beside the IPv4 one is a nicety, not a requirement
                continue;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            listeners.Add(socket);
            port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        }
        return new Uri($"http://{(host is "*" or "+" ? "0.0.0.0" : url.Host)}:{port}");
    }

    private async Task AcceptAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                _logger.LogWarning("Tap screen accept failed: {Error}", ex.Message);
                await Task.Delay(100, CancellationToken.None); // out of sockets, say: not a busy loop
                continue;
            }
            if (Interlocked.Increment(ref _open) > MaxConnections)
            {
                Interlocked.Decrement(ref _open);
                client.Dispose();
                continue;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            client.NoDelay = true;
            await using var stream = new NetworkStream(client, ownsSocket: true);
            using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            lifetime.CancelAfter(HeadTimeout);
            var target = await ReadRequestAsync(stream, lifetime.Token);
            lifetime.CancelAfter(Timeout.InfiniteTimeSpan);
            if (target is not null) await RouteAsync(stream, target, lifetime);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The browser went away, the head never came, or the agent stops: nothing to answer.
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Tap screen request failed");
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>Reads the request head; answers a bad one itself and returns null, else the path of a GET.</summary>
    private static async Task<string?> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[MaxRequestHead];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                await RespondAsync(stream, 431, "Request Header Fields Too Large", null, default, ct);
                return null;
            }
            var read = await stream.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0) return null;
            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0) break;
        }
        var line = Encoding.ASCII.GetString(buffer, 0, buffer.AsSpan(0, length).IndexOf("\r\n"u8));
        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !parts[1].StartsWith('/'))
        {
            await RespondAsync(stream, 400, "Bad Request", null, default, ct);
            return null;
        }
        if (parts[0] != "GET")
        {
            await RespondAsync(stream, 405, "Method Not Allowed", null, default, ct, "Allow: GET\r\n");
            return null;
        }
        var query = parts[1].IndexOf('?');
        return query < 0 ? parts[1] : parts[1][..query];
    }

    private async Task RouteAsync(NetworkStream stream, string path, CancellationTokenSource lifetime)
    {
        var ct = lifetime.Token;
        const string html = "text/html; charset=utf-8";
        if (path.Length > 1 && path.EndsWith('/')) path = path[..^1]; // /taps/1/ is /taps/1, as routing had it
        switch (path.Split('/'))
        {
            case ["", ""]:
                await RespondAsync(stream, 200, "OK", html, Encoding.UTF8.GetBytes(IndexPage(_feeds)), ct);
                return;
            case ["", "screen.css"]:
                await AssetAsync(stream, "screen.css", "text/css; charset=utf-8", ct);
                return;
            case ["", "screen.js"]:
                await AssetAsync(stream, "screen.js", "text/javascript; charset=utf-8", ct);
                return;
            case ["", "taps", var n] when int.TryParse(n, out var number):
                if (Feed(number) is null)
                    await RespondAsync(stream, 404, "Not Found", html, Encoding.UTF8.GetBytes(NotFoundPage(number, _feeds.Count)), ct);
                else
                    await AssetAsync(stream, "tap.html", html, ct);
                return;
            case ["", "taps", var n, "state"] when int.TryParse(n, out var number) && Feed(number) is { } feed:
                await RespondAsync(stream, 200, "OK", "application/json; charset=utf-8",
                    JsonSerializer.SerializeToUtf8Bytes(feed.Current, ScreenJsonContext.Default.TapScreenView), ct);
                return;
            case ["", "taps", var n, "events"] when int.TryParse(n, out var number) && Feed(number) is { } feed:
                await StreamAsync(feed, stream, lifetime);
                return;
            default:
                await RespondAsync(stream, 404, "Not Found", null, default, ct);
                return;
        }
    }

    private TapScreenFeed? Feed(int n) => n >= 1 && n <= _feeds.Count ? _feeds[n - 1] : null;

    private static async Task RespondAsync(Stream stream, int status, string reason, string? contentType, ReadOnlyMemory<byte> body, CancellationToken ct,
        string extraHeaders = "")
    {
        var head = $"HTTP/1.1 {status} {reason}\r\n{(contentType is null ? "" : $"Content-Type: {contentType}\r\n")}Content-Length: {body.Length}\r\n"
            + $"{CommonHeaders}{extraHeaders}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        if (body.Length > 0) await stream.WriteAsync(body, ct);
    }

    private static async Task AssetAsync(Stream stream, string name, string contentType, CancellationToken ct)
    {
        await using var asset = typeof(TapScreenServer).Assembly.GetManifestResourceStream("TapRoom.Screen." + name)
            ?? throw new InvalidOperationException($"The tap screen asset {name} is not embedded.");
        var head = $"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {asset.Length}\r\n{CommonHeaders}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
        await asset.CopyToAsync(stream, ct);
    }

    /// <summary>
    /// Server-sent events: one <c>state</c> event per view, a comment line now and then so proxies keep the stream. The
    /// body runs until the browser closes the connection (a read that ends) or the agent stops.
    /// </summary>
    private static async Task StreamAsync(TapScreenFeed feed, NetworkStream stream, CancellationTokenSource lifetime)
    {
        var ct = lifetime.Token;
        using var subscription = feed.Subscribe();
        _ = WatchForCloseAsync(stream, lifetime);
        var head = $"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Accel-Buffering: no\r\n{CommonHeaders}\r\nretry: 1000\n\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
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
                await stream.WriteAsync(": keep-alive\n\n"u8.ToArray(), ct);
                continue;
            }
            if (!more) return;
            var events = new StringBuilder();
            while (subscription.Reader.TryRead(out var view))
                events.Append($"event: state\nid: {view.Seq}\ndata: {JsonSerializer.Serialize(view, ScreenJsonContext.Default.TapScreenView)}\n\n");
            await stream.WriteAsync(Encoding.UTF8.GetBytes(events.ToString()), ct);
        }
    }

    /// <summary>A browser sends nothing after its request: a read that ends means it went away, so its stream stops.</summary>
    private static async Task WatchForCloseAsync(NetworkStream stream, CancellationTokenSource lifetime)
    {
        try
        {
            var buffer = new byte[64];
            while (await stream.ReadAsync(buffer, lifetime.Token) > 0) { }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        try { lifetime.Cancel(); } catch (ObjectDisposedException) { }
    }

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

    private static string NotFoundPage(int n, int count) =>
        Page("No such tap", $"<main class=\"list\"><h1>No tap {n}</h1><p>This controller has {count} tap{(count == 1 ? "" : "s")}. <a href=\"/\">All taps</a></p></main>");

    private static string Page(string title, string body) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        + $"<title>{WebUtility.HtmlEncode(title)}</title><link rel=\"stylesheet\" href=\"/screen.css\"></head><body>{body}</body></html>";

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        foreach (var l in _listeners) l.Dispose();
        try
        {
            await Task.WhenAll(_accepting).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException) { }
        // Open streams end with the stop token; give them a moment to close their sockets.
        for (var i = 0; i < 20 && Volatile.Read(ref _open) > 0; i++) await Task.Delay(50);
    }
}
