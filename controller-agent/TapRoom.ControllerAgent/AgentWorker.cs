using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TapRoom.ControllerAgent.Hardware;
using TapRoom.ControllerAgent.Hardware.Linux;
using TapRoom.ControllerAgent.Hardware.Simulated;

namespace TapRoom.ControllerAgent;

/// <summary>Builds the hardware the settings name and runs an <see cref="AgentHost"/> (or a simulated bar) until the host stops.</summary>
public sealed class AgentWorker(AgentSettings settings, ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<AgentWorker>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (string.IsNullOrWhiteSpace(settings.ApiKey))
            throw new InvalidOperationException("Agent:ApiKey is not set (environment variable Agent__ApiKey).");
        _logger.LogInformation("TapRoom agent {Version} starting: {Settings}", settings.AgentVersion, settings);

        if (settings.Simulate > 0)
        {
            var options = SimulatedBarOptions.From(settings);
            options.Loggers = loggers;
            await SimulatedBar.RunAsync(new Uri(settings.ServerUrl), settings.ApiKey, options, stoppingToken);
            return;
        }

        var taps = new List<TapHardware>();
        var rigs = new List<SimulatedTapRig>();
        ICardReader? desk = null;
        try
        {
            if (settings.Mode == AgentMode.Desk)
            {
                desk = settings.Hardware == HardwareMode.Linux
                    ? new LinuxInputCardReader(settings.ReaderId, settings.Linux.ReaderDevice, TimeSpan.FromMilliseconds(settings.Linux.ReaderPresenceTimeoutMs))
                    : new SimulatedCardReader(settings.ReaderId);
            }
            else if (settings.Hardware == HardwareMode.Linux)
            {
                var i = 0;
                foreach (var pins in settings.Linux.Taps)
                {
                    i++;
                    taps.Add(new TapHardware(new GpiodValve(settings.Linux.GpioChip, pins.ValveLine, pins.ValveActiveHigh),
                        new GpiodFlowMeter(settings.Linux.GpioChip, pins.MeterLine),
                        new LinuxInputCardReader($"{settings.ReaderId}-{i}", pins.ReaderDevice, TimeSpan.FromMilliseconds(settings.Linux.ReaderPresenceTimeoutMs))));
                }
            }
            else
            {
                var rig = new SimulatedTapRig(settings.ReaderId, settings.Simulation.FlowRateMlPerSecond, settings.Simulation.PulsesPerLiter, settings.Simulation.NoisePercent);
                rigs.Add(rig);
                taps.Add(rig.Hardware);
            }

            await using var host = new AgentHost(settings, taps, desk, loggers: loggers);
            await host.StartAsync(stoppingToken);
            await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
        }
        finally
        {
            foreach (var t in taps) t.Dispose();
            foreach (var r in rigs) r.Dispose();
            desk?.Dispose();
        }
    }
}
