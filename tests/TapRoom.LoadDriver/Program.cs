using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TapRoom.LoadDriver;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;
using TapRoom.Server.Tests.Faults;

// Usage (docs/PERFORMANCE.md):
//   dotnet run -c Release --project tests/TapRoom.LoadDriver -- --controllers 500 --dashboards 20 --rate 80 --duration 60 --json result.json
// Options: --taps-per-controller 2 --pour-seconds 10 --flow 40 (ml/s) --race 0.05 --disconnect 0.02 --echo-rate <rate>
//          --guests <auto> --replay 10000 --replay-batch 100 --replay-in-flight 2 --log-level Information --server-dll <path> --seed 1
//          --warmup 15 (seconds at the same load before the measured night; 0 = measure from a cold start)
//          --server-env NAME=VALUE[;NAME=VALUE...] (extra environment for the server the driver starts, e.g. a runtime knob)
//          --server-log FILE (the whole output of the server the driver starts, kept after the run)
//          --postgres <Npgsql connection string> [--keep-database] (the server the driver starts runs on PostgreSQL: a fresh
//          database taproom_load_<random> is created on that PostgreSQL server for the run and dropped after it, unless
//          --keep-database; the night, the invariant check and the replay all run on it)
// Against a server that is already running (nothing is started or killed):
//          --url http://host:port --admin-password <password> [--server-pid <pid>]
//          [--database <path of its taproom.db> | --postgres <Npgsql connection string of its database>]
//          (--server-pid: its CPU and memory from /proc; --database / --postgres: the invariant check runs on it and the
//          replay writes its pre-authorised pours there; without either, both are skipped.)
//          Several instances behind a load balancer (tests/TapRoom.LoadDriver/two-instances.sh): --url <the balancer>
//          --server-pid <pidA>,<pidB> (summed) --postgres <Npgsql connection string of their database>.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var args2 = ParseArgs(args);
int Int(string name, int fallback) => args2.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
double Dbl(string name, double fallback) => args2.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

var rate = Dbl("rate", 80);
var pourSeconds = Dbl("pour-seconds", 10);
var options = new NightOptions(
    Controllers: Int("controllers", 500), TapsPerController: Int("taps-per-controller", 2), Dashboards: Int("dashboards", 20),
    Rate: rate, DurationSeconds: Int("duration", 60), PourSeconds: pourSeconds, FlowMlPerSecond: Int("flow", 40),
    RaceShare: Dbl("race", 0.05), DisconnectShare: Dbl("disconnect", 0.02), EchoRate: Dbl("echo-rate", rate), Seed: Int("seed", 1),
    WarmupSeconds: Int("warmup", 15));
var guests = Int("guests", (int)Math.Ceiling(rate * pourSeconds * 1.3) + 50);
var replayPours = Int("replay", 10_000);
var replayBatch = Int("replay-batch", TapRoom.Contracts.SyncPoursRequest.MaxPours);
var replayInFlight = Int("replay-in-flight", 2); // the agent's JournalReplayer.BatchesInFlight (ADR 0070)
var logLevel = args2.GetValueOrDefault("log-level", "Information");
var jsonPath = args2.GetValueOrDefault("json");
var url = args2.GetValueOrDefault("url");
var postgres = args2.GetValueOrDefault("postgres");
if (postgres is not null && args2.ContainsKey("database")) throw new ArgumentException("--database (a SQLite file) and --postgres exclude each other");
if (url is null && args2.ContainsKey("database")) throw new ArgumentException("--database is for a running server (--url); the server the driver starts has its own");
if (args2.GetValueOrDefault("admin-password") is { } adminPassword) Venue.AdminPassword = adminPassword;
var loadBefore = LoadAverage();

var clock = Stopwatch.StartNew();
void Say(string line) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {line}");

