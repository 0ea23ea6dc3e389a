using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using TapRoom.Contracts;
using TapRoom.Server.Domain;

namespace TapRoom.Server.Data;

/// <summary>
/// The model, shared by both providers. This type is the SQLite context (its migrations are in Data/Migrations);
/// <see cref="PostgresTapRoomDbContext"/> is the PostgreSQL one with its own migrations (docs/adr/0040).
/// </summary>
public class TapRoomDbContext : DbContext
{
    public TapRoomDbContext(DbContextOptions<TapRoomDbContext> options) : base(options) { }

    /// <summary>For the provider-specific subclasses, which have their own migrations and snapshot.</summary>
    protected TapRoomDbContext(DbContextOptions options) : base(options) { }

    public DbSet<Location> Locations => Set<Location>();
    public DbSet<StaffUser> StaffUsers => Set<StaffUser>();
    public DbSet<StaffSession> StaffSessions => Set<StaffSession>();
    public DbSet<StaffLocation> StaffLocations => Set<StaffLocation>();
    public DbSet<LocationPrice> LocationPrices => Set<LocationPrice>();
    public DbSet<Guest> Guests => Set<Guest>();
    public DbSet<Card> Cards => Set<Card>();
    public DbSet<Visit> Visits => Set<Visit>();
    public DbSet<LedgerEntry> Ledger => Set<LedgerEntry>();
    public DbSet<BeerType> BeerTypes => Set<BeerType>();
    public DbSet<Keg> Kegs => Set<Keg>();
    public DbSet<Tap> Taps => Set<Tap>();
    public DbSet<Controller> Controllers => Set<Controller>();
    public DbSet<ControllerPairing> ControllerPairings => Set<ControllerPairing>();
    public DbSet<PourSession> PourSessions => Set<PourSession>();
    public DbSet<LostCard> LostCards => Set<LostCard>();
    public DbSet<Alert> Alerts => Set<Alert>();
    public DbSet<AlertMute> AlertMutes => Set<AlertMute>();
    public DbSet<Shift> Shifts => Set<Shift>();
    public DbSet<ShiftMember> ShiftMembers => Set<ShiftMember>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<PosOutboxEntry> PosOutbox => Set<PosOutboxEntry>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<Features.Temperature.TemperatureZone> TemperatureZones => Set<Features.Temperature.TemperatureZone>();
    public DbSet<Features.Temperature.TemperatureSensor> TemperatureSensors => Set<Features.Temperature.TemperatureSensor>();
    public DbSet<Features.Temperature.TemperatureReadingRow> TemperatureReadings => Set<Features.Temperature.TemperatureReadingRow>();
    public DbSet<Features.Yield.KegWaste> KegWaste => Set<Features.Yield.KegWaste>();
    public DbSet<Features.Calibration.TapCalibration> TapCalibrations => Set<Features.Calibration.TapCalibration>();

    private HashSet<Guid>? _tapStatusChanges;

    /// <summary>
    /// The taps whose status this context saved (a new tap, or <see cref="Tap.Status"/> changed) since the last call.
    /// The command pipeline turns them into <see cref="Features.TapStatusChangedNotification"/>s: a controller hears of
    /// a status change, and only of one, whichever code path made it (every status change is a tracked change).
    /// </summary>
    public IReadOnlyCollection<Guid> TakeTapStatusChanges()
    {
        var taken = _tapStatusChanges;
        _tapStatusChanges = null;
        return taken ?? (IReadOnlyCollection<Guid>)[];
    }

