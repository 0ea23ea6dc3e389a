using Iot.Device.OneWire;
using TapRoom.Contracts;

namespace TapRoom.ControllerAgent.Temperature;

/// <summary>A temperature sensor as the monitor reads it. <see cref="Read"/> may block (a DS18B20 takes ~0.75 s) and may throw.</summary>
public interface ITemperatureSensor
{
    string Id { get; }
    string Zone { get; }
    /// <summary>Degrees Celsius, or null when the sensor had nothing usable this time (power-on value, out of range).</summary>
    double? Read();
}

/// <summary>
/// The 1-Wire thermometer as Iot.Device.Bindings offers it: the seam where tests put a fake device. The binding
/// throws when the device's CRC check fails, and returns 85.0 °C before the first conversion after power-on.
/// </summary>
public interface IOneWireThermometer
{
    string BusId { get; }
    string DeviceId { get; }
    double ReadCelsius();
}

/// <summary>A DS18B20 through Iot.Device.Bindings' <see cref="OneWireThermometerDevice"/> (reads the kernel's w1_slave file).</summary>
public sealed class BindingOneWireThermometer(string busId, string deviceId) : IOneWireThermometer
{
    private readonly OneWireThermometerDevice _device = new(busId, deviceId);

    public string BusId => busId;
    public string DeviceId => deviceId;
    public double ReadCelsius() => _device.ReadTemperature().DegreesCelsius;
}

/// <summary>A DS18B20: what the binding reads, with its power-on value and anything outside its range dropped.</summary>
public sealed class Ds18b20Sensor(string zone, IOneWireThermometer device) : ITemperatureSensor
{
    public string Id => device.DeviceId;
    public string Zone => zone;

    public double? Read()
    {
        var celsius = device.ReadCelsius();
        return TemperatureReadingRules.IsPlausible(celsius) ? Math.Round(celsius, 4) : null; // its steps are 0.0625 °C
    }
}

/// <summary>A simulated sensor: its <see cref="Celsius"/> (settable) plus a little noise.</summary>
public sealed class SimulatedTemperatureSensor(string id, string zone, double celsius, int? seed = null) : ITemperatureSensor
{
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();
    private readonly Lock _gate = new();

    public string Id => id;
    public string Zone => zone;
    public double Celsius { get; set; } = celsius;
    /// <summary>Noise, ± this many °C.</summary>
    public double NoiseC { get; set; } = 0.15;

    public double? Read()
    {
        lock (_gate) return Math.Round(Celsius + (_random.NextDouble() * 2 - 1) * NoiseC, 2);
    }
}

public static class TemperatureSensorFactory
{
    /// <summary>Simulated zones start here unless <c>Agent:Simulation:Temperatures:&lt;zone&gt;</c> says otherwise.</summary>
    public static double DefaultSimulatedCelsius(string zone) => zone.Trim().ToLowerInvariant() switch
    {
        "cooler" => 3.0,
        "tower" or "python" => 4.0,
        "room" => 21.0,
        _ => 10.0,
    };

    public static IReadOnlyList<ITemperatureSensor> FromSettings(TemperatureSettings temperature, IReadOnlyDictionary<string, double> simulated)
    {
        var sensors = new List<ITemperatureSensor>();
        foreach (var s in temperature.Sensors)
        {
            if (string.IsNullOrWhiteSpace(s.Id) || string.IsNullOrWhiteSpace(s.Zone))
                throw new InvalidOperationException("Agent:Temperature:Sensors: every sensor needs an Id and a Zone.");
            sensors.Add(s.Kind.Trim().ToLowerInvariant() switch
            {
                TemperatureSensorKinds.Ds18b20 => new Ds18b20Sensor(s.Zone, new BindingOneWireThermometer(s.Bus, s.Id)),
                TemperatureSensorKinds.Simulated => new SimulatedTemperatureSensor(s.Id, s.Zone,
                    simulated.FirstOrDefault(kv => string.Equals(kv.Key, s.Zone, StringComparison.OrdinalIgnoreCase)) is { Key: not null } set ? set.Value : DefaultSimulatedCelsius(s.Zone)),
                var other => throw new InvalidOperationException($"Agent:Temperature:Sensors: kind '{other}' is not known; the kinds are ds18b20 and simulated."),
            });
        }
        return sensors;
    }
}
