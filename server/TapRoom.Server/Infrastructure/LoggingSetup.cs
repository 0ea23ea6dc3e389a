using Serilog;
using Serilog.Events;
using Serilog.Extensions.Hosting;
using Serilog.Formatting.Compact;

namespace TapRoom.Server.Infrastructure;

/// <summary>Serilog, set up the way Serilog.AspNetCore shows (docs/adr/0022).</summary>
public static class LoggingSetup
{
    /// <summary>Stage one: console only, until the host's configuration is read. Program sets it as <see cref="Log.Logger"/>.</summary>
    public static Serilog.ILogger CreateBootstrapLogger() => new LoggerConfiguration()
        .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
        .Enrich.FromLogContext()
        .WriteTo.Console()
        .CreateBootstrapLogger();

    /// <summary>
    /// Stage two: levels and console from the "Serilog" section of the configuration (<c>ReadFrom.Configuration</c>),
    /// enrichers or sinks registered in DI (<c>ReadFrom.Services</c>), and a rolling JSON file (one compact JSON object per
    /// line) in the data directory. When Program set up a bootstrap logger, that one is reconfigured and becomes the
    /// static logger; otherwise (test processes with several hosts) each host keeps its own logger and its own file.
    /// </summary>
    public static void AddTapRoomLogging(this WebApplicationBuilder builder, TapRoomOptions options)
    {
        var logDir = Path.Combine(Path.GetFullPath(options.DataDirectory), "logs");
        var jsonFile = builder.Configuration.GetValue("TapRoom:Logging:JsonFile", true);
        var configuration = builder.Configuration;
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext()
                .Enrich.With(new RedactSecretsEnricher())
                .Filter.ByExcluding(StartCancelled);
            if (jsonFile)
            {
                logger.WriteTo.File(new RenderedCompactJsonFormatter(), Path.Combine(logDir, "taproom-.json"),
                    rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, shared: true);
            }
        }, preserveStaticLogger: Log.Logger is not ReloadableLogger);
    }

    /// <summary>
    /// The host's "Hosting failed to start" error with its stack trace when the start was only cancelled (Ctrl+C while
    /// starting): Program logs that stop as one line instead. A start that failed for any other reason is still logged.
    /// </summary>
    private static bool StartCancelled(LogEvent e) =>
        e.Exception is OperationCanceledException
        && e.Properties.TryGetValue("SourceContext", out var source)
        && source is ScalarValue { Value: "Microsoft.Extensions.Hosting.Internal.Host" };

    /// <summary>One line per request (method, path without the query string, which may carry an access token, status, time).</summary>
    public static IApplicationBuilder UseTapRoomRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(o => o.IncludeQueryInRequestPath = false);
}

/// <summary>Redacts access tokens, API keys and passwords from every string property of every event, whatever logged it.</summary>
public sealed partial class RedactSecretsEnricher : Serilog.Core.ILogEventEnricher
{
    [System.Text.RegularExpressions.GeneratedRegex(@"(?i)(access_token=|api[_-]?key=|password=|authorization:\s*bearer\s+)[^&\s""]+")]
    private static partial System.Text.RegularExpressions.Regex Secret();

    public void Enrich(Serilog.Events.LogEvent logEvent, Serilog.Core.ILogEventPropertyFactory propertyFactory)
    {
        foreach (var (name, value) in logEvent.Properties.ToArray())
        {
            if (value is Serilog.Events.ScalarValue { Value: string s } && Secret().IsMatch(s))
                logEvent.AddOrUpdateProperty(new Serilog.Events.LogEventProperty(name, new Serilog.Events.ScalarValue(Secret().Replace(s, "$1[redacted]"))));
        }
    }
}
