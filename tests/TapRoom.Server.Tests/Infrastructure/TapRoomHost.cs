using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Hangfire;
using Hangfire.States;
using MediatR;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Tests.Infrastructure;

/// <summary>
/// The real TapRoom server on a loopback port with its own database: a SQLite file in a temporary data directory, or
/// (when ./test.sh runs this project on PostgreSQL) a PostgreSQL database of its own (<see cref="TestDatabase"/>).
/// Only time is faked (<see cref="ManualTimeProvider"/>); jobs are off unless a test turns them on.
/// </summary>
public sealed class TapRoomHost : IAsyncDisposable
{
    public const string AdminPassword = "admin-password-for-tests";
    public static readonly JsonSerializerOptions Json = TapRoomJson.CreateOptions();

    private WebApplication _app = null!;
    private readonly bool _ownsDirectory;
    private readonly bool _ownsDatabase;

    public string DataDirectory { get; }
    public ManualTimeProvider Time { get; }
    public Uri BaseAddress { get; private set; } = null!;
    public IServiceProvider Services => _app.Services;
    public string DatabasePath => Path.Combine(DataDirectory, "taproom.db");
    public TestDatabase Database { get; }
    /// <summary>The host's database for reading after a run (checkers), whichever the provider.</summary>
    public Data.TapRoomDatabase ReadDatabase => Database.ForReading(DataDirectory);

    private TapRoomHost(string dataDirectory, ManualTimeProvider time, bool ownsDirectory, TestDatabase database, bool ownsDatabase)
    {
        DataDirectory = dataDirectory;
        Time = time;
        _ownsDirectory = ownsDirectory;
        Database = database;
        _ownsDatabase = ownsDatabase;
    }

    public static async Task<TapRoomHost> StartAsync(
        Action<Dictionary<string, string?>>? settings = null,
        string? dataDirectory = null,
        ManualTimeProvider? time = null,
        Action<WebApplicationBuilder>? configure = null,
        TestDatabase? database = null)
    {
        var dir = dataDirectory ?? Path.Combine(Path.GetTempPath(), "taproom-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var db = database ?? await TestDatabase.CreateAsync();
        var host = new TapRoomHost(dir, time ?? new ManualTimeProvider(), ownsDirectory: dataDirectory is null, db, ownsDatabase: database is null);
        await host.StartAppAsync(settings, configure);
        return host;
    }

    private async Task StartAppAsync(Action<Dictionary<string, string?>>? settings, Action<WebApplicationBuilder>? configure)
    {
        var values = new Dictionary<string, string?>
        {
            ["TapRoom:DataDirectory"] = DataDirectory,
            ["TapRoom:InitialAdminPassword"] = AdminPassword,
            ["TapRoom:Jobs:Enabled"] = "false",
            ["TapRoom:Login:AttemptsPerMinute"] = "1000",
            ["TapRoom:Pairing:StartsPerAddress"] = "1000",
            ["TapRoom:Pairing:AdoptsPerAddress"] = "1000",
            ["TapRoom:Pairing:Overall"] = "1000",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        Database.Apply(values);
        settings?.Invoke(values);
        _app = TapRoomApp.Build(["--urls", "http://127.0.0.1:0"], b =>
        {
            b.Configuration.AddInMemoryCollection(values);
            b.Services.AddSingleton<TimeProvider>(Time);
            configure?.Invoke(b);
        });
        await _app.Services.InitializeDatabaseAsync();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1"));
    }

    /// <summary>Stops the server and starts a new one on the same data directory (a restart).</summary>
    public async Task RestartAsync(Action<Dictionary<string, string?>>? settings = null)
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        TestDatabase.ClearPools();
        await StartAppAsync(settings, null);
    }

    /// <summary>A client that sends what the web app sends: a bodiless POST/PUT/PATCH/DELETE goes out as JSON <c>{}</c>.</summary>
    public HttpClient CreateClient(CookieContainer? cookies = null) =>
        new(new AppLikeRequests { InnerHandler = new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = true } })
        {
            BaseAddress = BaseAddress,
        };

