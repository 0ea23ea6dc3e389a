namespace TapRoom.ControllerAgent.Temperature;

/// <summary>The controller's temperature sensors (<c>Agent:Temperature</c>): none by default.</summary>
public sealed class TemperatureSettings
{
    /// <summary>Seconds between two readings of every sensor.</summary>
    public int IntervalSeconds { get; set; } = 30;
    /// <summary>Readings kept while the server cannot be reached (older ones are dropped), sent after reconnecting.</summary>
    public int KeepMinutes { get; set; } = 60;
    public List<TemperatureSensorSettings> Sensors { get; set; } = [];
}

public static class TemperatureSensorKinds
{
    public const string Ds18b20 = "ds18b20";
    public const string Simulated = "simulated";
}

/// <summary>One sensor: <c>Kind</c> <c>ds18b20</c> (its <c>Id</c> is the 1-Wire device id, 28-…) or <c>simulated</c>.</summary>
public sealed class TemperatureSensorSettings
{
    public string Id { get; set; } = "";
    /// <summary>The venue's zone it measures (cooler, tower, python, room): the server creates a zone it does not know.</summary>
    public string Zone { get; set; } = "";
    public string Kind { get; set; } = TemperatureSensorKinds.Ds18b20;
    /// <summary>The 1-Wire bus of a DS18B20 (<c>/sys/bus/w1/devices/w1_bus_master1</c>).</summary>
    public string Bus { get; set; } = "w1_bus_master1";
}
