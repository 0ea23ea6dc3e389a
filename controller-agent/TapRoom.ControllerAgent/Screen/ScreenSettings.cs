namespace TapRoom.ControllerAgent.Screen;

/// <summary>The guest screen the agent serves to the kiosk browser at each tap (section <c>Agent:Screen</c>).</summary>
public sealed class ScreenSettings
{
    /// <summary>Serve the tap screen at all (tap mode only).</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Where Kestrel listens, <c>;</c>-separated. Port 0 picks a free port (tests).</summary>
    public string Urls { get; set; } = "http://localhost:5090";
    /// <summary>How long the total and the new balance stay up after a pour (a new card clears them at once).</summary>
    public int FinishedDisplayMs { get; set; } = 6000;
    /// <summary>A deny's message stays up at least this long, and as long as the card is at the reader.</summary>
    public int DeniedDisplayMs { get; set; } = 6000;
    /// <summary>How often the running pour is sampled and pushed (100 ms: ten updates a second).</summary>
    public int SampleIntervalMs { get; set; } = 100;
}
