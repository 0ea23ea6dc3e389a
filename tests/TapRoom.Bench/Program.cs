using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using TapRoom.Contracts;
using TapRoom.ControllerAgent;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.Server;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Controllers;

// Controller agent figures for docs/PERFORMANCE.md: authorise-to-valve-open latency on loopback (the real server, the
// real agent on simulated hardware) and the idle agent process's memory and CPU. Usage: dotnet run -c Release [pours] [idleSeconds]
// The agent's own journal replay: dotnet run -c Release -- replay [pours, default 10000]
// The agent's footprint per build: dotnet run -c Release -- footprint [idleSeconds] [runs] (tests/TapRoom.Bench/footprint.sh
// publishes ReadyToRun and Native AOT first and names them in TAPROOM_AGENT_R2R and TAPROOM_AGENT_AOT).
var footprintMode = args.Length > 0 && args[0] == "footprint";
var replayMode = args.Length > 0 && args[0] == "replay";
var pours = replayMode || footprintMode ? 0 : args.Length > 0 ? int.Parse(args[0]) : 50;
var idleSeconds = args.Length > 1 && !replayMode ? int.Parse(args[1]) : 30;
var footprintRuns = footprintMode && args.Length > 2 ? int.Parse(args[2]) : 3;
var replayPours = replayMode && args.Length > 1 ? int.Parse(args[1]) : 10_000;
var json = TapRoomJson.CreateOptions();
var dir = Path.Combine(Path.GetTempPath(), "taproom-bench", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(dir);
var port = FreePort();
var url = new Uri($"http://127.0.0.1:{port}/");
const string password = "bench-admin-password";

var app = TapRoomApp.Build(["--urls", url.ToString().TrimEnd('/')], b => b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["TapRoom:DataDirectory"] = dir,
    ["TapRoom:InitialAdminPassword"] = password,
    ["TapRoom:Jobs:Enabled"] = "false",
    ["Serilog:MinimumLevel:Default"] = "Warning",
}));
await app.Services.InitializeDatabaseAsync();
await app.StartAsync();
try
{
    using var admin = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = url };
    async Task<T> Post<T>(string path, object body)
    {
        var r = await admin.PostAsJsonAsync(path, body, json);
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {await r.Content.ReadAsStringAsync()}");
        return (await r.Content.ReadFromJsonAsync<T>(json))!;
    }
    (await admin.PostAsJsonAsync("/api/auth/login", new { login = "admin", password }, json)).EnsureSuccessStatusCode();
    var beer = await Post<BeerTypeDto>("/api/beer-types", new { name = "Bench", abv = 5m, pricePerLiter = 10m });
    var tapIds = new List<Guid>();
    for (var i = 1; i <= 2; i++)
    {
        var tap = await Post<TapDto>("/api/taps", new { name = $"Bench {i}", number = i });
        var keg = await Post<KegDto>("/api/kegs", new { beerTypeId = beer.Id, nominalVolumeMl = 50_000 });
        await Post<JsonElement>($"/api/taps/{tap.Id}/connect-keg", new { kegId = keg.Id });
        tapIds.Add(tap.Id);
    }
    var pi = await Post<RegisterController.Result>("/api/controllers", new { name = "bench-pi", tapIds = tapIds.Take(1) });
    var idlePi = await Post<RegisterController.Result>("/api/controllers", new { name = "bench-idle-pi", tapIds = tapIds.Skip(1) });
    await Post<ShiftDto>("/api/shifts", new { });
    var guest = await Post<GuestDto>("/api/guests", new { name = "Bench Guest", dateOfBirth = new DateOnly(1990, 1, 1) });
    const string card = "04BE0C01";
    var visit = await Post<OpenAndAssignCardResult>("/api/visits/open-and-assign-card", new { guestId = guest.Id, cardUid = card, idempotencyKey = "bench" });
    await Post<MoneyMovementResult>($"/api/visits/{visit.VisitId}/top-up", new { amount = 500m });

    if (footprintMode)
    {
        var builds = new List<Footprint.Build>();
        if (Environment.GetEnvironmentVariable("TAPROOM_FOOTPRINT_JIT") != "0") builds.Add(new("JIT", "dotnet", [Path.Combine(AppContext.BaseDirectory, "taproom-agent.dll")]));
        if (Environment.GetEnvironmentVariable("TAPROOM_AGENT_R2R") is { Length: > 0 } r2r) builds.Add(new("ReadyToRun", r2r, []));
        if (Environment.GetEnvironmentVariable("TAPROOM_AGENT_AOT") is { Length: > 0 } aot) builds.Add(new("Native AOT", aot, []));
        // Variants to compare side by side (TAPROOM_AGENT_MORE="name=/path/taproom-agent;name2=…"), e.g. one publish setting each.
        foreach (var pair in (Environment.GetEnvironmentVariable("TAPROOM_AGENT_MORE") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
            if (pair.Split('=', 2) is [var name, var path]) builds.Add(new(name, path, []));
        await Footprint.RunAsync(url, admin, json, dir, builds, idleSeconds, footprintRuns);
        return;
    }

    if (replayMode)
    {
        await AgentReplay.RunAsync(app.Services, url, dir, pi, tapIds[0], visit.VisitId, replayPours);
        return;
    }

    // 1. Authorise-to-valve-open: present, wait for the valve, take the card away at once (a few ml), wait for the sync.
    using var rig = new SimulatedTapRig("bench", flowRateMlPerSecond: 60, pulsesPerLiter: 5600);
    var settings = new AgentSettings
    {
        ServerUrl = url.ToString(), ApiKey = pi.ApiKey, DataDirectory = Path.Combine(dir, "agent"), ReconnectDelaysMs = [0, 100, 250],
        Pour = new PourSettings { CardDebounceMs = 0, SettleMs = 0 },
        Screen = { Urls = "http://127.0.0.1:0" },
    };
    await using (var agent = new AgentHost(settings, [rig.Hardware]))
    {
        await agent.StartAsync();
        await Until(() => agent.Connection.IsUp && agent.Taps[0].Machine.Config is not null && agent.Taps[0].Machine.LinkUp, "agent connected");
        var samples = new List<double>();
        for (var i = 0; i < pours + 5; i++)
        {
            rig.Reader.Present(card);
            await Until(() => rig.Valve.IsOpen, "valve open");
            if (i >= 5) samples.Add(agent.Taps[0].LastAuthorizeToOpen!.Value.TotalMilliseconds); // 5 warm-up pours
            rig.Reader.Remove();
            await Until(() => agent.Taps[0].Machine.State == PourState.Idle && agent.Journal.PendingCount() == 0, "pour synced");
            await UntilAsync(async () => (await admin.GetFromJsonAsync<VisitDetailDto>($"/api/visits/{visit.VisitId}", json))!.Visit.ActiveTapId is null, "lock released");
        }
        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        Console.WriteLine($"Authorise-to-valve-open over {samples.Count} pours on loopback: median {P(0.5):F1} ms, p95 {P(0.95):F1} ms, max {samples[^1]:F1} ms, min {samples[0]:F1} ms");
    }

    // 2. An idle agent process (taproom-agent, one simulated tap, connected, no cards): memory and CPU.
    var agentDll = Path.Combine(AppContext.BaseDirectory, "taproom-agent.dll");
    var psi = new ProcessStartInfo("dotnet", [agentDll, "--simulate", "1", "--server", url.ToString(), "--data", Path.Combine(dir, "idle-agent")])
    {
        RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
    };
    psi.Environment["Agent__ApiKey"] = idlePi.ApiKey;
    using var process = Process.Start(psi)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    try
    {
        await UntilAsync(async () =>
        {
            using var scope = app.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
            return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.AnyAsync(db.Controllers, c => c.Id == idlePi.Id && c.IsOnline);
        }, "idle agent online", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(5)); // settle after start-up (JIT, first GC) before sampling
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds / wall.Elapsed.TotalMilliseconds * 100;
        Console.WriteLine($"Idle agent process over {idleSeconds} s: CPU {cpu:F2} % of one core; RSS {process.WorkingSet64 / 1048576.0:F1} MiB");
    }
    finally
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
}

static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
{
    var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
    while (!await condition())
    {
        if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
        await Task.Delay(2);
    }
}

static Task Until(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

static int FreePort()
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}
