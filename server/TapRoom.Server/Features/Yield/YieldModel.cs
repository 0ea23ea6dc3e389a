using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using TapRoom.Contracts;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Features.Yield;

/// <summary>Beer staff record as lost from a keg (a spill, foam, other), with why; its volume is the keg's part of that kind.</summary>
public class KegWaste
{
    public Guid Id { get; set; }
    public Guid KegId { get; set; }
    public Guid LocationId { get; set; }
    public WasteKind Kind { get; set; }
    public int VolumeMl { get; set; }
    public required string Comment { get; set; }
    public required string RecordedBy { get; set; }
    public DateTime At { get; set; }
}

/// <summary>The keg's venue, cost and parts; the database keeps nominal = remaining + the parts on every statement.</summary>
public sealed class KegYieldConfiguration : IEntityTypeConfiguration<Keg>
{
    public const string PartsAddUp = "CK_Kegs_PartsAddUp";

    public void Configure(EntityTypeBuilder<Keg> e)
    {
        e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
        e.HasIndex(x => new { x.LocationId, x.Status, x.BeerTypeId });
        e.ToTable(t => t.HasCheckConstraint(PartsAddUp,
            "\"RemainingVolumeMl\" + \"ChargedMl\" + \"BelowMinimumMl\" + \"CleaningMl\" + \"CalibrationMl\" + \"LeakMl\" + \"SpillMl\" + \"FoamMl\" + \"OtherMl\" + \"LossAtEmptyMl\" = \"NominalVolumeMl\""));
    }
}

public sealed class KegWasteConfiguration : IEntityTypeConfiguration<KegWaste>
{
    public void Configure(EntityTypeBuilder<KegWaste> e)
    {
        e.ToTable("KegWaste");
        e.Property(x => x.Comment).HasMaxLength(500);
        e.Property(x => x.RecordedBy).HasMaxLength(200);
        e.HasOne<Keg>().WithMany().HasForeignKey(x => x.KegId).OnDelete(DeleteBehavior.Restrict);
        e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
        e.HasIndex(x => new { x.LocationId, x.At });
        e.HasIndex(x => x.KegId);
        e.ToTable(t => t.HasCheckConstraint("CK_KegWaste_Volume", "\"VolumeMl\" > 0"));
    }
}

/// <summary>The venue's reorder lead time (existing venues get the default from the column).</summary>
public sealed class LocationYieldConfiguration : IEntityTypeConfiguration<Location>
{
    public void Configure(EntityTypeBuilder<Location> e) =>
        e.OwnsOne(x => x.Policies, p => p.Property(x => x.ReorderLeadDays).HasDefaultValue(3));
}
