using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TapRoom.Contracts;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Calibration;

/// <summary>
/// One guided calibration pour of a tap: started by a manager with a target, poured by the tap's controller with the
/// factor in force (<see cref="PulsesPerLiterUsed"/>), its pulses reported, then the jug's volume entered. The measured
/// pours since the tap's last apply make the proposal; applying stamps them <see cref="AppliedAt"/>.
/// </summary>
public class TapCalibration
{
    public Guid Id { get; set; }
    public Guid TapId { get; set; }
    public Guid LocationId { get; set; }
    public Guid ControllerId { get; set; }
    /// <summary>The keg connected when the pour started: its calibration part gets the volume.</summary>
    public Guid? KegId { get; set; }
    public CalibrationStatus Status { get; set; }
    public int TargetMl { get; set; }
    public int PulsesPerLiterUsed { get; set; }
    public long? Pulses { get; set; }
    /// <summary>What the controller measured by <see cref="PulsesPerLiterUsed"/> (what left the keg by the meter).</summary>
    public int? VolumeMl { get; set; }
    /// <summary>What the jug holds, entered by staff.</summary>
    public int? MeasuredMl { get; set; }
    public required string StartedBy { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? PouredAt { get; set; }
    public DateTime? MeasuredAt { get; set; }
    public DateTime? AppliedAt { get; set; }
    public bool Discarded { get; set; }

    /// <summary>The factor this pour says the meter has: pulses per litre of what the jug holds.</summary>
    public int? MeasuredPulsesPerLiter => Pulses is { } p && MeasuredMl is { } m && m > 0
        ? (int)Math.Round(p * 1000m / m, MidpointRounding.AwayFromZero)
        : null;
}

public sealed class TapCalibrationConfiguration : IEntityTypeConfiguration<TapCalibration>
{
    public void Configure(EntityTypeBuilder<TapCalibration> e)
    {
        e.ToTable("TapCalibrations");
        e.Property(x => x.StartedBy).HasMaxLength(200);
        e.Ignore(x => x.MeasuredPulsesPerLiter);
        e.HasOne<Tap>().WithMany().HasForeignKey(x => x.TapId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Keg>().WithMany().HasForeignKey(x => x.KegId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
        e.HasIndex(x => new { x.TapId, x.StartedAt });
        // One calibration pour at a time per tap: a second start while one pours is refused by the database too.
        e.HasIndex(x => x.TapId).IsUnique().HasFilter("\"Status\" = 'pouring'").HasDatabaseName("UX_TapCalibrations_PouringPerTap");
    }
}
