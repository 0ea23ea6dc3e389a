using MediatR;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TapRoom.Contracts;
using TapRoom.ControllerAgent;
using TapRoom.Server.Data;
using TapRoom.Server.Features.Visits;
using TapRoom.Server.Infrastructure;

namespace TapRoom.Server.Features.Demo;

/// <summary>
/// <c>--demo</c>: once the server listens, seeds the demo venue (<see cref="DemoSeeder"/>) and runs the real controller
/// agent in-process (<see cref="SimulatedBar"/>: one simulated controller for the demo taps, whose guests pour now and
/// then) against the server's own address, over the same SignalR hub a Raspberry Pi would use. In-process rather than a
/// child process: nothing to locate or build separately, one log, and the agent stops with the server. The desk "tops up"
/// demo guests who run low so the bar keeps pouring.
/// </summary>
public sealed class DemoBar(
    IServiceProvider services,
    IServer server,
    IHostApplicationLifetime lifetime,
    IOptions<TapRoomOptions> options,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<DemoBar>();

    /// <summary>The seeded demo controller, once the bar runs (tests read it).</summary>
    public DemoSeeder.DemoController? Controller { get; private set; }

    /// <summary>Where the simulated controller serves its tap screens, once it runs (empty if it could not listen).</summary>
    public IReadOnlyList<Uri> ScreenAddresses { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try { await started.Task; } catch (OperationCanceledException) { return; }
        }

        var demo = await DemoSeeder.SeedAsync(services, stoppingToken);
        Controller = demo;
        var url = ServerUrl();
        int pulsesPerLiter;
        using (var scope = services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
            pulsesPerLiter = await db.Controllers.Where(c => c.Id == demo.ControllerId).Select(c => c.PulsesPerLiter).SingleAsync(stoppingToken);
        }
        _logger.LogWarning("Demo venue ready: {Taps} simulated taps pour at {Url}; sign in as '{Staff}' or '{Manager}' (the demo passwords are in the README)",
            demo.TapIds.Count, url, DemoSeeder.StaffLogin, DemoSeeder.ManagerLogin);

        var demoOptions = options.Value.DemoBar;
        var bar = SimulatedBar.RunAsync(url, demo.ApiKey, new SimulatedBarOptions
        {
            TapCount = demo.TapIds.Count,
            DataDirectory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "demo-agent"),
            CardUids = demo.CardUids,
            MeanSecondsBetweenPours = demoOptions.MeanSecondsBetweenPours,
            PulsesPerLiter = pulsesPerLiter,
            // Tap 1's meter is 4 % off the configured factor, so a guided calibration in the demo has something to find.
            TruePulsesPerLiter = [(int)Math.Round(pulsesPerLiter * 1.04)],
            Screen = new ControllerAgent.Screen.ScreenSettings { Urls = demoOptions.ScreenUrls },
            Loggers = new ShutdownQuietLoggers(loggers, lifetime.ApplicationStopping),
            Started = host =>
            {
                ScreenAddresses = host.ScreenServer?.Addresses ?? [];
                if (ScreenAddresses.Count > 0)
                    _logger.LogWarning("Demo tap screens: {Url}taps/1 … taps/{Count}", ScreenAddresses[0], demo.TapIds.Count);
            },
        }, stoppingToken);
        var refill = RefillLoopAsync(demo, TimeSpan.FromSeconds(Math.Max(1, demoOptions.RefillSeconds)), stoppingToken);
        await Task.WhenAll(bar, refill);
    }

    private Uri ServerUrl()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal)) ?? addresses.First();
        var uri = new UriBuilder(address.Replace("://+", "://localhost").Replace("://*", "://localhost"));
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "localhost") uri.Host = "127.0.0.1";
        return uri.Uri;
    }

    private async Task RefillLoopAsync(DemoSeeder.DemoController demo, TimeSpan every, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await RefillAsync(demo, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning("Demo refill skipped: {Error}", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    /// <summary>Demo guests who are nearly out of money or volume get a top-up or a raised limit, as the desk would.</summary>
    private async Task RefillAsync(DemoSeeder.DemoController demo, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        var visits = await db.Visits.AsNoTracking()
            .Where(v => v.Status == VisitStatus.Active && v.Card != null && demo.CardUids.Contains(v.Card.Uid)).ToListAsync(ct);
        foreach (var v in visits)
        {
            if (v.Balance < 10m) await mediator.Send(new TopUpVisit.Command(v.Id, 40m, "demo: the guest tops up at the desk"), ct);
            if (v.VolumeLimitMl - v.PouredVolumeMl < 1000)
                await mediator.Send(new RaiseVisitLimit.Command(v.Id, v.VolumeLimitMl + 2000, "demo: the guest asks for more"), ct);
        }
    }
}
