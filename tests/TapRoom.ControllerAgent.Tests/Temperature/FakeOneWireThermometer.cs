using TapRoom.ControllerAgent.Temperature;

namespace TapRoom.ControllerAgent.Tests.Temperature;

/// <summary>
/// A DS18B20 on the 1-Wire bus as Iot.Device.Bindings presents it: each read takes the device's conversion time and
/// returns what the script says next (the power-on 85.0 °C, a value), or fails as the binding does on a bad CRC.
/// </summary>
public sealed class FakeOneWireThermometer(string deviceId, params Func<double>[] script) : IOneWireThermometer
{
    private int _reads;

    public string BusId => "w1_bus_master1";
    public string DeviceId => deviceId;
    /// <summary>How long a read blocks (a real DS18B20 at 12 bits: ~750 ms).</summary>
    public TimeSpan ConversionTime { get; init; } = TimeSpan.Zero;
    public int Reads => Volatile.Read(ref _reads);

    public double ReadCelsius()
    {
        var n = Interlocked.Increment(ref _reads) - 1;
        if (ConversionTime > TimeSpan.Zero) Thread.Sleep(ConversionTime);
        return script[Math.Min(n, script.Length - 1)]();
    }

    public static Func<double> Value(double celsius) => () => celsius;

    /// <summary>What the binding throws when the w1_slave file says the CRC check failed.</summary>
    public static Func<double> CrcFailure() => () => throw new InvalidOperationException("Unable to read temperature from device.");
}
