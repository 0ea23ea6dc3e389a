using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TapRoom.Server.Data;
using TapRoom.Server.Infrastructure;

namespace TapRoom.LoadDriver;

/// <summary>
/// The real server as a child process (<c>dotnet TapRoom.Server.dll</c>) on a free loopback port with its own temporary
/// data directory, or one that is already running (<c>--url</c>; never stopped by the driver), and its resource use
/// read from <c>/proc/&lt;pid&gt;</c> when its pid is known. Its database is the SQLite file in its data directory, or
/// the PostgreSQL database it was started on (<c>--postgres</c>); for a running server, the one named by <c>--database</c>
/// or <c>--postgres</c>.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string AdminPassword = "load-driver-admin-password";
    private readonly Process? _process;
    private readonly Queue<string> _lastLines = new();
    private StreamWriter? _log;

    public Uri BaseAddress { get; }
    public string? DataDirectory { get; }
    /// <summary>Where the server's data is, for the invariant check and the replay's pre-authorised pours; null: not known.</summary>
    public TapRoomDatabase? Database { get; }
    public int? Pid { get; }
    /// <summary>Every measured process (<c>--server-pid A,B</c>: several instances behind a load balancer); CPU and memory are summed.</summary>
    public IReadOnlyList<int> Pids { get; init; } = [];

    private ServerProcess(Process? process, Uri baseAddress, string? dataDirectory, TapRoomDatabase? database, int? pid)
    {
        _process = process;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        Database = database;
        Pid = pid;
        Pids = pid is { } p ? [p] : [];
    }

    /// <summary>
    /// One or several running instances (behind <paramref name="baseAddress"/>, a load balancer), measured together if
    /// their pids are given; their database used if given.
    /// </summary>
    public static ServerProcess Existing(Uri baseAddress, IReadOnlyList<int> pids, TapRoomDatabase? database) =>
        new(null, baseAddress, null, database, pids.Count > 0 ? pids[0] : null) { Pids = pids };

    /// <summary>The SQLite file at <paramref name="path"/>, opened as the server opens it (the replay writes into it).</summary>
    public static TapRoomDatabase SqliteFile(string path) => new(DatabaseOptions.Sqlite, DatabaseSetup.ConnectionString(path));

    /// <summary>
    /// Starts the server on SQLite in its data directory, or on PostgreSQL when <paramref name="postgresConnectionString"/>
    /// is given (<c>TapRoom__Database__Provider=postgres</c>, <c>ConnectionStrings__TapRoom</c>); <paramref name="environment"/> comes last.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string serverDll, string logLevel, IReadOnlyDictionary<string, string>? environment = null,
        string? postgresConnectionString = null, string? logPath = null)
    {
        var port = FreePort();
        var dir = Path.Combine(Path.GetTempPath(), "taproom-load", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(serverDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["TapRoom__DataDirectory"] = dir;
        info.Environment["TapRoom__InitialAdminPassword"] = AdminPassword;
        info.Environment["TapRoom__Login__AttemptsPerMinute"] = "100000";
        info.Environment["Serilog__MinimumLevel__Default"] = logLevel;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        if (postgresConnectionString is not null)
        {
            info.Environment["TapRoom__Database__Provider"] = DatabaseOptions.Postgres;
            info.Environment["ConnectionStrings__TapRoom"] = postgresConnectionString;
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the server.");
        var database = postgresConnectionString is null ? SqliteFile(Path.Combine(dir, "taproom.db")) : new TapRoomDatabase(DatabaseOptions.Postgres, postgresConnectionString);
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}"), dir, database, process.Id);
        // --server-log: the server's whole output, kept after the run (its data directory is deleted).
        if (logPath is not null) server._log = new StreamWriter(logPath, append: false) { AutoFlush = false };
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        return server;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_lastLines)
        {
            _log?.WriteLine(line);
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 40) _lastLines.Dequeue();
        }
    }

    public string LastLines()
    {
        lock (_lastLines) return string.Join(Environment.NewLine, _lastLines);
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited) throw new InvalidOperationException("The server exited at start:\n" + LastLines());
            try
            {
                if ((await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException("The server did not become healthy:\n" + LastLines());
    }

    /// <summary>User + system CPU time the server has used so far (from /proc/&lt;pid&gt;/stat, in clock ticks of 10 ms).</summary>
    public TimeSpan CpuTime()
    {
        long ticks = 0;
        foreach (var pid in Pids)
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
        }
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>VmHWM (peak resident set) and VmRSS in MB from /proc/&lt;pid&gt;/status.</summary>
    public (double PeakMb, double RssMb) Memory()
    {
        double peak = 0, rss = 0;
        foreach (var pid in Pids)
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmHWM:")) peak += Kb(line) / 1024.0;
            if (line.StartsWith("VmRSS:")) rss += Kb(line) / 1024.0;
        }
        return (peak, rss);
        static long Kb(string line) => long.Parse(line.Split(':')[1].Trim().Split(' ')[0]);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException) { }
        catch (TimeoutException) { }
        _process.Dispose();
        lock (_lastLines)
        {
            _log?.Dispose();
            _log = null;
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Npgsql.NpgsqlConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory!, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
