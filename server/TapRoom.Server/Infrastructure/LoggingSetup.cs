using System.Diagnostics;
using Serilog;
using Serilog.Formatting.Json;

namespace TapRoom.Server.Infrastructure;

public static class LoggingSetup
{
    /// <summary>Serilog from the "Serilog" section of appsettings (levels, console) plus a rolling JSON file in the data directory.</summary>
    public static void AddTapRoomLogging(this WebApplicationBuilder builder, TapRoomOptions options)
    {
        var logDir = Path.Combine(Path.GetFullPath(options.DataDirectory), "logs");
        var config = new LoggerConfiguration()
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .Enrich.With(new RedactSecretsEnricher());
        if (builder.Configuration.GetValue("TapRoom:Logging:JsonFile", true))
        {
            config = config.WriteTo.File(new JsonFormatter(renderMessage: true), Path.Combine(logDir, "taproom-.json"),
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14, shared: true);
        }
        var logger = config.CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger, dispose: true);
    }
}

/// <summary>One line per request: method, path (never the query string, which may carry an access token), status, time.</summary>
public sealed class RequestLoggingMiddleware(RequestDelegate next, ILogger<RequestLoggingMiddleware> log)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            await next(http);
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var status = http.Response.StatusCode;
            var level = status >= 500 ? LogLevel.Error : LogLevel.Information;
            log.Log(level, "HTTP {Method} {Path} responded {StatusCode} in {ElapsedMs:0.0} ms",
                http.Request.Method, http.Request.Path.Value, status, elapsed);
        }
    }
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
