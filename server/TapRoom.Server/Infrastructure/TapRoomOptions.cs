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
    /// <summary>Proxies whose forwarded headers are believed (docs/OPERATIONS.md, HTTPS).</summary>
    public ReverseProxyOptions ReverseProxy { get; set; } = new();
    public OpenApiDocumentOptions OpenApi { get; set; } = new();

    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), "taproom.db");
}

public sealed class JobOptions
{
    /// <summary>False: no Hangfire server runs and no recurring job is registered (the dashboard still answers).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Where Hangfire keeps its queue and recurring-job schedule: <c>InMemory</c> (the single box; see docs/adr/0021).</summary>
    public string Storage { get; set; } = "InMemory";
    /// <summary>Hangfire workers: one per recurring job is enough, the jobs are short.</summary>
    public int Workers { get; set; } = 4;
    // Seconds between runs; 0 or less: only when triggered (from the dashboard). Below 60, pick a divisor of 60.
    public int HeartbeatSweepSeconds { get; set; } = 10;
    public int LockTimeoutSweepSeconds { get; set; } = 5;
    public int KegThresholdSweepSeconds { get; set; } = 60;
    public int PosOutboxSeconds { get; set; } = 5;
}

public sealed class LoginOptions
{
    /// <summary>Sign-in attempts allowed per client address per minute.</summary>
    public int AttemptsPerMinute { get; set; } = 10;
}

/// <summary>The simulated bar that <c>--demo</c> runs.</summary>
public sealed class DemoBarOptions
{
    /// <summary>Mean pause between two guests at one simulated tap.</summary>
    public int MeanSecondsBetweenPours { get; set; } = 20;
    /// <summary>How often demo guests who run low on money or volume are topped up.</summary>
    public int RefillSeconds { get; set; } = 30;
}
