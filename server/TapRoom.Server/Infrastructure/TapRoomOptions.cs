namespace TapRoom.Server.Infrastructure;

public sealed class TapRoomOptions
{
    public const string Section = "TapRoom";

    /// <summary>Where the SQLite database, logs and generated secrets live.</summary>
    public string DataDirectory { get; set; } = "./data";
    /// <summary>Password of the first admin (login "admin"), used only while no staff user exists.</summary>
    public string? InitialAdminPassword { get; set; }
    public bool Demo { get; set; }
    public DemoBarOptions DemoBar { get; set; } = new();
    public JobOptions Jobs { get; set; } = new();
    public LoginOptions Login { get; set; } = new();
    public PairingOptions Pairing { get; set; } = new();
    /// <summary>Proxies whose forwarded headers are believed (docs/OPERATIONS.md, HTTPS).</summary>
    public ReverseProxyOptions ReverseProxy { get; set; } = new();
    public OpenApiDocumentOptions OpenApi { get; set; } = new();
    public DatabaseOptions Database { get; set; } = new();
    public MetricsOptions Metrics { get; set; } = new();
    public RedisOptions Redis { get; set; } = new();

    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "taproom.db");
}

/// <summary><c>TapRoom:Database</c>: which database the server keeps its data in (docs/adr/0040).</summary>
public sealed class DatabaseOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (the default: <c>taproom.db</c> in the data directory) or <c>postgres</c> (<c>ConnectionStrings:TapRoom</c>).</summary>
    public string Provider { get; set; } = Sqlite;
}

/// <summary><c>TapRoom:Redis</c>: used only when <c>ConnectionStrings:Redis</c> is set.</summary>
public sealed class RedisOptions
{
    /// <summary>Prefix of the backplane's channels and of the data-protection key: one per venue sharing a Redis.</summary>
    public string Prefix { get; set; } = "TapRoom";
}

/// <summary><c>TapRoom:Metrics</c>: who may read <c>/metrics</c> besides the loopback address.</summary>
public sealed class MetricsOptions
{
    /// <summary>Networks in CIDR notation (e.g. <c>10.0.5.0/24</c>) whose Prometheus may scrape <c>/metrics</c>.</summary>
    public List<string> ScrapeNetworks { get; set; } = [];
}

public sealed class JobOptions
{
    /// <summary>False: no Hangfire server runs and no recurring job is registered (the dashboard still answers).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Where Hangfire keeps its queue and recurring-job schedule: <c>Auto</c> (PostgreSQL storage on a PostgreSQL
    /// database, else in memory), <c>InMemory</c> (one instance only), <c>PostgreSql</c> (docs/adr/0021, 0056).</summary>
    public string Storage { get; set; } = "Auto";
    /// <summary>The PostgreSQL schema of Hangfire's tables, in TapRoom's database.</summary>
    public string Schema { get; set; } = "hangfire";
    /// <summary>Hangfire workers: one per recurring job is enough, the jobs are short.</summary>
    public int Workers { get; set; } = 4;
    // Seconds between runs; 0 or less: only when triggered (from the dashboard). Below 60, pick a divisor of 60.
    public int HeartbeatSweepSeconds { get; set; } = 10;
    public int LockTimeoutSweepSeconds { get; set; } = 5;
    public int KegThresholdSweepSeconds { get; set; } = 60;
    public int PosOutboxSeconds { get; set; } = 5;
    /// <summary>Silent temperature sensors (<c>sensor_silent</c> after 5 minutes).</summary>
    public int TemperatureSweepSeconds { get; set; } = 60;
    /// <summary>Temperature readings older than a day folded to one a minute, older than 30 days deleted.</summary>
    public int TemperatureDownsampleSeconds { get; set; } = 3600;
    /// <summary>How often the reorder dates are checked (reorder_due alerts); a date changes at most daily.</summary>
    public int ReorderSweepSeconds { get; set; } = 3600;
}

public sealed class LoginOptions
{
    /// <summary>Sign-in attempts allowed per client address per minute.</summary>
    public int AttemptsPerMinute { get; set; } = 10;
}

/// <summary><c>TapRoom:Pairing</c>: how often controllers may ask to join, and admins try codes (docs/SECURITY.md).</summary>
public sealed class PairingOptions
{
    /// <summary>Pairing starts per client address per window.</summary>
    public int StartsPerAddress { get; set; } = 10;
    /// <summary>Polls per client address per window (a waiting controller polls every 3 s).</summary>
    public int PollsPerAddress { get; set; } = 120;
    /// <summary>Adoption attempts (right or wrong codes) per client address per window.</summary>
    public int AdoptsPerAddress { get; set; } = 10;
    /// <summary>Starts and adoption attempts from every address together per window, per server instance.</summary>
    public int Overall { get; set; } = 60;
    public int WindowSeconds { get; set; } = 60;
}

/// <summary>The simulated bar that <c>--demo</c> runs.</summary>
public sealed class DemoBarOptions
{
    /// <summary>Mean pause between two guests at one simulated tap.</summary>
    public int MeanSecondsBetweenPours { get; set; } = 20;
    /// <summary>How often demo guests who run low on money or volume are topped up.</summary>
    public int RefillSeconds { get; set; } = 30;
    /// <summary>Where the simulated controller serves its taps' guest screens (<c>/taps/1</c>…); port 0 picks a free port.</summary>
    public string ScreenUrls { get; set; } = "http://localhost:5090";
}
