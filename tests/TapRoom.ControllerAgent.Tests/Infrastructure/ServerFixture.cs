using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TapRoom.Contracts;
using TapRoom.Server;
using TapRoom.Server.Data;
using TapRoom.Server.Domain;
using TapRoom.Server.Features.Controllers;

namespace TapRoom.ControllerAgent.Tests.Infrastructure;

/// <summary>
/// The real TapRoom server (the pattern of TapRoom.Server.Tests' TapRoomHost) on a FIXED loopback port, so that it can
/// be stopped and started again where an agent expects it. Its own SQLite file in a temporary data directory.
/// </summary>
public sealed class ServerFixture : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-for-tests";
    private static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();
    private WebApplication? _app;
    private readonly HubCallCounter _calls = new();

    public string DataDirectory { get; } = TempDir.New();
    public int Port { get; } = FreePort();
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public bool IsRunning => _app is not null;

    /// <summary>Hello invocations that reached this server's controller hub, over all its starts (failed ones too).</summary>
    public int HelloCalls => _calls.Count(nameof(IControllerHub.Hello));

    /// <summary>The controller-hub connections and their Hellos as the server saw them (see <see cref="HubCallCounter"/>).</summary>
    public HubCallCounter Calls => _calls;

    /// <summary>Extra configuration for every start of this server (say <c>TapRoom:Demo</c>).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public static async Task<ServerFixture> StartAsync(Action<Dictionary<string, string?>>? settings = null)
    {
        var f = new ServerFixture();
        settings?.Invoke(f.Settings);
        await f.StartServerAsync();
        return f;
    }

    public async Task StartServerAsync()
    {
        _calls.ServerStarted();
        Directory.CreateDirectory(DataDirectory);
        var values = new Dictionary<string, string?>
        {
            ["TapRoom:DataDirectory"] = DataDirectory,
            ["TapRoom:InitialAdminPassword"] = AdminPassword,
            ["TapRoom:Jobs:Enabled"] = "false",
            ["TapRoom:Login:AttemptsPerMinute"] = "1000",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in Settings) values[key] = value;
        _app = TapRoomApp.Build(["--urls", $"http://127.0.0.1:{Port}"], b =>
        {
            b.Configuration.AddInMemoryCollection(values);
            b.Services.Configure<HubOptions>(o => o.AddFilter(_calls));
        });
        await _app.Services.InitializeDatabaseAsync();
        await _app.StartAsync();
    }

    public async Task StopServerAsync()
    {
        if (_app is null) return;
        // A stop, not a drain: connections still open after 2 s (the agents' WebSockets) are aborted.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await _app.StopAsync(deadline.Token);
        await _app.DisposeAsync();
        _app = null;
        SqliteConnection.ClearAllPools();
    }

    /// <summary>Taps in the database (active, numbered) and a controller registered for them through the admin API.</summary>
    public async Task<(Guid ControllerId, string ApiKey, List<Guid> TapIds)> RegisterControllerAsync(int taps = 1, TapStatus status = TapStatus.Active)
    {
        var tapIds = Enumerable.Range(0, taps).Select(_ => Guid.NewGuid()).ToList();
        await DbAsync(async db =>
        {
            var location = (await db.Locations.FirstAsync()).Id;
            var number = await db.Taps.CountAsync();
            foreach (var id in tapIds) db.Taps.Add(new Tap { Id = id, LocationId = location, Number = ++number, Name = $"Tap {number}", Status = status });
            await db.SaveChangesAsync();
        });
        using var admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = BaseAddress };
        (await admin.PostAsJsonAsync("/api/auth/login", new { login = "admin", password = AdminPassword }, Json)).EnsureSuccessStatusCode();
        var response = await admin.PostAsJsonAsync("/api/controllers", new { name = "pi-" + Guid.NewGuid().ToString("N")[..6], tapIds }, Json);
        response.EnsureSuccessStatusCode();
        var result = (await response.Content.ReadFromJsonAsync<RegisterController.Result>(Json))!;
        return (result.Id, result.ApiKey, tapIds);
    }

    public async Task<T> DbAsync<T>(Func<TapRoomDbContext, Task<T>> work)
    {
        using var scope = _app!.Services.CreateScope();
        return await work(scope.ServiceProvider.GetRequiredService<TapRoomDbContext>());
    }

    public T Service<T>() where T : notnull => _app!.Services.GetRequiredService<T>();

    public Task DbAsync(Func<TapRoomDbContext, Task> work) => DbAsync(async db => { await work(db); return true; });

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

/// <summary>
/// Counts hub method invocations by name, as a global SignalR hub filter, and watches the controller connections: which
/// of them said Hello and how many were open at once (a reconnect race shows as two open connections).
/// </summary>
public sealed class HubCallCounter : IHubFilter
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _hellosByConnection = new();
    private readonly HashSet<string> _open = [];
    private int _maxOpen;

    public int Count(string method) => _counts.GetValueOrDefault(method);

    /// <summary>Connections that said Hello at least once.</summary>
    public int HelloConnections => _hellosByConnection.Count;

    /// <summary>The most Hellos any one connection said.</summary>
    public int MostHellosOnOneConnection => _hellosByConnection.Values.DefaultIfEmpty(0).Max();

    /// <summary>The most connections open at the same time since the server last started.</summary>
    public int MaxOpenConnections { get { lock (_open) return _maxOpen; } }

    /// <summary>A restarted server starts with no connections (a stopped host may not report every disconnect).</summary>
    public void ServerStarted()
    {
        lock (_open) _open.Clear();
    }

    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        _counts.AddOrUpdate(invocationContext.HubMethodName, 1, (_, n) => n + 1);
        if (invocationContext.HubMethodName == nameof(IControllerHub.Hello))
            _hellosByConnection.AddOrUpdate(invocationContext.Context.ConnectionId, 1, (_, n) => n + 1);
        return next(invocationContext);
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        lock (_open)
        {
            _open.Add(context.Context.ConnectionId);
            _maxOpen = Math.Max(_maxOpen, _open.Count);
        }
        return next(context);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        lock (_open) _open.Remove(context.Context.ConnectionId);
        return next(context, exception);
    }
}

public static class Eventually
{
    /// <summary>Polls until the condition holds or the deadline passes (no fixed sleeps).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for: {what}");
            await Task.Delay(25);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what) => TrueAsync(() => Task.FromResult(condition()), timeout, what);
}