    // Changes are detected once per save: here, for the notes, and not again by the save itself (an automatic
    // DetectChanges walks every tracked entity; doing it twice was 1.4 % of the server's CPU at the target load).
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        var auto = DetectAndNoteTapStatusChanges();
        try { return base.SaveChanges(acceptAllChangesOnSuccess); }
        finally { ChangeTracker.AutoDetectChangesEnabled = auto; }
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var auto = DetectAndNoteTapStatusChanges();
        try { return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken); }
        finally { ChangeTracker.AutoDetectChangesEnabled = auto; }
    }

    /// <summary>Detects changes (if automatic detection is on), notes tap status changes, and turns automatic detection
    /// off for the save that follows; returns the setting to restore.</summary>
    private bool DetectAndNoteTapStatusChanges()
    {
        var auto = ChangeTracker.AutoDetectChangesEnabled;
        if (auto) ChangeTracker.DetectChanges();
        ChangeTracker.AutoDetectChangesEnabled = false;
        NoteTapStatusChanges();
        return auto;
    }

    // A pooled context is reused by the next scope: what one scope noted must not reach the next.
    public override void Dispose()
    {
        _tapStatusChanges = null;
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        _tapStatusChanges = null;
        return base.DisposeAsync();
    }

    /// <summary>Notes a status change that a statement made rather than a tracked change (a conditional UPDATE).</summary>
    public void NoteTapStatusChange(Guid tapId) => (_tapStatusChanges ??= []).Add(tapId);

    private void NoteTapStatusChanges()
    {
        foreach (var entry in ChangeTracker.Entries<Tap>())
        {
            if (entry.State == EntityState.Added || (entry.State == EntityState.Modified && entry.Property(t => t.Status).IsModified))
                (_tapStatusChanges ??= []).Add(entry.Entity.Id);
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<decimal>().HavePrecision(18, 4);
        foreach (var enumType in typeof(TapStatus).Assembly.GetTypes().Where(t => t.IsEnum && t.IsPublic))
        {
            configurationBuilder.Properties(enumType)
                .HaveConversion(typeof(SnakeCaseEnumConverter<>).MakeGenericType(enumType))
                .HaveMaxLength(32);
        }
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Location>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Slug).HasMaxLength(40).HasDefaultValue(""); // as the migration added it; every venue gets one
            e.HasIndex(x => x.Slug).IsUnique();
            e.Property(x => x.Currency).HasMaxLength(3);
            e.Property(x => x.TimeZone).HasMaxLength(64);
            e.OwnsOne(x => x.Policies, p =>
            {
                p.ToTable("Locations");
                // Added after the first release: existing rows get the default (off) from the column.
                p.Property(x => x.DeskMoneyWithoutOpenShift).HasDefaultValue(false);
            });
        });

        b.Entity<StaffUser>(e =>
        {
            e.Property(x => x.Login).HasMaxLength(64).UseCollation("NOCASE");
            e.HasIndex(x => x.Login).IsUnique();
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.SecurityStamp).HasMaxLength(64).HasDefaultValue("");
        });

        b.Entity<StaffLocation>(e =>
        {
            e.HasKey(x => new { x.StaffUserId, x.LocationId });
            e.HasOne<StaffUser>().WithMany(u => u.Locations).HasForeignKey(x => x.StaffUserId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<LocationPrice>(e =>
        {
            e.HasKey(x => new { x.LocationId, x.BeerTypeId });
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<BeerType>().WithMany().HasForeignKey(x => x.BeerTypeId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<StaffSession>(e =>
        {
            e.HasIndex(x => x.StaffUserId);
            e.HasOne<StaffUser>().WithMany().HasForeignKey(x => x.StaffUserId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<Guest>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Phone).HasMaxLength(40);
            e.Property(x => x.Email).HasMaxLength(200);
            e.HasIndex(x => x.Name);
            e.HasIndex(x => x.Phone);
        });

        b.Entity<Card>(e =>
        {
            e.Property(x => x.Uid).HasMaxLength(20);
            e.HasIndex(x => x.Uid).IsUnique();
            e.HasOne(x => x.Guest).WithMany().HasForeignKey(x => x.GuestId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<Visit>(e =>
        {
            e.HasOne(x => x.Guest).WithMany().HasForeignKey(x => x.GuestId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.Card).WithMany().HasForeignKey(x => x.CardId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Tap>().WithMany().HasForeignKey(x => x.ActiveTapId).OnDelete(DeleteBehavior.Restrict);
            e.Property(x => x.OpenedBy).HasMaxLength(200);
            e.Property(x => x.ClosedBy).HasMaxLength(200);
            e.Property(x => x.CloseReason).HasMaxLength(500);
            // The stored sum of the ledger (ADR 0065); the default fills existing rows before the migration's backfill.
            e.Property(x => x.Balance).HasDefaultValue(0m);
            // Rule 1 in the database: one active visit per guest and venue, one per card.
            e.HasIndex(x => new { x.GuestId, x.LocationId }).IsUnique().HasFilter("\"Status\" = 'active'").HasDatabaseName("UX_Visits_ActiveGuest");
            e.HasIndex(x => x.CardId).IsUnique().HasFilter("\"Status\" = 'active'").HasDatabaseName("UX_Visits_ActiveCard");
            // Rule 3 in the database: a tap serves at most one visit's pour.
            e.HasIndex(x => x.ActiveTapId).IsUnique().HasFilter("\"ActiveTapId\" IS NOT NULL").HasDatabaseName("UX_Visits_ActiveTap");
            // "Does a visit still hold this pour?" (a tap leaving processing_sync) must not scan every visit ever opened.
            e.HasIndex(x => x.ActivePourSessionId).HasFilter("\"ActivePourSessionId\" IS NOT NULL").HasDatabaseName("IX_Visits_ActivePourSession");
            e.HasIndex(x => new { x.Status, x.OpenedAt });
            e.HasMany(x => x.Ledger).WithOne().HasForeignKey(x => x.VisitId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<LedgerEntry>(e =>
        {
            e.Property(x => x.Actor).HasMaxLength(200);
            e.Property(x => x.Comment).HasMaxLength(500);
            e.HasIndex(x => new { x.VisitId, x.At });
            e.HasIndex(x => x.At);
            // Rule 4 in the database: one charge per pour session.
            e.HasIndex(x => x.PourSessionId).IsUnique().HasFilter("\"Kind\" = 'pour_charge'").HasDatabaseName("UX_Ledger_PourCharge");
            e.HasOne<PourSession>().WithMany().HasForeignKey(x => x.PourSessionId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<BeerType>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Style).HasMaxLength(100);
            e.HasIndex(x => x.Name).IsUnique();
        });

        b.Entity<Keg>(e =>
        {
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.BeerType).WithMany().HasForeignKey(x => x.BeerTypeId).OnDelete(DeleteBehavior.Restrict);
            // Keg.TapId is the tap the keg is or was on; Tap.KegId is the enforced link. One foreign key only, so that
            // the two tables have no cycle (SQLite cannot drop a foreign key, and a cycle makes the migration irreversible).
            e.HasIndex(x => x.TapId).IsUnique().HasFilter("\"Status\" = 'connected'").HasDatabaseName("UX_Kegs_ConnectedTap");
            e.HasIndex(x => new { x.Status, x.BeerTypeId, x.ReceivedAt });
            e.ToTable(t => t.HasCheckConstraint("CK_Kegs_Remaining", "\"RemainingVolumeMl\" >= 0 AND \"RemainingVolumeMl\" <= \"NominalVolumeMl\""));
        });

        b.Entity<Tap>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.HasIndex(x => new { x.LocationId, x.Number }).IsUnique();
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.Keg).WithMany().HasForeignKey(x => x.KegId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => x.KegId).IsUnique().HasFilter("\"KegId\" IS NOT NULL");
            e.HasOne(x => x.Controller).WithMany(c => c.Taps).HasForeignKey(x => x.ControllerId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<BeerType>().WithMany().HasForeignKey(x => x.LastBeerTypeId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<Controller>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.ApiKeyHash).HasMaxLength(64);
            e.Property(x => x.ApiKeyPrefix).HasMaxLength(16);
            e.Property(x => x.AgentVersion).HasMaxLength(64);
            e.HasIndex(x => x.ApiKeyHash).IsUnique();
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<ControllerPairing>(e =>
        {
            e.Property(x => x.Code).HasMaxLength(6);
            e.Property(x => x.PollTokenHash).HasMaxLength(64);
            e.Property(x => x.AgentVersion).HasMaxLength(64);
            e.Property(x => x.HardwareId).HasMaxLength(128);
            e.Property(x => x.RemoteAddress).HasMaxLength(64);
            // Adoption looks a waiting code up; codes repeat over time, so the index is not unique (the handler keeps the
            // waiting ones apart).
            e.HasIndex(x => new { x.Code, x.ExpiresAt });
            e.HasOne<Controller>().WithMany().HasForeignKey(x => x.ControllerId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<PourSession>(e =>
        {
            e.HasOne(x => x.Visit).WithMany().HasForeignKey(x => x.VisitId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Tap>().WithMany().HasForeignKey(x => x.TapId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Keg>().WithMany().HasForeignKey(x => x.KegId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Controller>().WithMany().HasForeignKey(x => x.ControllerId).OnDelete(DeleteBehavior.Restrict);
            e.Property(x => x.CardUid).HasMaxLength(20);
            e.Property(x => x.ReconciledBy).HasMaxLength(200);
            e.Property(x => x.ReconcileComment).HasMaxLength(500);
            e.HasIndex(x => new { x.ControllerId, x.RequestId }).IsUnique();
            e.HasIndex(x => new { x.SyncStatus, x.TapId });
            e.HasIndex(x => new { x.VisitId, x.AuthorizedAt });
            e.HasIndex(x => x.AuthorizedAt);
        });

        b.Entity<LostCard>(e =>
        {
            e.Property(x => x.Uid).HasMaxLength(20);
            e.Property(x => x.ReportedBy).HasMaxLength(200);
            e.Property(x => x.ClearedBy).HasMaxLength(200);
            e.Property(x => x.Reason).HasMaxLength(500);
            e.HasIndex(x => x.Uid).IsUnique().HasFilter("\"ClearedAt\" IS NULL").HasDatabaseName("UX_LostCards_Open");
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Card>().WithMany().HasForeignKey(x => x.CardId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Guest>().WithMany().HasForeignKey(x => x.GuestId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Visit>().WithMany().HasForeignKey(x => x.VisitId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<Alert>(e =>
        {
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.SubjectType).HasMaxLength(32);
            e.Property(x => x.Message).HasMaxLength(1000);
            e.Property(x => x.AcknowledgedBy).HasMaxLength(200);
            e.Property(x => x.ResolvedBy).HasMaxLength(200);
            e.Property(x => x.AcknowledgeComment).HasMaxLength(1000);
            e.Property(x => x.ResolveComment).HasMaxLength(1000);
            // An open alert of the same type and subject is counted, not duplicated.
            e.HasIndex(x => new { x.Type, x.SubjectType, x.SubjectId }).IsUnique()
                .HasFilter("\"Status\" <> 'resolved'").HasDatabaseName("UX_Alerts_OpenPerSubject");
            e.HasIndex(x => new { x.Status, x.Severity });
            e.HasIndex(x => x.RaisedAt);
            e.HasIndex(x => new { x.LocationId, x.Status });
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<AlertMute>(e =>
        {
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.SubjectType).HasMaxLength(32);
            e.Property(x => x.MutedBy).HasMaxLength(200);
            e.Property(x => x.Comment).HasMaxLength(1000);
            e.HasIndex(x => new { x.Type, x.SubjectType, x.SubjectId, x.Until });
        });

        b.Entity<Shift>(e =>
        {
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
            e.Property(x => x.OpenedBy).HasMaxLength(200);
            e.Property(x => x.ClosedBy).HasMaxLength(200);
            e.HasIndex(x => x.LocationId).IsUnique().HasFilter("\"Status\" = 'open'").HasDatabaseName("UX_Shifts_OpenPerLocation");
            e.HasMany(x => x.Members).WithOne().HasForeignKey(x => x.ShiftId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<ShiftMember>(e =>
        {
            e.HasOne(x => x.StaffUser).WithMany().HasForeignKey(x => x.StaffUserId).OnDelete(DeleteBehavior.Restrict);
            e.HasIndex(x => new { x.ShiftId, x.StaffUserId }).IsUnique().HasFilter("\"LeftAt\" IS NULL").HasDatabaseName("UX_ShiftMembers_Present");
        });

        b.Entity<AuditEvent>(e =>
        {
            e.Property(x => x.ActorType).HasMaxLength(16);
            e.Property(x => x.ActorName).HasMaxLength(200);
            e.Property(x => x.Action).HasMaxLength(64);
            e.Property(x => x.SubjectType).HasMaxLength(32);
            e.HasIndex(x => new { x.SubjectType, x.SubjectId });
            e.HasIndex(x => new { x.Action, x.At });
            e.HasIndex(x => x.At);
            e.HasIndex(x => new { x.LocationId, x.At });
        });

        b.Entity<PosOutboxEntry>(e =>
        {
            e.ToTable("PosOutbox");
            e.Property(x => x.LastError).HasMaxLength(2000);
            e.HasIndex(x => x.IdempotencyKey).IsUnique();
            e.HasIndex(x => new { x.Status, x.NextAttemptAt });
            e.HasIndex(x => x.LedgerEntryId);
            e.HasOne<Location>().WithMany().HasForeignKey(x => x.LocationId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Visit>().WithMany().HasForeignKey(x => x.VisitId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<LedgerEntry>().WithMany().HasForeignKey(x => x.LedgerEntryId).OnDelete(DeleteBehavior.Restrict);
        });

        b.Entity<IdempotencyRecord>(e =>
        {
            e.HasKey(x => x.Key);
            e.Property(x => x.Key).HasMaxLength(200);
            e.Property(x => x.RequestHash).HasMaxLength(64);
        });

        // Each feature's own entity configurations (IEntityTypeConfiguration classes in its folder).
        b.ApplyConfigurationsFromAssembly(typeof(TapRoomDbContext).Assembly);
    }
}

/// <summary>Times are stored and read as UTC.</summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

/// <summary>Enums are stored as the same snake_case strings the wire uses.</summary>
public sealed class SnakeCaseEnumConverter<TEnum>() : ValueConverter<TEnum, string>(
    v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()),
    v => Parse(v)) where TEnum : struct, Enum
{
    private static readonly Dictionary<string, TEnum> Values =
        Enum.GetValues<TEnum>().ToDictionary(e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString()));

    private static TEnum Parse(string value) => Values[value];
}
