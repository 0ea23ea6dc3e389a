using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TapRoom.ControllerAgent.Hardware;
using System.Device.Gpio;
using TapRoom.ControllerAgent.Hardware.Gpio;
using TapRoom.ControllerAgent.Hardware.Nfc;
using TapRoom.ControllerAgent.Hardware.Simulated;

namespace TapRoom.ControllerAgent;

/// <summary>Builds the hardware the settings name and runs an <see cref="AgentHost"/> (or a simulated bar) until the host stops.</summary>
public sealed class AgentWorker(AgentSettings settings, ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<AgentWorker>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The host stops on a failed worker; a service manager must see that as a failure (and restart it).
            _logger.LogCritical(ex, "The agent stopped: {Error}", ex.Message);
            Environment.ExitCode = 1;
            throw;
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        _logger.LogInformation("TapRoom agent {Version} starting: {Settings}", settings.AgentVersion, settings);

        if (settings.Simulate > 0)
        {
            if (string.IsNullOrWhiteSpace(settings.ApiKey))
                throw new InvalidOperationException("--simulate needs Agent:ApiKey (environment variable Agent__ApiKey): a simulated bar does not pair.");
            var options = SimulatedBarOptions.From(settings);
            options.Loggers = loggers;
            await SimulatedBar.RunAsync(settings.Servers, settings.ApiKey, options, stoppingToken);
            return;
        }

        var taps = new List<TapHardware>();
        var rigs = new List<SimulatedTapRig>();
        ICardReader? desk = null;
        GpioController? gpio = null;
        try
        {
            var linux = settings.Linux;
            var presence = TimeSpan.FromMilliseconds(linux.ReaderPresenceTimeoutMs);
            if (settings.Hardware == HardwareMode.Linux && (settings.Mode == AgentMode.Tap || linux.Reader.Kind != CardReaderKind.Keyboard))
            {
                _logger.LogInformation("GPIO: {Driver} on gpiochip{Chip}", linux.GpioDriver, linux.GpioChip);
                gpio = GpioControllers.Create(linux.GpioDriver, linux.GpioChip);
            }
            if (settings.Mode == AgentMode.Desk)
            {
                desk = settings.Hardware == HardwareMode.Linux
                    ? CardReaders.Create(settings.ReaderId, linux.Reader, presence, gpio!, loggers)
                    : new SimulatedCardReader(settings.ReaderId);
            }
            else if (settings.Hardware == HardwareMode.Linux)
            {
                var i = 0;
                foreach (var pins in linux.Taps)
                {
                    i++;
                    _logger.LogInformation("Tap {Slot}: meter line {Meter}, valve line {Valve} (active {Level}), reader {Reader}",
                        i, pins.MeterLine, pins.ValveLine, pins.ValveActiveHigh ? "high" : "low", pins.Reader);
                    // Each part is owned by the list as soon as it exists, so a failure half-way still closes the valve.
                    var valve = new GpioValve(gpio!, pins.ValveLine, pins.ValveActiveHigh);
                    IFlowMeter? meter = null;
                    try
                    {
                        meter = new GpioFlowMeter(gpio!, pins.MeterLine, pins.MeterPullUp);
                        taps.Add(new TapHardware(valve, meter, CardReaders.Create($"{settings.ReaderId}-{i}", pins.Reader, presence, gpio!, loggers)));
                    }
                    catch
                    {
                        valve.Dispose();
                        meter?.Dispose();
                        throw;
                    }
                }
            }
            else
            {
                for (var i = 1; i <= Math.Max(1, settings.Simulation.Taps); i++)
                {
                    var rig = new SimulatedTapRig(i == 1 ? settings.ReaderId : $"{settings.ReaderId}-{i}", settings.Simulation.FlowRateMlPerSecond,
                        settings.Simulation.TrueFactorOf(i - 1), settings.Simulation.NoisePercent);
                    rigs.Add(rig);
                    taps.Add(rig.Hardware);
                }
            }

            await using var host = new AgentHost(settings, taps, desk, loggers: loggers);
            await host.StartAsync(stoppingToken);
            if (rigs.Count > 0 && string.Equals(settings.Simulation.Control, "stdin", StringComparison.OrdinalIgnoreCase))
                _ = Task.Run(() => new SimulationConsole(rigs, Console.In, loggers.CreateLogger<SimulationConsole>()).RunAsync(stoppingToken), CancellationToken.None);
            await Task.Delay(Timeout.Infinite, stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
        }
        finally
        {
            foreach (var t in taps) t.Dispose();
            foreach (var r in rigs) r.Dispose();
            desk?.Dispose();
            gpio?.Dispose();
        }
    }
}
