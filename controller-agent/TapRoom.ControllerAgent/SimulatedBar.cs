using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TapRoom.ControllerAgent.Hardware;
using TapRoom.ControllerAgent.Hardware.Simulated;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Screen;

namespace TapRoom.ControllerAgent;

public sealed class SimulatedBarOptions
{
    /// <summary>How many simulated taps this one controller drives (matched in order to the controller's taps on the server).</summary>
    public int TapCount { get; set; } = 1;
    /// <summary>Where the simulated controller keeps its journal. Required: one directory per simulated controller.</summary>
    public required string DataDirectory { get; set; }
    /// <summary>Cards the simulated guests present. Empty: the taps stay idle (but connected).</summary>
    public IReadOnlyList<string> CardUids { get; set; } = [];
    public int MeanSecondsBetweenPours { get; set; } = 20;
    public int MinPourMl { get; set; } = 150;
    public int MaxPourMl { get; set; } = 500;
    public double FlowRateMlPerSecond { get; set; } = 60;
    /// <summary>The simulated meter's true calibration; keep it equal to the controller's pulsesPerLiter on the server.</summary>
    public int PulsesPerLiter { get; set; } = 450;
    /// <summary>Taps whose meter is truly off (<see cref="SimulationSettings.TruePulsesPerLiter"/>); the rest are true to <see cref="PulsesPerLiter"/>.</summary>
    public IReadOnlyList<int> TruePulsesPerLiter { get; set; } = [];
    public double NoisePercent { get; set; } = 5;
    public int? Seed { get; set; }
    /// <summary>Reconnect and first-connect delays; empty: the default 0, 1, 2, 5, 10 s schedule.</summary>
    public int[] ReconnectDelaysMs { get; set; } = [];
    /// <summary>With several servers: reconnect attempts to one before moving to the next (<see cref="AgentSettings.FailoverAfterAttempts"/>).</summary>
    public int FailoverAfterAttempts { get; set; } = 3;
    public PourSettings Pour { get; set; } = new();
    /// <summary>The guest screens of the simulated taps (http://localhost:5090/taps/1 by default).</summary>
    public ScreenSettings Screen { get; set; } = new();
    /// <summary>The simulated controller's temperature sensors (kind <c>simulated</c>) and how often it reads them.</summary>
    public Temperature.TemperatureSettings Temperature { get; set; } = new();
    /// <summary>Simulated zones' temperatures in °C by zone name.</summary>
    public Dictionary<string, double> Temperatures { get; set; } = [];
    public ILoggerFactory? Loggers { get; set; }
    /// <summary>Called once the simulated controller runs (its screens listen): the demo reads where they are served.</summary>
    public Action<AgentHost>? Started { get; set; }

    public static SimulatedBarOptions From(AgentSettings s) => new()
    {
        TapCount = Math.Max(1, s.Simulate),
        DataDirectory = s.DataDirectory,
        CardUids = s.Simulation.CardUids,
        MeanSecondsBetweenPours = s.Simulation.MeanSecondsBetweenPours,
        MinPourMl = s.Simulation.MinPourMl,
        MaxPourMl = s.Simulation.MaxPourMl,
        FlowRateMlPerSecond = s.Simulation.FlowRateMlPerSecond,
        PulsesPerLiter = s.Simulation.PulsesPerLiter,
        TruePulsesPerLiter = s.Simulation.TruePulsesPerLiter,
        NoisePercent = s.Simulation.NoisePercent,
        ReconnectDelaysMs = s.ReconnectDelaysMs,
        FailoverAfterAttempts = s.FailoverAfterAttempts,
        Pour = s.Pour,
        Screen = s.Screen,
        Temperature = s.Temperature,
        Temperatures = s.Simulation.Temperatures,
    };
}

/// <summary>
/// N simulated taps behind one controller key, with simulated guests who now and then present one of the scripted
/// cards and pour a random volume (they take the card away when their glass is full, or when the tap refuses them).
/// This is what <c>--simulate N</c> runs, and what the server's <c>--demo</c> hosts in-process:
/// <code>_ = SimulatedBar.RunAsync(serverUrl, apiKey, new SimulatedBarOptions { TapCount = 4, DataDirectory = dir, CardUids = uids }, stopping);</code>
/// Runs until <paramref name="ct"/> is cancelled; every valve is closed when it returns.
/// </summary>
public static class SimulatedBar
{
    public static Task RunAsync(Uri server, string apiKey, SimulatedBarOptions options, CancellationToken ct) =>
        RunAsync([server], apiKey, options, ct);

    /// <summary>The same against several servers, in failover order.</summary>
    public static async Task RunAsync(IReadOnlyList<Uri> servers, string apiKey, SimulatedBarOptions options, CancellationToken ct)
    {
        var loggers = options.Loggers ?? NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger(typeof(SimulatedBar));
        var random = options.Seed is { } seed ? new Random(seed) : new Random();
        var rigs = Enumerable.Range(1, Math.Max(1, options.TapCount))
            .Select(i => new SimulatedTapRig($"sim-tap-{i}", options.FlowRateMlPerSecond,
                SimulationSettings.TrueFactorOf(options.TruePulsesPerLiter, i - 1, options.PulsesPerLiter), options.NoisePercent, seed: random.Next()))
            .ToList();
        var settings = new AgentSettings
        {
            ServerUrls = servers.Select(s => s.ToString()).ToList(),
            ApiKey = apiKey,
            DataDirectory = options.DataDirectory,
            ReconnectDelaysMs = options.ReconnectDelaysMs,
            FailoverAfterAttempts = options.FailoverAfterAttempts,
            Pour = options.Pour,
            Screen = options.Screen,
            Simulate = rigs.Count,
            Temperature = options.Temperature,
            Simulation = new SimulationSettings { Temperatures = options.Temperatures },
        };
        var host = new AgentHost(settings, rigs.Select(r => r.Hardware).ToList(), loggers: loggers);
        try
        {
            await host.StartAsync(ct);
            options.Started?.Invoke(host);
            var guests = rigs.Select((rig, i) => GuestsAsync(rig, options, new Random(random.Next()), logger, ct)).ToList();
            await Task.WhenAll(guests);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            await host.DisposeAsync();
            foreach (var rig in rigs) rig.Dispose();
        }
    }

    private static async Task GuestsAsync(SimulatedTapRig rig, SimulatedBarOptions options, Random random, ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var wait = -Math.Log(1 - random.NextDouble()) * Math.Max(1, options.MeanSecondsBetweenPours);
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(wait, options.MeanSecondsBetweenPours * 5.0)), ct);
            if (options.CardUids.Count == 0) continue;
            var uid = options.CardUids[random.Next(options.CardUids.Count)];
            var want = random.Next(options.MinPourMl, Math.Max(options.MinPourMl, options.MaxPourMl) + 1);
            var before = rig.PouredMl;
            rig.Reader.Present(uid);
            try
            {
                if (!await WaitAsync(() => rig.Valve.IsOpen, TimeSpan.FromSeconds(5), ct)) continue;
                await WaitAsync(() => !rig.Valve.IsOpen || rig.PouredMl - before >= want, TimeSpan.FromMinutes(2), ct);
                logger.LogDebug("Simulated guest {Uid} poured {Ml} ml at {Reader}", uid, rig.PouredMl - before, rig.Reader.ReaderId);
            }
            finally
            {
                rig.Reader.Remove();
            }
        }
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50, ct);
        }
        return true;
    }
}
