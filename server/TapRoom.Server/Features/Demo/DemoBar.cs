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
/// <c>--demo</c>: once the server listens, seeds the demo chain (<see cref="DemoSeeder"/>: two venues) and runs the real
/// controller agent in-process (<see cref="SimulatedBar"/>: one simulated controller per venue, whose guests pour now and
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

    /// <summary>The seeded demo controller of the first venue (Taproom Mitte), once the bar runs (tests read it).</summary>
    public DemoSeeder.DemoController? Controller { get; private set; }

    /// <summary>Every venue's demo controller (Taproom Mitte, then Taproom Hafen), once the bar runs.</summary>
    public IReadOnlyList<DemoSeeder.DemoController> Controllers { get; private set; } = [];

    /// <summary>Where the first venue's simulated controller serves its tap screens, once it runs (empty if it could not listen).</summary>
    public IReadOnlyList<Uri> ScreenAddresses { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try { await started.Task; } catch (OperationCanceledException) { return; }
        }

        var demos = await DemoSeeder.SeedAsync(services, stoppingToken);
        Controllers = demos;
        Controller = demos[0];
        var url = ServerUrl();
        _logger.LogWarning("Demo chain ready: {Venues} at {Url}; sign in as '{Staff}' or '{Manager}' (Mitte), '{HafenStaff}' or '{HafenManager}' (Hafen), or 'admin' (both); the demo passwords are in the README",
            string.Join(", ", demos.Select(d => $"{d.VenueName} ({d.TapIds.Count} simulated taps)")), url,
            DemoSeeder.StaffLogin, DemoSeeder.ManagerLogin, DemoSeeder.HafenStaffLogin, DemoSeeder.HafenManagerLogin);

        var demoOptions = options.Value.DemoBar;
        var bars = new List<Task>();
        for (var i = 0; i < demos.Count; i++)
        {
            var demo = demos[i];
            var first = i == 0;
            int pulsesPerLiter;
            using (var scope = services.CreateScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
                pulsesPerLiter = await db.Controllers.Where(c => c.Id == demo.ControllerId).Select(c => c.PulsesPerLiter).SingleAsync(stoppingToken);
            }
            // One simulated controller per venue, each with its own journal; the first venue's screens are at the
            // configured address, the others' wherever the system puts them (logged).
            bars.Add(SimulatedBar.RunAsync(url, demo.ApiKey, new SimulatedBarOptions
            {
                TapCount = demo.TapIds.Count,
                DataDirectory = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), first ? "demo-agent" : $"demo-agent-{i + 1}"),
                CardUids = demo.CardUids,
                MeanSecondsBetweenPours = demoOptions.MeanSecondsBetweenPours,
                PulsesPerLiter = pulsesPerLiter,
                // Mitte's tap 1 meter is 4 % off the configured factor, so a guided calibration in the demo has something to find.
                TruePulsesPerLiter = first ? [(int)Math.Round(pulsesPerLiter * 1.04)] : [],
                Screen = new ControllerAgent.Screen.ScreenSettings { Urls = first ? demoOptions.ScreenUrls : "http://127.0.0.1:0" },
                // A cooler and a tower at each venue, each with a simulated sensor (their zones appear on the first reading).
                Temperature = new ControllerAgent.Temperature.TemperatureSettings
                {
                    IntervalSeconds = 15,
                    Sensors =
                    [
                        new() { Id = $"sim-cooler-{i + 1}", Zone = "Cooler", Kind = ControllerAgent.Temperature.TemperatureSensorKinds.Simulated },
                        new() { Id = $"sim-tower-{i + 1}", Zone = "Tower", Kind = ControllerAgent.Temperature.TemperatureSensorKinds.Simulated },
                    ],
                },
                Temperatures = first ? new() { ["Cooler"] = 3.2, ["Tower"] = 4.6 } : new() { ["Cooler"] = 3.6, ["Tower"] = 5.1 },
                Loggers = new ShutdownQuietLoggers(loggers, lifetime.ApplicationStopping),
                Started = host =>
                {
                    var addresses = host.ScreenServer?.Addresses ?? [];
                    if (first) ScreenAddresses = addresses;
                    if (addresses.Count > 0)
                        _logger.LogWarning("Demo tap screens of {Venue}: {Url}taps/1 … taps/{Count}", demo.VenueName, addresses[0], demo.TapIds.Count);
                },
            }, stoppingToken));
        }
        var refill = RefillLoopAsync(demos.SelectMany(d => d.CardUids).ToList(), TimeSpan.FromSeconds(Math.Max(1, demoOptions.RefillSeconds)), stoppingToken);
        await Task.WhenAll([.. bars, refill]);
    }

    private Uri ServerUrl()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal)) ?? addresses.First();
        var uri = new UriBuilder(address.Replace("://+", "://localhost").Replace("://*", "://localhost"));
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "localhost") uri.Host = "127.0.0.1";
        return uri.Uri;
    }

    private async Task RefillLoopAsync(IReadOnlyList<string> cardUids, TimeSpan every, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await RefillAsync(cardUids, ct);
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
    private async Task RefillAsync(IReadOnlyList<string> cardUids, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TapRoomDbContext>();
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        var visits = await db.Visits.AsNoTracking()
            .Where(v => v.Status == VisitStatus.Active && v.Card != null && cardUids.Contains(v.Card.Uid)).ToListAsync(ct);
        foreach (var v in visits)
        {
            if (v.Balance < 10m) await mediator.Send(new TopUpVisit.Command(v.Id, 40m, "demo: the guest tops up at the desk"), ct);
            if (v.VolumeLimitMl - v.PouredVolumeMl < 1000)
                await mediator.Send(new RaiseVisitLimit.Command(v.Id, v.VolumeLimitMl + 2000, "demo: the guest asks for more"), ct);
        }
    }
}
