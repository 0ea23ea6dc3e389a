namespace TapRoom.Contracts;

/// <summary>One reading of one sensor: <c>Celsius</c> is null when a client had no number (JavaScript sends NaN as null).</summary>
public sealed record TemperatureReading(string SensorId, string Zone, double? Celsius, DateTime At);

/// <summary>Controller → server (<c>TemperatureReadings</c>): a batch, including what the agent kept while offline.</summary>
public sealed record TemperatureReadingsRequest(IReadOnlyList<TemperatureReading> Readings)
{
    /// <summary>The most readings one batch may carry; the agent sends what it kept in batches of this size (a hub message is at most 32 KB).</summary>
    public const int MaxBatch = 200;
}

/// <summary>How many readings of the batch were kept and how many refused (not a number, out of the sensor's range, 85.0 °C).</summary>
public sealed record TemperatureReadingsResult(int Accepted, int Refused);

/// <summary>
/// Which readings are kept (docs/RULES.md, "Temperature readings"): a finite number within the DS18B20's range
/// (−40…125 °C) and not exactly its power-on value (85.0 °C). The agent drops the others before sending and the
/// server refuses them again, for an older agent that does not.
/// </summary>
public static class TemperatureReadingRules
{
    public const double MinCelsius = -40;
    public const double MaxCelsius = 125;
    /// <summary>What a DS18B20 reports before its first conversion after power-on.</summary>
    public const double PowerOnCelsius = 85.0;

    public static bool IsPlausible(double? celsius) =>
        celsius is { } c && double.IsFinite(c) && c >= MinCelsius && c <= MaxCelsius && c != PowerOnCelsius;
}

/// <summary>A venue's temperature zone: its range and how long it may be out of it before a warning.</summary>
public sealed record TemperatureZoneDto(Guid Id, Guid LocationId, string Name, double MinC, double MaxC, int AlertAfterMinutes);

public sealed record TemperaturePointDto(DateTime At, double Celsius);

/// <summary>A zone now: its last reading (null when none came yet) and whether that is within the range.</summary>
public sealed record TemperatureNowDto(Guid ZoneId, string Name, double? Celsius, DateTime? At, double MinC, double MaxC, bool? InRange);