Say($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, load average {loadBefore}");
// Disposed after the server (declared before it): the database is dropped once the server that used it is stopped.
await using var runDatabase = url is null && postgres is not null
    ? await PostgresRunDatabase.CreateAsync(postgres, args2.ContainsKey("keep-database"), Say) : null;
await using var server = url is null
    ? await ServerProcess.StartAsync(args2.GetValueOrDefault("server-dll") ?? FindServerDll(), logLevel,
        ServerEnvironment(args2.GetValueOrDefault("server-env")), runDatabase?.ConnectionString, args2.GetValueOrDefault("server-log"))
    : ServerProcess.Existing(new Uri(url), args2.TryGetValue("server-pid", out var pid)
            ? pid.Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList() : [],
        postgres is not null ? new TapRoomDatabase(DatabaseOptions.Postgres, postgres)
        : args2.GetValueOrDefault("database") is { } sqliteFile ? ServerProcess.SqliteFile(sqliteFile) : null);
var provider = server.Database?.Provider ?? "unknown";
Say(url is null
    ? $"server pid {server.Pid} on {server.BaseAddress}, data in {server.DataDirectory}, database {server.Database!.Describe()}"
      + (args2.GetValueOrDefault("server-env") is { } env ? $", environment {env}" : "")
    : $"running server at {server.BaseAddress} (pid {(server.Pids.Count > 0 ? string.Join(", ", server.Pids) : "unknown: no CPU or memory figures")}), " +
      $"database {server.Database?.Describe() ?? "unknown (no --database or --postgres): no invariant check, no replay"}");
try
{
    var arrange = Stopwatch.StartNew();
    var venue = await Venue.ArrangeAsync(server.BaseAddress, options.Controllers, options.TapsPerController, guests, 200_000, Say);
    Say($"venue arranged over REST in {arrange.Elapsed.TotalSeconds:F1} s");

    await using var night = new Night(server.BaseAddress, venue, options, Say);
    await night.ConnectAsync();
    // A freshly started server spends its first seconds compiling (tiered JIT: 1-3 s of CPU, authorise p99 ~200 ms in
    // the first 10 s). A venue's server runs all night, so the figures are taken after a warm-up at the same load;
    // --warmup 0 measures from a cold start. Safety counts from the warm-up are kept and reported too.
    NightStats? warmupStats = null;
    if (options.WarmupSeconds > 0)
    {
        Say($"warm-up: {options.WarmupSeconds} s at the same load, not counted in the figures");
        await night.PlayAsync(options.WarmupSeconds);
        warmupStats = night.ResetStats();
        Say($"warm-up done: {warmupStats.PoursStarted} pours, races both allowed {warmupStats.RacesBothAllowed}, errors {warmupStats.Errors}{Breakdown(warmupStats.ErrorsByCode)}");
    }
    var (_, rssBefore) = server.Memory();
    var cpuBefore = server.CpuTime();
    var driverCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    double peakRss = rssBefore;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            peakRss = Math.Max(peakRss, server.Memory().RssMb);
            try { await Task.Delay(500, sampling.Token); } catch (OperationCanceledException) { }
        }
    });
    Say($"night: {options.Rate}/s pours of {options.PourSeconds} s at {options.FlowMlPerSecond} ml/s for {options.DurationSeconds} s " +
        $"on {options.Controllers * options.TapsPerController} taps, {guests} guests");
    await night.PlayAsync(options.DurationSeconds);
    var serverCpu = server.CpuTime() - cpuBefore;
    var driverCpu = Process.GetCurrentProcess().TotalProcessorTime - driverCpuBefore;
    sampling.Cancel();
    await sampler;
    var s = night.Stats;
    // Before the replay: its pre-authorised pours are written without the authorisations, locks and audit events the
    // checker looks for (10,000 open on one tap), so they are not a state the product can reach.
    var violations = server.Database is { } checkedDatabase ? await CheckInvariantsAsync(checkedDatabase) : null;
    Say(violations is null ? "invariants after the night: not checked (no --database or --postgres)"
        : $"invariants after the night ({provider}): {(violations.Count == 0 ? "all hold" : $"{violations.Count} violations")}");
    foreach (var v in violations?.Take(10) ?? []) Say("  " + v);

    ReplayResult? replay = null;
    if (replayPours > 0 && server.Database is { } replayDatabase)
    {
        Say($"replay: {replayPours} journalled pours from one controller, {(replayBatch <= 1 ? "one CompletePour at a time" : $"SyncPours batches of {replayBatch}, {Math.Max(1, replayInFlight)} in flight")}, on {provider}");
        replay = await Replay.RunAsync(server.BaseAddress, replayDatabase, server.CpuTime, venue, replayPours, replayBatch, replayInFlight, Say);
    }
    else if (replayPours > 0) Say("replay skipped: it needs the running server's database (--database <taproom.db> or --postgres <connection string>)");
    var (peakMb, rssEnd) = server.Memory();

    var completionSpan = (s.LastCompletion - s.FirstCompletion).TotalSeconds;
    Console.WriteLine();
    Console.WriteLine("==== TapRoom load run ====");
    Console.WriteLine($"database {provider}{(url is null ? ", one instance started by the driver" : $", running server(s) at {url}")}");
    Console.WriteLine($"controllers {options.Controllers} ({options.Controllers * options.TapsPerController} taps), dashboards {options.Dashboards}, " +
                      $"pour rate {options.Rate}/s for {options.DurationSeconds} s, progress 4/s per pour, race {options.RaceShare:P0}, disconnect {options.DisconnectShare:P0}");
    Console.WriteLine($"authorise round trip     {s.Authorize.Summary()}");
    Console.WriteLine($"echo round trip (floor)  {s.Echo.Summary()}");
    Console.WriteLine($"authorise p99 / echo p99 {s.Authorize.Percentile(99) / s.Echo.Percentile(99):F1}x");
    Console.WriteLine($"complete round trip      {s.Complete.Summary()}");
    Console.WriteLine($"progress → dashboard     p50 {s.ProgressToDashboard.Percentile(50):F2} ms  p99 {s.ProgressToDashboard.Percentile(99):F2} ms  max {s.ProgressToDashboard.Max:F2} ms  (n={s.ProgressToDashboard.Count} pushes received)");
    var offeredPerSecond = s.PoursStarted / (double)options.DurationSeconds;
    var servedPerSecond = s.Answered / (double)options.DurationSeconds;
    Console.WriteLine($"presentations            offered {s.PoursStarted} ({offeredPerSecond:F1}/s), answered {s.Answered} ({servedPerSecond:F1}/s over the {options.DurationSeconds} s night; a race is one presentation)");
    Console.WriteLine($"authorisations           {s.Allowed + s.Denied} ({(s.Allowed + s.Denied) / s.Elapsed.TotalSeconds:F1}/s): allowed {s.Allowed}, denied {s.Denied} " +
                      $"[{string.Join(", ", s.DenyReasons.Select(kv => $"{kv.Key} {kv.Value}"))}]; no free tap/guest {s.NoFreeTap}; link down at presentation {s.LinkDownAtPresentation}");
    Console.WriteLine($"progress messages        {s.ProgressSent} sent ({s.ProgressSent / s.Elapsed.TotalSeconds:F0}/s over the night), {s.ProgressUnsent} not sent (link down)");
    Console.WriteLine($"completions              synced {s.Synced}, duplicate {s.Duplicates}, other {s.OtherOutcomes}, retried {s.CompletionRetries}; " +
                      $"{(completionSpan > 0 ? (s.Synced + s.Duplicates) / completionSpan : 0):F1}/s");
    Console.WriteLine($"races for one card       {s.Races}: one allowed {s.RacesOneAllowed}, both allowed {s.RacesBothAllowed} (must be 0), none {s.RacesNoneAllowed}");
    Console.WriteLine($"mid-pour disconnects     {s.Disconnects}; calls lost with the dropped link {s.LinkLost} (not errors)");
    Console.WriteLine($"errors to controllers    night {s.Errors}{Breakdown(s.ErrorsByCode)}" +
                      (warmupStats is null ? "" : $"; warm-up {warmupStats.Errors}{Breakdown(warmupStats.ErrorsByCode)}"));
    if (warmupStats is not null)
        Console.WriteLine($"warm-up denials          {warmupStats.Denied}{Breakdown(warmupStats.DenyReasons)}");
    if (replay is not null)
        Console.WriteLine($"sync replay              {replay.Pours} completions sent in {replay.Elapsed.TotalSeconds:F1} s, {replay.Synced + replay.Other} acknowledged = {replay.PerSecond:F0}/s " +
                          $"(synced {replay.Synced}, other {replay.Other}, failed {replay.Failed}{Breakdown(replay.Errors)}); round trip {replay.RoundTrip.Summary()}; " +
                          $"server CPU {(server.Pids.Count == 0 ? "unknown" : (replay.ServerCpu.TotalSeconds / replay.Elapsed.TotalSeconds).ToString("P0", CultureInfo.InvariantCulture))} of one core");
    Console.WriteLine($"server memory            peak (VmHWM) {peakMb:F0} MB over the whole run; night RSS {rssBefore:F0} → peak {peakRss:F0} MB; end RSS {rssEnd:F0} MB");
    Console.WriteLine($"server CPU (night)       {serverCpu.TotalSeconds:F1} s over {s.Elapsed.TotalSeconds:F1} s = {serverCpu.TotalSeconds / s.Elapsed.TotalSeconds:P0} of one core ({Environment.ProcessorCount} cores)");
    Console.WriteLine($"driver CPU (night)       {driverCpu.TotalSeconds:F1} s = {driverCpu.TotalSeconds / s.Elapsed.TotalSeconds:P0} of one core (same machine)");
    Console.WriteLine($"invariants (night)       {(violations is null ? "not checked" : violations.Count == 0 ? $"all hold (InvariantChecker on {provider})" : $"{violations.Count} VIOLATIONS")}");
    var loadAfter = LoadAverage();
    Console.WriteLine($"machine load average     {loadBefore} before, {loadAfter} after (1, 5, 15 min)");
    if (jsonPath is not null)
    {
        double? Round(double? v) => v is { } x && double.IsFinite(x) ? Math.Round(x, 2) : null;
        var summary = new Dictionary<string, object?>
        {
            ["authorizeP50Ms"] = Round(s.Authorize.Percentile(50)),
            ["authorizeP99Ms"] = Round(s.Authorize.Percentile(99)),
            ["echoP99Ms"] = Round(s.Echo.Percentile(99)),
            ["authorizeP99OverEchoP99"] = Round(s.Authorize.Percentile(99) / s.Echo.Percentile(99)),
            ["completeP99Ms"] = Round(s.Complete.Percentile(99)),
            ["progressToDashboardP99Ms"] = Round(s.ProgressToDashboard.Percentile(99)),
            ["authorizationsPerSecond"] = Round(servedPerSecond),
            ["offeredPerSecond"] = Round(offeredPerSecond),
            ["replayPerSecond"] = Round(replay?.PerSecond),
            ["serverPeakRssMb"] = server.Pid is null ? null : Round(peakMb),
            ["serverCpuShareOfOneCore"] = server.Pid is null ? null : Round(serverCpu.TotalSeconds / s.Elapsed.TotalSeconds),
            ["bothAllowed"] = s.RacesBothAllowed + (warmupStats?.RacesBothAllowed ?? 0),
            ["invariantsHold"] = violations is null ? null : violations.Count == 0,
            ["echoP50Ms"] = Round(s.Echo.Percentile(50)),
            ["completeP50Ms"] = Round(s.Complete.Percentile(50)),
            ["progressToDashboardP50Ms"] = Round(s.ProgressToDashboard.Percentile(50)),
            ["replayPours"] = replay?.Pours,
            ["replaySeconds"] = Round(replay?.Elapsed.TotalSeconds),
            ["errors"] = s.Errors,
            ["errorsByCode"] = Sorted(s.ErrorsByCode),
            ["warmupErrors"] = warmupStats?.Errors,
            ["warmupErrorsByCode"] = warmupStats is null ? null : Sorted(warmupStats.ErrorsByCode),
            ["denyReasons"] = Sorted(s.DenyReasons),
            ["warmupDenyReasons"] = warmupStats is null ? null : Sorted(warmupStats.DenyReasons),
            ["linkLost"] = s.LinkLost,
            ["replayFailed"] = replay?.Failed,
            ["replayErrorsByCode"] = replay is null ? null : Sorted(replay.Errors),
            ["database"] = provider,
            ["url"] = url,
            ["driverCpuShareOfOneCore"] = Round(driverCpu.TotalSeconds / s.Elapsed.TotalSeconds),
            ["machine"] = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}",
            ["loadAverageBefore"] = loadBefore,
            ["loadAverageAfter"] = loadAfter,
            ["options"] = options,
            ["replayBatch"] = replayBatch,
            ["replayInFlight"] = replayInFlight,
        };
        await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        Say($"summary written to {jsonPath}");
    }
    return s.RacesBothAllowed + (warmupStats?.RacesBothAllowed ?? 0) == 0 && s.Errors + (warmupStats?.Errors ?? 0) + (replay?.Failed ?? 0) == 0
        && violations is not { Count: > 0 } ? 0 : 1;
}
catch (Exception ex)
{
    Console.Error.WriteLine(ex);
    Console.Error.WriteLine("---- last server output ----");
    Console.Error.WriteLine(server.LastLines());
    return 2;
}

