using TapRoom.ControllerAgent.Hardware.Gpio;
using TapRoom.ControllerAgent.Pouring;
using TapRoom.ControllerAgent.Screen;

namespace TapRoom.ControllerAgent;

public enum AgentMode { Tap, Desk }

public enum HardwareMode { Simulated, Linux }

/// <summary>The agent's settings (section <c>Agent</c>: appsettings.json, then <c>Agent__X</c> environment variables, then the command line).</summary>
public sealed class AgentSettings
{
    public const string Section = "Agent";

    /// <summary>The server, or several comma-separated (<c>--server URL1,URL2</c>): the agent fails over in this order.</summary>
    public string ServerUrl { get; set; } = "http://127.0.0.1:5080";
    /// <summary>Several servers as a list (<c>Agent:ServerUrls:0</c>, …); when set, it replaces <see cref="ServerUrl"/>.</summary>
    public List<string> ServerUrls { get; set; } = [];
    /// <summary>
    /// With several servers: reconnect attempts to the current one (on <see cref="ReconnectDelaysMs"/>) before the agent
    /// moves to the next. A server that cannot be started on moves on at once.
    /// </summary>
    public int FailoverAfterAttempts { get; set; } = 3;
    /// <summary>
    /// The controller's API key. Never logged; prefer the environment (or a systemd credential) to the command line.
    /// Empty: the key file in <see cref="DataDirectory"/> (written by pairing), else the agent pairs by a code.
    /// </summary>
    public string ApiKey { get; set; } = "";
    /// <summary>With no <see cref="ApiKey"/> and no key file, how often the agent asks whether an admin adopted its pairing code.</summary>
    public int PairingPollMs { get; set; } = 3000;
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
    /// <summary>Temperature sensors (<c>Agent:Temperature</c>).</summary>
    public Temperature.TemperatureSettings Temperature { get; set; } = new();

    /// <summary>The servers to connect to, in failover order (<see cref="ServerUrls"/>, else <see cref="ServerUrl"/> split at commas).</summary>
    public IReadOnlyList<Uri> Servers
    {
        get
        {
            var urls = (ServerUrls.Count > 0 ? ServerUrls : [.. ServerUrl.Split(',')])
                .Select(u => u.Trim()).Where(u => u.Length > 0).ToList();
            if (urls.Count == 0) throw new InvalidOperationException("Agent:ServerUrl is empty: give the server's URL (--server http://host:5080, several comma-separated).");
            return urls.Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
                : throw new InvalidOperationException($"Agent:ServerUrl: '{u}' is not an http(s) URL (e.g. http://host:5080).")).ToList();
        }
    }

    public string AgentVersion => Version;

    /// <summary>The agent's version (the project's <c>Version</c>), as Hello reports it and <c>--version</c> prints it.</summary>
    public static string Version => typeof(AgentSettings).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public string JournalPath => Path.Combine(Path.GetFullPath(DataDirectory), "journal.db");

    public override string ToString() => $"AgentSettings {{ Servers = {string.Join(", ", ServerUrls.Count > 0 ? ServerUrls : [ServerUrl])}, Mode = {Mode}, Hardware = {Hardware}, DataDirectory = {DataDirectory} }}";
}

/// <summary>Pins and devices of a real controller: one <c>GpioController</c> over the configured libgpiod driver.</summary>
public sealed class LinuxHardwareSettings
{
    /// <summary>
    /// <c>LibGpiodV2</c> (libgpiod v2: Debian 13 / Raspberry Pi OS Trixie) or <c>LibGpiodV1</c> (Debian 12 / Bookworm).
    /// Always set explicitly: the library's default picks v1 even on a Pi 5.
    /// </summary>
    public GpioDriverKind GpioDriver { get; set; } = GpioDriverKind.LibGpiodV2;
    /// <summary>The GPIO chip number (<c>/dev/gpiochipN</c>): 0 on a Pi 5 with a current kernel and on a Pi 4 (older Pi 5 kernels: 4).</summary>
    public int GpioChip { get; set; }
    /// <summary>One entry per tap this controller drives, in the order of the server's taps (by number).</summary>
    public List<LinuxTapPins> Taps { get; set; } = [];
    /// <summary>The desk reader (desk mode). Taps name their own reader in <see cref="LinuxTapPins.Reader"/>.</summary>
    public CardReaderSettings Reader { get; set; } = new();
    /// <summary>No read of the card for this long is a removal (keyboard readers repeat the UID; NFC readers are polled).</summary>
    public int ReaderPresenceTimeoutMs { get; set; } = 800;
}

public sealed class LinuxTapPins
{
    /// <summary>The flow meter's pulse input (line number on the chip; on a Pi the BCM GPIO number).</summary>
    public int MeterLine { get; set; } = 17;
    /// <summary>Enable the pin's internal pull-up for an open-collector meter output.</summary>
    public bool MeterPullUp { get; set; } = true;
    /// <summary>The valve driver's output.</summary>
    public int ValveLine { get; set; } = 27;
    /// <summary>True when a high output opens the valve (relay or MOSFET driver); false for active-low relay boards.</summary>
    public bool ValveActiveHigh { get; set; } = true;
    public CardReaderSettings Reader { get; set; } = new();
}

