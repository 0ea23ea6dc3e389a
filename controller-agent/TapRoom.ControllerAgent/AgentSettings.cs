using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Screen;

namespace TapRoom.ControllerAgent;

public enum AgentMode { Tap, Desk }

public enum HardwareMode { Simulated, Linux }

/// <summary>The agent's settings (section <c>Agent</c>: appsettings.json, then <c>Agent__X</c> environment variables, then the command line).</summary>
public sealed class AgentSettings
{
    public const string Section = "Agent";

    public string ServerUrl { get; set; } = "http://127.0.0.1:5080";
    /// <summary>The controller's API key. Never logged; prefer the environment (or a systemd credential) to the command line.</summary>
    public string ApiKey { get; set; } = "";
    public AgentMode Mode { get; set; } = AgentMode.Tap;
    public HardwareMode Hardware { get; set; } = HardwareMode.Simulated;
    /// <summary>Where the journal lives (journal.db).</summary>
    public string DataDirectory { get; set; } = "./data";
    /// <summary>Names the card reader in CardPresented/CardRemoved (desk mode). Defaults to the machine name.</summary>
    public string ReaderId { get; set; } = Environment.MachineName;
    /// <summary><c>--simulate N</c>: run N simulated taps (ignores <see cref="Hardware"/>).</summary>
    public int Simulate { get; set; }
    /// <summary>Reconnect and first-connect delays; empty: the default 0, 1, 2, 5, 10 s schedule.</summary>
    public int[] ReconnectDelaysMs { get; set; } = [];
    public PourSettings Pour { get; set; } = new();
    public LinuxHardwareSettings Linux { get; set; } = new();
    public SimulationSettings Simulation { get; set; } = new();
    /// <summary>The guest screens of the taps (<c>Agent:Screen</c>).</summary>
    public ScreenSettings Screen { get; set; } = new();

    public string AgentVersion => typeof(AgentSettings).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public string JournalPath => Path.Combine(Path.GetFullPath(DataDirectory), "journal.db");

    public override string ToString() => $"AgentSettings {{ ServerUrl = {ServerUrl}, Mode = {Mode}, Hardware = {Hardware}, DataDirectory = {DataDirectory} }}";
}

/// <summary>Pins and devices of a real tap (BCM numbering on a Raspberry Pi's gpiochip0).</summary>
public sealed class LinuxHardwareSettings
{
    public string GpioChip { get; set; } = "gpiochip0";
    /// <summary>One entry per tap this controller drives, in the order of the server's taps (by number).</summary>
    public List<LinuxTapPins> Taps { get; set; } = [];
    /// <summary>The desk reader (desk mode). Taps name their own reader in <see cref="LinuxTapPins.ReaderDevice"/>.</summary>
    public string ReaderDevice { get; set; } = "";
    /// <summary>The reader repeats the UID while the card is in the field; this long without a read is a removal.</summary>
    public int ReaderPresenceTimeoutMs { get; set; } = 800;
}

public sealed class LinuxTapPins
{
    public int MeterLine { get; set; } = 17;
    public int ValveLine { get; set; } = 27;
    /// <summary>True when a high output opens the valve (relay or MOSFET driver); false for active-low relay boards.</summary>
    public bool ValveActiveHigh { get; set; } = true;
    public string ReaderDevice { get; set; } = "/dev/input/event0";
}

public sealed class SimulationSettings
{
    public int PulsesPerLiter { get; set; } = 450;
    public double FlowRateMlPerSecond { get; set; } = 60;
    public double NoisePercent { get; set; } = 5;
    /// <summary>Card UIDs the simulated guests present now and then; empty: the simulated taps stay idle.</summary>
    public List<string> CardUids { get; set; } = [];
    public int MeanSecondsBetweenPours { get; set; } = 20;
    public int MinPourMl { get; set; } = 150;
    public int MaxPourMl { get; set; } = 500;
}
