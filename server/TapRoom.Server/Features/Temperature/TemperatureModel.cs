using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TapRoom.Contracts;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Temperature;

/// <summary>
/// A named zone of a venue (cooler, tower, python, room) with its range and grace time, and the state of its
/// out-of-range alert (docs/RULES.md, "Temperature zones"): when it left the range, when it came back, what was raised.
/// </summary>
public class TemperatureZone
{
    public Guid Id { get; set; }
    public Guid LocationId { get; set; }
    public required string Name { get; set; }
    public double MinC { get; set; }
    public double MaxC { get; set; }
    public int AlertAfterMinutes { get; set; }
    public DateTime CreatedAt { get; set; }

    public double? LastCelsius { get; set; }
    public DateTime? LastReadingAt { get; set; }
    /// <summary>The first reading of the current spell out of range (null while in range).</summary>
    public DateTime? OutOfRangeSince { get; set; }
    /// <summary>Since when the zone is back inside its range by the hysteresis, while its alert is still open.</summary>
    public DateTime? BackInRangeSince { get; set; }
    /// <summary>The severity raised for the current spell (null: none raised).</summary>
    public AlertSeverity? AlertedSeverity { get; set; }
}

/// <summary>A sensor as the server has heard of it: its controller, its id there, its zone and its last reading.</summary>
public class TemperatureSensor
{
    public Guid Id { get; set; }
    public Guid ControllerId { get; set; }
    public required string SensorId { get; set; }
    public Guid ZoneId { get; set; }
    public DateTime LastReadingAt { get; set; }
    /// <summary>Set while a <c>sensor_silent</c> alert is open for it.</summary>
    public DateTime? SilentSince { get; set; }
}

/// <summary>A kept reading: raw for a day, then one a minute per sensor (<c>Averaged</c>), for 30 days.</summary>
public class TemperatureReadingRow
{
    public long Id { get; set; }
    public Guid ZoneId { get; set; }
    public required string SensorId { get; set; }
    public double Celsius { get; set; }
    public DateTime At { get; set; }
    public bool Averaged { get; set; }
}

public sealed class TemperatureZoneConfiguration : IEntityTypeConfiguration<TemperatureZone>
{
    public void Configure(EntityTypeBuilder<TemperatureZone> e)
    {
        e.Property(x => x.Name).HasMaxLength(TemperatureZones.MaxNameLength);
        e.HasIndex(x => new { x.LocationId, x.Name }).IsUnique();
        e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class TemperatureSensorConfiguration : IEntityTypeConfiguration<TemperatureSensor>
{
    public void Configure(EntityTypeBuilder<TemperatureSensor> e)
    {
        e.Property(x => x.SensorId).HasMaxLength(64);
        e.HasIndex(x => new { x.ControllerId, x.SensorId }).IsUnique();
        e.HasIndex(x => x.LastReadingAt);
        e.HasOne<Controller>().WithMany().HasForeignKey(x => x.ControllerId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<TemperatureZone>().WithMany().HasForeignKey(x => x.ZoneId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class TemperatureReadingConfiguration : IEntityTypeConfiguration<TemperatureReadingRow>
{
    public void Configure(EntityTypeBuilder<TemperatureReadingRow> e)
    {
        e.ToTable("TemperatureReadings");
        e.Property(x => x.SensorId).HasMaxLength(64);
        e.HasIndex(x => new { x.ZoneId, x.At });
        e.HasIndex(x => new { x.Averaged, x.At });
        e.HasOne<TemperatureZone>().WithMany().HasForeignKey(x => x.ZoneId).OnDelete(DeleteBehavior.Cascade);
    }
}

/// <summary>The venue's board settings, beside the venue's own configuration in the context.</summary>
public sealed class LocationBoardConfiguration : IEntityTypeConfiguration<Location>
{
    public void Configure(EntityTypeBuilder<Location> e)
    {
        // The sentinel is true so that an explicit false is written (the column's default, true, is for existing rows).
        e.Property(x => x.BoardEnabled).HasDefaultValue(true).HasSentinel(true);
        e.Property(x => x.ServingSizesMl)
            .HasConversion(
                v => string.Join(',', v),
                s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToList(),
                new ValueComparer<List<int>>((a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, x) => HashCode.Combine(h, x)), v => v.ToList()))
            .HasMaxLength(100)
            .HasDefaultValue(Location.DefaultServingSizesMl.ToList());
    }
}