public enum CardReaderKind
{
    /// <summary>A USB reader that types the UID as a keyboard (<c>/dev/input/eventN</c>).</summary>
    Keyboard,
    /// <summary>NXP PN532 over I2C, SPI or UART (Iot.Device.Pn532).</summary>
    Pn532,
    /// <summary>NXP MFRC522 (RC522 modules) over SPI (Iot.Device.Mfrc522).</summary>
    Mfrc522,
}

public enum ReaderBus { I2c, Spi, Uart }

/// <summary>One card reader. Only the keys of the chosen <see cref="Kind"/> (and <see cref="Bus"/>) matter.</summary>
public sealed class CardReaderSettings
{
    public CardReaderKind Kind { get; set; } = CardReaderKind.Keyboard;
    /// <summary>Keyboard: the input device, best a stable <c>/dev/input/by-id/...-event-kbd</c> link.</summary>
    public string Device { get; set; } = "/dev/input/event0";
    /// <summary>PN532: I2c, Spi or Uart (set the board's jumpers/switches to match). MFRC522: Spi.</summary>
    public ReaderBus Bus { get; set; } = ReaderBus.I2c;
    /// <summary>I2C bus number (<c>/dev/i2c-N</c>).</summary>
    public int I2cBus { get; set; } = 1;
    /// <summary>The PN532's 7-bit I2C address (0x24 = 36).</summary>
    public int I2cAddress { get; set; } = 0x24;
    /// <summary>SPI bus number and chip select (<c>/dev/spidevBUS.CS</c>).</summary>
    public int SpiBus { get; set; }
    public int SpiChipSelect { get; set; }
    /// <summary>PN532 over SPI (required there): the GPIO line wired to SS, which the binding drives as chip select.</summary>
    public int ChipSelectLine { get; set; } = -1;
    /// <summary>MFRC522: the GPIO line wired to RST (hardware reset at start); -1 when not wired.</summary>
    public int ResetLine { get; set; } = -1;
    /// <summary>PN532 over UART: the serial port (115200 baud).</summary>
    public string SerialPort { get; set; } = "/dev/serial0";
    /// <summary>NFC readers: how often the field is polled.</summary>
    public int PollIntervalMs { get; set; } = 100;

    public override string ToString() => Kind switch
    {
        CardReaderKind.Keyboard => $"keyboard {Device}",
        CardReaderKind.Pn532 when Bus == ReaderBus.I2c => $"PN532 I2C bus {I2cBus} address 0x{I2cAddress:X2}",
        CardReaderKind.Pn532 when Bus == ReaderBus.Uart => $"PN532 UART {SerialPort}",
        CardReaderKind.Pn532 => $"PN532 SPI {SpiBus}.{SpiChipSelect}",
        _ => $"MFRC522 SPI {SpiBus}.{SpiChipSelect}",
    };
}

public sealed class SimulationSettings
{
    /// <summary>Simulated taps this controller drives with <c>Agent:Hardware</c> simulated (each a valve, a meter and a reader).</summary>
    public int Taps { get; set; } = 1;
    /// <summary><c>stdin</c>: cards are presented and removed by lines on standard input (tests, scripts); empty: never.</summary>
    public string Control { get; set; } = "";
    public int PulsesPerLiter { get; set; } = 450;
    /// <summary>
    /// The true pulses per litre of each simulated tap, in tap order (<c>Agent:Simulation:TruePulsesPerLiter:0</c> = 472):
    /// the meter then differs from the factor the server configured, as a real one does until a guided calibration
    /// finds it. A tap not listed (or 0) is true to <see cref="PulsesPerLiter"/>.
    /// </summary>
    public List<int> TruePulsesPerLiter { get; set; } = [];
    public double FlowRateMlPerSecond { get; set; } = 60;
    public double NoisePercent { get; set; } = 5;
    /// <summary>Card UIDs the simulated guests present now and then; empty: the simulated taps stay idle.</summary>
    public List<string> CardUids { get; set; } = [];
    public int MeanSecondsBetweenPours { get; set; } = 20;
    public int MinPourMl { get; set; } = 150;
    public int MaxPourMl { get; set; } = 500;
    /// <summary>Simulated sensors' temperature per zone in °C (<c>Agent:Simulation:Temperatures:cooler</c>).</summary>
    public Dictionary<string, double> Temperatures { get; set; } = [];

    /// <summary>The true factor of simulated tap <paramref name="index"/> (0-based).</summary>
    public int TrueFactorOf(int index) => TrueFactorOf(TruePulsesPerLiter, index, PulsesPerLiter);

    public static int TrueFactorOf(IReadOnlyList<int> truth, int index, int configured) =>
        index < truth.Count && truth[index] > 0 ? truth[index] : configured;
}