    /// <summary>A client that sends exactly what the test gives it (for the cross-site request tests).</summary>
    public HttpClient CreateRawClient(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = true }) { BaseAddress = BaseAddress };

    public async Task<HttpClient> SignInAsync(string login = "admin", string password = AdminPassword)
    {
        var client = CreateClient();
        var response = await client.PostAsJsonAsync("/api/auth/login", new { login, password }, Json);
        response.EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>
    /// Creates a staff user with the role (through the admin API), a member of the first venue (or of
    /// <paramref name="locationId"/>), and returns a client signed in as that user.
    /// </summary>
    public async Task<HttpClient> SignInAsAsync(StaffRole role, Guid? locationId = null)
    {
        if (role == StaffRole.Admin) return await SignInAsync();
        using var admin = await SignInAsync();
        var login = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}"[..20];
        var venue = locationId ?? await DbAsync(db => db.Locations.OrderBy(l => l.CreatedAt).Select(l => l.Id).FirstAsync());
        var created = await admin.PostAsJsonAsync("/api/staff", new { login, name = $"Test {role}", password = "password-123", role, locationIds = new[] { venue } }, Json);
        created.EnsureSuccessStatusCode();
        return await SignInAsync(login, "password-123");
    }

    /// <summary>Sends a MediatR request through the real pipeline, in its own scope, as the given actor.</summary>
    public async Task<T> SendAsync<T>(IRequest<T> request, Actor? actor = null)
    {
        using var scope = _app.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = actor ?? Actor.System;
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>Publishes a notification the way the pipeline does after a commit (pushes, reactions).</summary>
    public async Task PublishAsync(INotification notification)
    {
        using var scope = _app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<IMediator>().Publish(notification);
    }

    /// <summary>Settings for a host whose recurring jobs are registered with Hangfire but never fire on their own: the test
    /// triggers them (<see cref="RunJobAsync"/>), the way the dashboard's "Trigger now" does.</summary>
    public static void TriggeredJobsOnly(Dictionary<string, string?> s)
    {
        s["TapRoom:Jobs:Enabled"] = "true";
        foreach (var key in new[] { "HeartbeatSweepSeconds", "LockTimeoutSweepSeconds", "KegThresholdSweepSeconds", "PosOutboxSeconds", "TemperatureSweepSeconds", "TemperatureDownsampleSeconds", "ReorderSweepSeconds" })
            s["TapRoom:Jobs:" + key] = "0";
    }

    /// <summary>Triggers a recurring job through Hangfire and waits until a Hangfire worker has finished it; returns the final state.</summary>
    public async Task<string> RunJobAsync(string recurringJobId)
    {
        var jobId = ((IRecurringJobManagerV2)Services.GetRequiredService<IRecurringJobManager>()).TriggerJob(recurringJobId);
        Assert.False(string.IsNullOrEmpty(jobId), $"recurring job {recurringJobId} is not registered");
        var storage = Services.GetRequiredService<JobStorage>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using (var connection = storage.GetConnection())
            {
                var state = connection.GetStateData(jobId)?.Name;
                if (state == SucceededState.StateName || state == FailedState.StateName || state == DeletedState.StateName) return state;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"job {recurringJobId} ({jobId}) still {state ?? "unknown"} after 30 s");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Reads or writes the database directly (for arranging and asserting), in its own scope.</summary>
    public async Task<T> DbAsync<T>(Func<TapRoomDbContext, Task<T>> work)
    {
        using var scope = _app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        return await work(db);
    }

    public Task DbAsync(Func<TapRoomDbContext, Task> work) => DbAsync(async db => { await work(db); return true; });

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        catch (ObjectDisposedException) { }
        TestDatabase.ClearPools();
        if (_ownsDatabase) await Database.DisposeAsync();
        if (_ownsDirectory)
        {
            try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

/// <summary>The web app (web/src/api/http.ts) sends <c>{}</c> as JSON when an unsafe request has nothing to say; so do the tests' clients.</summary>
public sealed class AppLikeRequests : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is null && request.Method != HttpMethod.Get && request.Method != HttpMethod.Head && request.Method != HttpMethod.Options)
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        return base.SendAsync(request, cancellationToken);
    }
}

public static class HttpAssert
{
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(code, json.GetProperty("code").GetString());
        Assert.Equal($"urn:taproom:problem:{code}", json.GetProperty("type").GetString());
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        return json;
    }

    public static async Task<T> OkAsync<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Expected success but got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, TapRoomHost.Json)!;
    }
}