static Task<IReadOnlyList<string>> CheckInvariantsAsync(TapRoomDatabase database) => database.IsSqlite
    // The file read-only and unpooled, as the fault suite opens it.
    ? InvariantChecker.CheckAsync(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource)
    : InvariantChecker.CheckAsync(database);

static SortedDictionary<string, long> Sorted(IEnumerable<KeyValuePair<string, long>> counts) => new(counts.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);

static string Breakdown(IEnumerable<KeyValuePair<string, long>> counts)
{
    var parts = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}").ToList();
    return parts.Count == 0 ? "" : $" [{string.Join(", ", parts)}]";
}

static IReadOnlyDictionary<string, string> ServerEnvironment(string? spec) =>
    (spec ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(pair => pair.Split('=', 2))
        .ToDictionary(p => p[0], p => p.Length == 2 ? p[1] : throw new ArgumentException($"--server-env wants NAME=VALUE, not {p[0]}"));

static string LoadAverage()
{
    try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
    catch (IOException) { return "unknown"; }
}

static Dictionary<string, string> ParseArgs(string[] args)
{
    var result = new Dictionary<string, string>();
    for (var i = 0; i < args.Length; i++)
    {
        if (!args[i].StartsWith("--")) throw new ArgumentException($"Unexpected argument {args[i]}");
        result[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : "true";
    }
    return result;
}

static string FindServerDll()
{
    var here = Path.Combine(AppContext.BaseDirectory, "TapRoom.Server.dll");
    if (File.Exists(Path.Combine(AppContext.BaseDirectory, "TapRoom.Server.runtimeconfig.json"))) return here;
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "server", "TapRoom.Server", "bin", "Release", "net10.0", "TapRoom.Server.dll");
        if (File.Exists(candidate)) return candidate;
    }
    throw new FileNotFoundException("TapRoom.Server.dll not found; build it: dotnet build -c Release server/TapRoom.Server");
}
