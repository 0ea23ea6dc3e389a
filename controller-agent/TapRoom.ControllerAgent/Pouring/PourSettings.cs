namespace TapRoom.ControllerAgent.Pouring;

/// <summary>The agent-side timing of a pour. The tap's own limits (maximum, idle timeout, calibration) come from the server.</summary>
public sealed class PourSettings
{
    /// <summary>A card read again within this window of its last presentation is the same presentation: one authorisation.</summary>
    public int CardDebounceMs { get; set; } = 1500;
    /// <summary>No answer to Authorize within this time: deny locally (fail closed).</summary>
    public int AuthorizeTimeoutMs { get; set; } = 3000;
    public int ProgressIntervalMs { get; set; } = 250;
    public int CheckpointIntervalMs { get; set; } = 1000;
    /// <summary>Pulses that still arrive this long after the valve closed belong to the pour (the line drains).</summary>
    public int SettleMs { get; set; } = 300;
    /// <summary>Flow at a closed valve below this volume is noise (vibration, a bubble), not a leak.</summary>
    public int GhostFlowThresholdMl { get; set; } = 15;
    /// <summary>Stray pulses older than this are forgotten.</summary>
    public int GhostFlowWindowMs { get; set; } = 10_000;
    public int TickIntervalMs { get; set; } = 50;
}
