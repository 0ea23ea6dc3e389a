using Microsoft.Extensions.Logging;

namespace TapRoom.ControllerAgent.Hardware.Simulated;

/// <summary>
/// Drives the simulated taps from lines of text (<c>Agent:Simulation:Control</c> = <c>stdin</c>), so a test or a script
/// can pour with the published agent as a separate process: <c>present N UID</c> puts a card on tap N's reader,
/// <c>remove N</c> takes it off. Each command is acknowledged on the log.
/// </summary>
public sealed class SimulationConsole(IReadOnlyList<SimulatedTapRig> rigs, TextReader input, ILogger logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var line = await input.ReadLineAsync(ct);
            if (line is null) return;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 0) continue;
            if (parts.Length < 2 || !int.TryParse(parts[1], out var n) || n < 1 || n > rigs.Count)
            {
                logger.LogWarning("Simulation: '{Line}' not understood (present N UID, remove N; taps 1 to {Count})", line, rigs.Count);
                continue;
            }
            var reader = rigs[n - 1].Reader;
            switch (parts[0])
            {
                case "present" when parts.Length == 3:
                    reader.Present(parts[2]);
                    logger.LogInformation("Simulation: card {Uid} presented at tap {Tap}", parts[2], n);
                    break;
                case "remove":
                    reader.Remove();
                    logger.LogInformation("Simulation: card removed at tap {Tap}", n);
                    break;
                default:
                    logger.LogWarning("Simulation: '{Line}' not understood (present N UID, remove N)", line);
                    break;
            }
        }
    }
}
