using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using MediatR;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using TapRoom.Contracts;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Pours;

namespace TapRoom.Server.Infrastructure;

/// <summary>
/// What operators watch (docs/adr/0043-health-and-metrics.md): <c>/healthz/ready</c> (database, Redis when configured;
/// <c>/healthz</c> stays the liveness answer) and <c>/metrics</c> in Prometheus text through OpenTelemetry, served only
/// to the loopback address or a configured scrape network.
/// </summary>
public static class Observability
{
    public const string ReadyPath = "/healthz/ready";
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddTapRoomObservability(this IServiceCollection services, TapRoomOptions options)
    {
        services.AddSingleton<TapRoomMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<TapRoomMetrics>());
        services.AddSingleton<ConnectionCountFilter>();
        services.Configure<HubOptions>(o => o.AddFilter<ConnectionCountFilter>());
        services.AddSingleton(new MetricsAccess(options.Metrics.ScrapeNetworks));

        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("taproom-server"))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                // SignalR's connections (WebSockets and the rest) and Kestrel's are in the ASP.NET Core instrumentation's meters;
                // these add the connection-level ones by name.
                .AddMeter("Microsoft.AspNetCore.Http.Connections", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.SignalR")
                .AddMeter(TapRoomMetrics.MeterName)
                .AddView(TapRoomMetrics.AuthorizeDuration, new ExplicitBucketHistogramConfiguration { Boundaries = TapRoomMetrics.LatencyBuckets })
                .AddView(TapRoomMetrics.CompletionDuration, new ExplicitBucketHistogramConfiguration { Boundaries = TapRoomMetrics.LatencyBuckets })
                .AddView("taproom.commit.batch.work", new ExplicitBucketHistogramConfiguration { Boundaries = TapRoomMetrics.LatencyBuckets })
                .AddView("taproom.commit.command.work", new ExplicitBucketHistogramConfiguration { Boundaries = TapRoomMetrics.LatencyBuckets })
                .AddView("taproom.commit.batch.commit", new ExplicitBucketHistogramConfiguration { Boundaries = TapRoomMetrics.LatencyBuckets })
                .AddPrometheusExporter());
        return services;
    }

    public static IEndpointRouteBuilder MapTapRoomObservability(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResponseWriter = WriteReadyAsync,
        }).AllowAnonymous().WithDisplayName("readiness");

        var access = app.ServiceProvider.GetRequiredService<MetricsAccess>();
        app.MapPrometheusScrapingEndpoint(MetricsPath).Add(b =>
        {
            var scrape = b.RequestDelegate!;
            b.RequestDelegate = http => access.Allows(http) ? scrape(http) : Results.Problem(
                statusCode: StatusCodes.Status403Forbidden, title: "Not allowed.", detail: "Metrics are served to the loopback address and the configured scrape networks only.",
                type: ProblemDetailsSetup.TypeFor("forbidden"), extensions: new Dictionary<string, object?> { ["code"] = "forbidden" }).ExecuteAsync(http);
        });
        return app;
    }

    private static Task WriteReadyAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status == HealthStatus.Healthy ? "ready" : "not_ready",
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status == HealthStatus.Healthy ? "ok" : "failing",
                detail = e.Value.Description,
            }),
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body, TapRoomJson.CreateOptions()));
    }
}

/// <summary>The loopback address, or an address in one of <c>TapRoom:Metrics:ScrapeNetworks</c>; never through a proxy.</summary>
public sealed class MetricsAccess
{
    private readonly List<IPNetwork> _networks;

    public MetricsAccess(IEnumerable<string> networks)
    {
        _networks = networks.Select(n => IPNetwork.TryParse(n.Trim(), out var net) ? net
            : throw new InvalidOperationException($"TapRoom:Metrics:ScrapeNetworks: '{n}' is not a network in CIDR notation (e.g. 10.0.5.0/24).")).ToList();
    }

    public bool Allows(HttpContext http)
    {
        // A request that came through the load balancer carries X-Forwarded-For; its socket address is the proxy's.
        if (http.Request.Headers.ContainsKey("X-Forwarded-For")) return false;
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null) return false;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        return IPAddress.IsLoopback(remote) || _networks.Any(n => n.Contains(remote));
    }
}

