using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using TapRoom.Server.Tests.Infrastructure;

namespace TapRoom.Server.Tests.Faults;

/// <summary>
/// The built server (<c>TapRoom.Server.dll</c>, copied next to the test assembly by the project reference) as a child
/// process on a fixed loopback port with its own data directory, so that it can be SIGKILLed and started again on the
/// same database and address. Runs on the real clock with its jobs on, as in production.
/// </summary>
public sealed class ChildServer : IAsyncDisposable
{
    private Process? _process;
    private readonly int _port;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "taproom-faults", Guid.NewGuid().ToString("N"));
    public string DatabasePath => Path.Combine(DataDirectory, "taproom.db");
    public Uri BaseAddress => new($"http://127.0.0.1:{_port}");

    private ChildServer(int port) => _port = port;

    public static async Task<ChildServer> StartAsync()
    {
        var server = new ChildServer(FreePort());
        Directory.CreateDirectory(server.DataDirectory);
        await server.StartProcessAsync();
        return server;
    }

    private async Task StartProcessAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "TapRoom.Server.dll");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        info.Environment["TapRoom__DataDirectory"] = DataDirectory;
        info.Environment["TapRoom__InitialAdminPassword"] = TapRoomHost.AdminPassword;
        info.Environment["TapRoom__Login__AttemptsPerMinute"] = "1000";
        info.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90); // generous: a loaded 2-core CI box starts a cold server slowly
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"The server exited with {(_process.HasExited ? _process.ExitCode : 0)}");
            try
            {
                if ((await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(50);
        }
        Assert.Fail("The server did not become healthy within 90 s.");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; whatever SQLite had not committed is gone.</summary>
    public async Task KillAsync()
    {
        _process!.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public Task RestartAsync() => StartProcessAsync();

    public async Task<HttpClient> SignInAsync()
    {
        var http = new HttpClient(new AppLikeRequests { InnerHandler = new HttpClientHandler { CookieContainer = new CookieContainer() } }) { BaseAddress = BaseAddress };
        await FaultVenue.PostAsync(http, "/api/auth/login", new { login = "admin", password = TapRoomHost.AdminPassword });
        return http;
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) await KillAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