/// <summary>Ready when the database answers (and its schema is there).</summary>
public sealed class DatabaseHealthCheck(IServiceScopeFactory scopes, TapRoomDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
            return await db.Locations.AnyAsync(ct)
                ? HealthCheckResult.Healthy($"{database.Provider} ok")
                : HealthCheckResult.Unhealthy($"{database.Provider}: not initialised");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{database.Provider} unreachable: {ex.GetType().Name}");
        }
    }
}

/// <summary>
/// TapRoom's own instruments: authorise and completion latency, pours in progress, connected controllers and
/// dashboards (of this instance), the POS outbox backlog. The two database counts are read every few seconds in the
/// background, never while Prometheus waits; with several instances they are the same number on each (use max()).
/// </summary>
public sealed class TapRoomMetrics : BackgroundService
{
    public const string MeterName = "TapRoom";
    public const string AuthorizeDuration = "taproom.pour.authorize.duration";
    public const string CompletionDuration = "taproom.pour.completion.duration";
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Meter _meter = new(MeterName);
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<TapRoomMetrics> _log;
    private long _controllers;
    private long _dashboards;
    private long _poursInProgress;
    private long _outboxBacklog;

    public Histogram<double> Authorize { get; }
    public Histogram<double> Completion { get; }

    public TapRoomMetrics(IServiceScopeFactory scopes, ILogger<TapRoomMetrics> log)
    {
        _scopes = scopes;
        _log = log;
        Authorize = _meter.CreateHistogram<double>(AuthorizeDuration, "s", "Time to answer a controller's authorise, by outcome.");
        Completion = _meter.CreateHistogram<double>(CompletionDuration, "s", "Time to record a controller's completed pour, by outcome.");
        _meter.CreateObservableGauge("taproom.pours.in_progress", () => Interlocked.Read(ref _poursInProgress), "{pour}", "Pours authorised and not yet synced or reconciled.");
        _meter.CreateObservableGauge("taproom.controllers.connected", () => Interlocked.Read(ref _controllers), "{connection}", "Controller hub connections open on this instance.");
        _meter.CreateObservableGauge("taproom.dashboards.connected", () => Interlocked.Read(ref _dashboards), "{connection}", "Dashboard hub connections open on this instance.");
        _meter.CreateObservableGauge("taproom.pos.outbox.backlog", () => Interlocked.Read(ref _outboxBacklog), "{entry}", "POS outbox entries waiting to be delivered.");
    }

    public void Connected(Type hub, int delta)
    {
        if (hub == typeof(Hubs.ControllerHub)) Interlocked.Add(ref _controllers, delta);
        else if (hub == typeof(Hubs.DashboardHub)) Interlocked.Add(ref _dashboards, delta);
    }

    /// <summary>Reads the database counts now (also every 5 s in the background).</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        Interlocked.Exchange(ref _poursInProgress, await db.PourSessions.CountAsync(p => p.SyncStatus == SyncStatus.PendingSync, ct));
        Interlocked.Exchange(ref _outboxBacklog, await db.PosOutbox.CountAsync(o => o.Status == PosOutboxStatus.Pending, ct));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _log.LogDebug(ex, "Reading the metrics' database counts failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        _meter.Dispose();
        base.Dispose();
    }
}

/// <summary>Counts open hub connections per hub, for the connected controllers and dashboards gauges.</summary>
public sealed class ConnectionCountFilter(TapRoomMetrics metrics) : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        await next(context);
        metrics.Connected(context.Hub.GetType(), +1);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            metrics.Connected(context.Hub.GetType(), -1);
        }
    }
}

/// <summary>Times the two requests a controller waits on: authorise and complete, tagged with their outcome.</summary>
public sealed class PourLatencyBehavior<TRequest, TResponse>(TapRoomMetrics metrics) : IPipelineBehavior<TRequest, TResponse>
    where TRequest : ICommandMarker
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        if (request is not (AuthorizePour.Command or CompletePour.Command)) return await next();
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var response = await next();
            outcome = response switch
            {
                AuthorizeResult a => a.Allowed ? "allowed" : "denied",
                CompletePourResult c => TapRoomJson.EnumValue(c.Outcome),
                _ => "ok",
            };
            return response;
        }
        catch (Domain.DomainException)
        {
            outcome = "refused";
            throw;
        }
        finally
        {
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var tag = new KeyValuePair<string, object?>("outcome", outcome);
            if (request is AuthorizePour.Command) metrics.Authorize.Record(seconds, tag);
            else metrics.Completion.Record(seconds, tag);
        }
    }
}
